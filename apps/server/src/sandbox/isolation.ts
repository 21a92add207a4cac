import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import { findOnPath } from '../find-on-path.js';
import { detectCgroups, type CgroupHost } from './cgroups/host.js';

export type IsolationMode = 'namespace' | 'process';

/** The unprivileged account workers run as when the host runs as root without namespaces (`nobody`). */
export interface WorkerUser {
  uid: number;
  gid: number;
}

export const NOBODY: WorkerUser = Object.freeze({ uid: 65534, gid: 65534 });

export interface IsolationInfo {
  mode: IsolationMode;
  /** Set when a weaker mode than asked for is in force; the startup log prints it. */
  warning: string | null;
  hasSetpriv: boolean;
  hasPrlimit: boolean;
  /** util-linux `chrt` is there: workers run under SCHED_BATCH (see buildSpawnSpec). */
  hasChrt?: boolean;
  /**
   * Plain-process workers of a root host run as this user, so they cannot read the host's `/proc/PID/environ`
   * (its keys), its data dir or signal it. Null when the host is not root (nothing to drop to) or namespaces
   * isolate instead.
   */
  workerUser: WorkerUser | null;
  /** Root in a namespace keeps every capability (it could unmount the masks): drop them all. */
  dropCapabilities: boolean;
  /** Where each worker gets its own cgroup (memoryMb and maxProcesses as kernel limits); null: the watchdog. */
  cgroups: CgroupHost | null;
  /** Which enforcement of memory and process limits is in use, and why (the startup log prints it). */
  limitsNote: string;
}

/** The namespace part of every worker's bubblewrap command line (and of the start-up probe). */
const BWRAP_BASE = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent'];
const BWRAP_PROBE = [...BWRAP_BASE, '--unshare-net', 'true'];

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Finds out how strongly workers can be isolated here: bubblewrap namespaces, or plain processes. `namespace`
 * refuses to start without them (a ConfigError: exit 2); `auto` falls back to plain processes with a warning.
 */
export function detectIsolation(
  preference: 'auto' | 'namespace' | 'process',
  opts: { cgroups?: boolean } = {},
): IsolationInfo {
  const found = opts.cgroups === false ? { host: null, why: 'cgroups turned off' } : detectCgroups();
  const cgroups = found.host;
  const limitsNote = cgroups
    ? `memory and process limits: kernel-enforced (${found.why})`
    : `memory and process limits: enforced by the host's watchdog, not the kernel (${found.why}); tmpfs files count, but a fast leak can pass memoryMb for up to one 25 ms sample`;
  const hasSetpriv = findOnPath('setpriv') !== null;
  const hasPrlimit = findOnPath('prlimit') !== null;
  const hasChrt = findOnPath('chrt') !== null;
  const root = isRoot();
  const plain = (warning: string | null): IsolationInfo => ({
    mode: 'process',
    warning,
    hasSetpriv,
    hasPrlimit,
    hasChrt,
    workerUser: root && hasSetpriv ? NOBODY : null,
    dropCapabilities: false,
    cgroups,
    limitsNote,
  });
  if (preference === 'process') return plain(null);
  const bwrap = findOnPath('bwrap');
  const works = bwrap !== null && spawnSync(bwrap, BWRAP_PROBE, { timeout: 5000, stdio: 'ignore' }).status === 0;
  if (works) {
    return {
      mode: 'namespace',
      warning: null,
      hasSetpriv,
      hasPrlimit,
      hasChrt,
      workerUser: null,
      dropCapabilities: root,
      cgroups,
      limitsNote,
    };
  }
  const why = bwrap
    ? 'bubblewrap cannot create namespaces here (user namespaces disabled?)'
    : "bubblewrap ('bwrap') is not installed (apt-get install bubblewrap)";
  if (preference === 'namespace') {
    throw new ConfigError([
      `isolation: 'namespace' was asked for, but ${why}; fix that, or start with --isolation auto (falls back to plain processes with a warning)`,
    ]);
  }
  return plain(`plugin workers run as plain processes without PID/network/filesystem namespaces: ${why}`);
}

export interface SpawnSpecInput {
  isolation: IsolationInfo;
  workerEntry: string;
  pluginDir: string;
  /** Folders the worker must not see: the data dir and other plugins' folders. */
  hiddenDirs: string[];
  network: boolean;
  memoryMb: number;
  /** The user to run as (plain-process mode under a root host), or null to stay the host's user. */
  user: WorkerUser | null;
  /** The program run inside the wrapping (runtime.ts); the Node worker when absent. */
  program?: string[];
  /** Device nodes bound into the namespace's fresh /dev (GPU plugins only): [host path, path inside]. */
  devices?: Array<[string, string]>;
}

export interface SpawnSpec {
  command: string;
  args: string[];
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Builds the command line of one worker:
 * `setpriv --pdeathsig KILL` (dies with the host, even on SIGKILL; and, for plain processes under a root host,
 * `--reuid/--regid nobody --clear-groups`) → `prlimit --core=0 --data=…` (no core dumps; native allocations far
 * past the limit fail instead of taking the machine) → `bwrap` (own PID and network namespaces, read-only root,
 * private /tmp, data dir and other plugins hidden, no capabilities) → `node` with the V8 heap capped. All of it
 * under `chrt --batch 0` (SCHED_BATCH, same CPU share, inherited by whatever the plugin spawns): a worker woken by
 * the host's IPC message then no longer preempts the host mid-request, which was the largest cost of a trivial
 * call (the host's IPC write); the host, not a plugin, comes first on a busy core.
 */
export function buildSpawnSpec(input: SpawnSpecInput): SpawnSpec {
  const { isolation, memoryMb } = input;
  // V8's heap limit sits above memoryMb, so the cgroup or the watchdog (which see heap and native memory together)
  // always acts first and a memory kill is one the host can attribute: a V8 heap OOM aborts the worker itself, which
  // cannot be told from a plugin calling abort() and is reported as a crash.
  const heapMb = Math.ceil(memoryMb * 1.5);
  // RLIMIT_DATA is only a backstop: the cgroup or the watchdog enforces memoryMb precisely, so leave room for them.
  const dataBytes = Math.max(memoryMb * 2, heapMb + 512) * 1024 * 1024;
  const tmpfsBytes = String(memoryMb * 1024 * 1024);
  const node = input.program ?? [process.execPath, `--max-old-space-size=${heapMb}`, input.workerEntry];
  let inner = node;
  if (isolation.mode === 'namespace') {
    // /tmp becomes private and writable; whatever the worker must read from under it (a checkout or plugins
    // dir in /tmp) is bound back read-only, and the hidden dirs are masked after that.
    const tmp = path.resolve(os.tmpdir());
    const reexpose = [
      ...new Set(
        [input.pluginDir, input.workerEntry]
          .filter((p) => isInside(p, tmp) && p !== tmp)
          .map((p) => path.join(tmp, path.relative(tmp, p).split(path.sep)[0] as string)),
      ),
    ];
    // The masks are read-only: a writable tmpfs there would be RAM outside any limit.
    const hide = input.hiddenDirs
      .filter((d) => !isInside(input.pluginDir, d) && !isInside(input.workerEntry, d))
      .flatMap((d) => ['--tmpfs', d, '--remount-ro', d]);
    inner = [
      'bwrap',
      ...BWRAP_BASE,
      // -try: a node that vanished since it was listed (driver reload) is skipped, not an error.
      ...(input.devices ?? []).flatMap(([from, to]) => ['--dev-bind-try', from, to]),
      ...(isolation.dropCapabilities ? ['--cap-drop', 'ALL'] : []),
      // The worker's writable tmpfs mounts (RAM in no process's RSS) are sized to memoryMb; the cgroup counts
      // their pages, the watchdog adds their use to the tree's RSS. /dev itself (a tmpfs) is made read-only last.
      ...['--size', tmpfsBytes, '--tmpfs', tmp],
      ...['--size', tmpfsBytes, '--tmpfs', '/dev/shm'],
      ...reexpose.flatMap((d) => ['--ro-bind', d, d]),
      ...hide,
      ...['--remount-ro', '/dev'],
      ...(input.network ? [] : ['--unshare-net']),
      ...['--chdir', input.pluginDir],
      ...node,
    ];
  }
  const limited = isolation.hasPrlimit ? ['prlimit', '--core=0', `--data=${dataBytes}`, '--', ...inner] : inner;
  const user = input.user
    ? ['--reuid', String(input.user.uid), '--regid', String(input.user.gid), '--clear-groups']
    : [];
  const guarded = isolation.hasSetpriv ? ['setpriv', ...user, '--pdeathsig', 'KILL', '--', ...limited] : limited;
  const full = isolation.hasChrt ? ['chrt', '--batch', '0', ...guarded] : guarded;
  const [command, ...args] = full as [string, ...string[]];
  return { command, args };
}
