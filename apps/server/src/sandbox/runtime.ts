import { PYTHON_WORKER, WORKER_ENTRY } from '../paths.js';

/** The interpreter a plugin's workers run in. The sandbox wrapping around it is the same for every runtime. */
export type WorkerRuntime = { kind: 'node' } | { kind: 'python'; executable: string };

export const NODE_RUNTIME: WorkerRuntime = Object.freeze({ kind: 'node' });

/** The default interpreter of Python plugins: the system's, not whichever `python3` comes first on PATH. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

export interface WorkerProgram {
  /** The command run inside the sandbox wrapping (interpreter, its flags, the worker entry). */
  argv: string[];
  /** The worker entry file (it must be visible inside the sandbox). */
  entry: string;
}

/**
 * The program of one worker. Node gets its heap capped at memoryMb (a V8 OOM is then recognised from stderr);
 * Python gets `-I` (no PYTHON* variables, no user site, no script folder on sys.path), `-B` (writes no bytecode
 * into plugin folders) and `-u` (unbuffered, so its output reaches the log as it is written); the runner enables
 * faulthandler itself.
 */
export function workerProgram(runtime: WorkerRuntime, memoryMb: number): WorkerProgram {
  if (runtime.kind === 'python') {
    return { argv: [runtime.executable, '-I', '-B', '-u', PYTHON_WORKER], entry: PYTHON_WORKER };
  }
  return { argv: [process.execPath, `--max-old-space-size=${memoryMb}`, WORKER_ENTRY], entry: WORKER_ENTRY };
}
