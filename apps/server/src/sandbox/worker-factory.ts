import type { Limits } from '@bastion/protocol';
import { buildSpawnSpec, type IsolationInfo, type WorkerUser } from './isolation.js';
import type { LogSink } from './log-relay.js';
import type { WorkerFactory } from './pool.js';
import { NODE_RUNTIME, workerProgram, type WorkerRuntime } from './runtime.js';
import { workerEnv } from './worker-env.js';
import { createWorkerGuard } from './worker-guard.js';
import { WorkerProcess } from './worker-process.js';
import { privateTmp, unreadablePath } from './worker-user.js';

export interface WorkerFactoryInput {
  pluginId: string;
  folder: string;
  /** The plugin's entry: a module path (Node) or `package.module:NAME` (Python). */
  entry: string;
  /** Node unless the plugin is a Python one. */
  runtime?: WorkerRuntime;
  /** Device nodes to bind into the sandbox (NVIDIA nodes, for plugins that declare requires.gpu). */
  devices?: Array<[string, string]>;
  network: boolean;
  limits: Limits;
  isolation: IsolationInfo;
  /** Folders the worker must not see (data dir, other plugins). */
  hiddenDirs: string[];
  /** The operator's `plugins.<id>.options`, handed to the plugin as `ctx.config`. */
  options: Record<string, unknown>;
  maxResultBytes: number;
  log: LogSink;
  /** Where a weaker-than-configured sandbox is reported. */
  warn: LogSink;
  onMemoryPeak: (mb: number) => void;
}

/**
 * The one way workers are made — by the plugin manager and by `bastion check-plugin` alike: the sandbox command
 * line, the scrubbed environment, the unprivileged user and its private temp folder, and the guard of its memory
 * and process limits (its own cgroup, joined before anything runs, or the watchdog).
 */
export function createWorkerFactory(input: WorkerFactoryInput): WorkerFactory {
  const runtime = input.runtime ?? NODE_RUNTIME;
  const program = workerProgram(runtime, input.limits.memoryMb);
  let user: WorkerUser | null = input.isolation.workerUser;
  if (user) {
    const files = [program.argv[0] as string, program.entry, ...(runtime.kind === 'node' ? [input.entry] : [])];
    const blocked = unreadablePath(user, files, [input.folder]);
    if (blocked) {
      input.warn(
        `plugin ${input.pluginId}: its workers run as the host's user (and could read the host's environment): uid ${user.uid} cannot read ${blocked}; make it world-readable (chmod o+rX) or use namespace isolation`,
      );
      user = null;
    }
  }
  const spawn = buildSpawnSpec({
    isolation: input.isolation,
    workerEntry: program.entry,
    program: program.argv,
    ...(input.devices?.length ? { devices: input.devices } : {}),
    pluginDir: input.folder,
    hiddenDirs: input.hiddenDirs,
    network: input.network,
    memoryMb: input.limits.memoryMb,
    user,
  });
  const env = workerEnv({ network: input.network });
  return (onDeath) => {
    const tmp = user ? privateTmp(user) : null;
    const guard = createWorkerGuard({
      cgroups: input.isolation.cgroups,
      limits: { memoryMb: input.limits.memoryMb, maxProcesses: input.limits.maxProcesses },
      namespaced: input.isolation.mode === 'namespace',
      warn: (message) => input.warn(`plugin ${input.pluginId}: ${message}`),
    });
    return new WorkerProcess({
      pluginId: input.pluginId,
      spawn: guard.wrap(spawn),
      guard,
      env: tmp ? { ...env, TMPDIR: tmp.dir, HOME: tmp.dir, USER: 'nobody', LOGNAME: 'nobody' } : env,
      cwd: input.folder,
      loadTimeoutMs: input.limits.loadTimeoutMs,
      load: {
        type: 'load',
        pluginDir: input.folder,
        entry: input.entry,
        config: input.options,
        maxResultBytes: input.maxResultBytes,
      },
      log: input.log,
      onMemoryPeak: input.onMemoryPeak,
      onDeath: (death, worker) => {
        tmp?.remove();
        void guard.release();
        onDeath(death, worker);
      },
    });
  };
}
