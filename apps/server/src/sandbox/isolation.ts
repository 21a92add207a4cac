import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { findOnPath } from '../plugins/checks/binaries.js';

export type IsolationMode = 'namespace' | 'process';

export interface IsolationInfo {
  mode: IsolationMode;
  /** Set when a weaker mode than asked for is in force; the startup log prints it. */
  warning: string | null;
  hasSetpriv: boolean;
  hasPrlimit: boolean;
}

/** The namespace part of every worker's bubblewrap command line (and of the start-up probe). */
const BWRAP_BASE = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent'];
const BWRAP_PROBE = [...BWRAP_BASE, '--unshare-net', 'true'];

/** Finds out how strongly workers can be isolated here: bubblewrap namespaces, or plain processes. */
export function detectIsolation(preference: 'auto' | 'namespace' | 'process'): IsolationInfo {
  const hasSetpriv = findOnPath('setpriv') !== null;
  const hasPrlimit = findOnPath('prlimit') !== null;
  const base = { hasSetpriv, hasPrlimit };
  if (preference === 'process') return { mode: 'process', warning: null, ...base };
  const bwrap = findOnPath('bwrap');
  const works = bwrap !== null && spawnSync(bwrap, BWRAP_PROBE, { timeout: 5000, stdio: 'ignore' }).status === 0;
  if (works) return { mode: 'namespace', warning: null, ...base };
  const why = bwrap
    ? 'bubblewrap cannot create namespaces here (user namespaces disabled?)'
    : "bubblewrap ('bwrap') is not installed (apt-get install bubblewrap)";
  return {
    mode: 'process',
    warning: `plugin workers run as plain processes without PID/network/filesystem namespaces: ${why}`,
    ...base,
  };
}

export interface SpawnSpecInput {
  isolation: IsolationInfo;
  workerEntry: string;
  pluginDir: string;
  /** Folders the worker must not see: the data dir and other plugins' folders. */
  hiddenDirs: string[];
  network: boolean;
  memoryMb: number;
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
 * `setpriv --pdeathsig KILL` (dies with the host, even on SIGKILL) → `prlimit --core=0 --data=…` (no core dumps;
 * native allocations far past the limit fail instead of taking the machine) → `bwrap` (own PID and network
 * namespaces, read-only root, private /tmp, data dir and other plugins hidden) → `node` with the V8 heap capped.
 */
export function buildSpawnSpec(input: SpawnSpecInput): SpawnSpec {
  const { isolation, memoryMb } = input;
  // RLIMIT_DATA is only a backstop: the RSS watchdog enforces memoryMb precisely, so leave room for it to act.
  const dataBytes = Math.max(memoryMb * 2, memoryMb + 512) * 1024 * 1024;
  const node = [process.execPath, `--max-old-space-size=${memoryMb}`, input.workerEntry];
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
    const hide = input.hiddenDirs
      .filter((d) => !isInside(input.pluginDir, d) && !isInside(input.workerEntry, d))
      .flatMap((d) => ['--tmpfs', d]);
    inner = [
      'bwrap',
      ...BWRAP_BASE,
      ...['--tmpfs', tmp],
      ...reexpose.flatMap((d) => ['--ro-bind', d, d]),
      ...hide,
      ...(input.network ? [] : ['--unshare-net']),
      ...['--chdir', input.pluginDir],
      ...node,
    ];
  }
  const limited = isolation.hasPrlimit ? ['prlimit', '--core=0', `--data=${dataBytes}`, '--', ...inner] : inner;
  const full = isolation.hasSetpriv ? ['setpriv', '--pdeathsig', 'KILL', '--', ...limited] : limited;
  const [command, ...args] = full as [string, ...string[]];
  return { command, args };
}
