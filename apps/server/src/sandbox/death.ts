import { constants as osConstants } from 'node:os';
import type { ErrorCode } from '@bastion/protocol';

/**
 * Why a worker is gone. `replaced`, `disposed` and `shutdown` are the host's own doing and never count as the
 * plugin's failures.
 */
export type DeathKind = 'crash' | 'memory' | 'timeout' | 'replaced' | 'disposed' | 'shutdown';

/** A kill the host decided on, before the exit event confirms it. */
export type KillReason = DeathKind;

export interface WorkerDeath {
  kind: DeathKind;
  code: ErrorCode;
  message: string;
}

/**
 * The Python worker's last words on a MemoryError (python/bastion_worker/main.py): an allocation refused by the
 * worker's RLIMIT_DATA, before the cgroup or the watchdog sees the memory. A plugin could print this too; it only
 * changes which failure code its own crash gets.
 */
const PYTHON_OOM = /bastion worker: out of memory \(MemoryError\)/;

function signalName(num: number): string {
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === num);
  return entry ? entry[0] : `signal ${num}`;
}

export interface DeathFacts {
  /** The host's own kill reason, when it killed the worker. */
  killReason: KillReason | null;
  killDetail: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Set when the kernel's OOM killer ended the worker in its cgroup (read from the cgroup's counters, never from
   * anything the worker printed, which a plugin controls).
   */
  kernelOomKill: string | null;
  /** The last lines the worker wrote to stderr (only the Python worker's MemoryError line is read there). */
  stderrTail: string;
}

/**
 * Turns what is known about a worker's end into the coded death callers and the registry see. A memory kill is
 * decided by who killed: the host's watchdog (`killReason`) or the kernel's OOM killer in the worker's cgroup. A
 * worker that aborts on its own — a V8 heap OOM included, which is why V8's heap limit sits above memoryMb — is a
 * crash, whatever it wrote to stderr.
 */
export function classifyDeath(f: DeathFacts): WorkerDeath {
  const { killReason: reason, killDetail: detail } = f;
  if (reason === 'timeout') return { kind: 'timeout', code: 'PLUGIN_TIMEOUT', message: `worker killed: ${detail}` };
  if (reason === 'memory') return { kind: 'memory', code: 'PLUGIN_MEMORY_LIMIT', message: detail };
  if (reason === 'replaced') return { kind: 'replaced', code: 'CANCELLED', message: detail || 'worker replaced' };
  if (reason === 'disposed') return { kind: 'disposed', code: 'PLUGIN_UNAVAILABLE', message: 'worker stopped' };
  if (reason === 'shutdown') {
    return { kind: 'shutdown', code: 'SHUTTING_DOWN', message: detail || 'the server is shutting down' };
  }
  if (f.kernelOomKill) return { kind: 'memory', code: 'PLUGIN_MEMORY_LIMIT', message: f.kernelOomKill };
  if (PYTHON_OOM.test(f.stderrTail)) {
    return {
      kind: 'memory',
      code: 'PLUGIN_MEMORY_LIMIT',
      message: 'worker ran out of memory (Python MemoryError); raise memoryMb for this plugin or reduce its input',
    };
  }
  if (reason === 'crash') return { kind: 'crash', code: 'PLUGIN_CRASHED', message: `worker killed: ${detail}` };
  // Through bubblewrap a signal death shows as exit code 128+N.
  const code = f.exitCode;
  const sig = f.signal ?? (code !== null && code > 128 && code < 160 ? signalName(code - 128) : null);
  const how = detail || (sig ? `killed by ${sig}` : `exited with code ${code}`);
  return { kind: 'crash', code: 'PLUGIN_CRASHED', message: `worker ${how}` };
}

/** Deaths that make the plugin FAILED (and count against it). */
export function isPluginFailure(death: WorkerDeath): boolean {
  return death.kind === 'crash' || death.kind === 'memory' || death.kind === 'timeout';
}
