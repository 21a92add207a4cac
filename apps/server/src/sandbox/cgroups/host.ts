import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { killProcs } from './procs.js';

/**
 * Where this host may make per-worker cgroups: cgroup v1's `memory` and `pids` hierarchies (two folders per worker),
 * or one cgroup v2 folder with both controllers enabled for its children.
 */
export type CgroupHost = { version: 1; memoryParent: string; pidsParent: string } | { version: 2; parent: string };

export interface CgroupDetection {
  host: CgroupHost | null;
  /** Why cgroups are or are not used, for the startup log. */
  why: string;
}

/** Worker cgroups are named `bastion-<host pid>-<random>`: a later host removes those whose host is gone. */
export const CGROUP_PREFIX = 'bastion-';
const NAME = /^bastion-(\d+)-[0-9a-f]+$/;

export function cgroupName(): string {
  return `${CGROUP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
}

interface Mount {
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

/** `\040` and friends in /proc/self/mountinfo paths. */
const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function mounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const f = pre.split(' ');
    const [fstype, , superOpts] = post.split(' ');
    if (f.length < 5 || !fstype) continue;
    out.push({
      root: unescape(f[3] as string),
      point: unescape(f[4] as string),
      fstype,
      superOptions: (superOpts ?? '').split(','),
    });
  }
  return out;
}

/** The host's own cgroup folder for a v1 controller (or v2 when `controller` is null), or null. */
function ownDir(cgroupText: string, all: Mount[], controller: string | null): string | null {
  for (const line of cgroupText.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers, cgPath] = m as unknown as [string, string, string, string];
    const matches =
      controller === null ? id === '0' && controllers === '' : controllers.split(',').includes(controller);
    if (!matches) continue;
    const mount = all.find((mt) =>
      controller === null ? mt.fstype === 'cgroup2' : mt.fstype === 'cgroup' && mt.superOptions.includes(controller),
    );
    if (!mount) return null;
    // In a container the mount's root is the container's own cgroup: the path is relative to it.
    const rel = path.posix.relative(mount.root, cgPath);
    if (rel.startsWith('..')) return null;
    return path.join(mount.point, rel);
  }
  return null;
}

/** Makes and removes a throw-away child to prove the host may create cgroups there and set their limits. */
function probe(parent: string, files: Array<[string, string]>): void {
  const dir = path.join(parent, cgroupName());
  mkdirSync(dir);
  try {
    for (const [file, value] of files) writeFileSync(path.join(dir, file), value);
  } finally {
    rmdirSync(dir);
  }
}

const errText = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the worker cgroups a host that is gone left behind (killing any process still in one). */
function removeStale(parent: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(parent, name);
    killProcs(dir);
    try {
      rmdirSync(dir);
      removed++;
    } catch {
      // still busy: its processes are dying; the next start retries
    }
  }
  return removed;
}

/**
 * Finds out whether each worker can get its own cgroup with hard memory and pids limits: cgroup v1 `memory` and
 * `pids` hierarchies writable here, or cgroup v2 with both controllers available to the host's children. Removes
 * the worker cgroups of hosts that crashed. Sync: it runs once at start.
 */
export function detectCgroups(
  files: { cgroup: string; mountinfo: string } = {
    cgroup: '/proc/self/cgroup',
    mountinfo: '/proc/self/mountinfo',
  },
): CgroupDetection {
  if (process.platform !== 'linux') return { host: null, why: 'cgroups exist only on Linux' };
  let cgroupText: string;
  let all: Mount[];
  try {
    cgroupText = readFileSync(files.cgroup, 'utf8');
    all = mounts(readFileSync(files.mountinfo, 'utf8'));
  } catch (err) {
    return { host: null, why: `cannot read ${files.cgroup} (${errText(err)})` };
  }
  const memoryParent = ownDir(cgroupText, all, 'memory');
  const pidsParent = ownDir(cgroupText, all, 'pids');
  const problems: string[] = [];
  if (memoryParent && pidsParent) {
    try {
      probe(memoryParent, [['memory.limit_in_bytes', String(64 * 1024 * 1024)]]);
      probe(pidsParent, [['pids.max', '64']]);
      const stale = removeStale(memoryParent) + removeStale(pidsParent);
      return {
        host: { version: 1, memoryParent, pidsParent },
        why: `cgroup v1: each worker gets its own cgroup under ${memoryParent} and ${pidsParent}${stale ? ` (removed ${stale} left by a stopped host)` : ''}`,
      };
    } catch (err) {
      problems.push(`cgroup v1: cannot make cgroups under ${memoryParent} and ${pidsParent} (${errText(err)})`);
    }
  }
  const unified = ownDir(cgroupText, all, null);
  if (unified) {
    try {
      const available = readFileSync(path.join(unified, 'cgroup.controllers'), 'utf8').split(/\s+/);
      const missing = ['memory', 'pids'].filter((c) => !available.includes(c));
      if (missing.length) throw new Error(`controller ${missing.join(' and ')} not delegated to ${unified}`);
      const enabled = readFileSync(path.join(unified, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
      const off = ['memory', 'pids'].filter((c) => !enabled.includes(c));
      // Fails (EBUSY) while the host itself sits in that cgroup: a service manager must delegate a subtree.
      if (off.length) writeFileSync(path.join(unified, 'cgroup.subtree_control'), off.map((c) => `+${c}`).join(' '));
      probe(unified, [
        ['memory.max', String(64 * 1024 * 1024)],
        ['pids.max', '64'],
      ]);
      const stale = removeStale(unified);
      return {
        host: { version: 2, parent: unified },
        why: `cgroup v2: each worker gets its own cgroup under ${unified}${stale ? ` (removed ${stale} left by a stopped host)` : ''}`,
      };
    } catch (err) {
      problems.push(
        `cgroup v2 at ${unified}: ${err instanceof Error && !('code' in err) ? err.message : errText(err)}`,
      );
    }
  }
  if (!memoryParent && !unified) problems.push('no cgroup hierarchy of this process was found');
  return { host: null, why: problems.join('; ') };
}
