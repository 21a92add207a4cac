import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink, statfs } from 'node:fs/promises';

/** A process of a worker's tree as last seen: its start time tells it from a later process given the same pid. */
export interface SeenProcess {
  pid: number;
  start: string;
}

export interface TreeReading {
  /** Sum of VmRSS over the tree (shared pages counted in each process, so it errs high). */
  rssMb: number;
  /** The worker's own VmHWM (its peak between samples). */
  hwmMb: number;
  /** Bytes in the worker's private tmpfs mounts (/tmp, /dev/shm): RAM that is in no process's RSS. */
  tmpfsMb: number;
  /** Processes and threads of the tree (what a pids cgroup would count). */
  tasks: number;
  /** True when the walk stopped at its cap: the tree has more processes than that. */
  truncated: boolean;
  processes: SeenProcess[];
}

const MB = 1024 * 1024;

async function text(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'latin1');
  } catch {
    return null;
  }
}

const field = (status: string, key: string): number => {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
};

/** Field 22 of /proc/PID/stat (after the parenthesised name, which may itself hold spaces and parentheses). */
function startTime(stat: string): string {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? '';
}

const mountNs = (pid: number | 'self'): Promise<string | null> => readlink(`/proc/${pid}/ns/mnt`).catch(() => null);

const TMPFS_MAGIC = 0x01021994;

/**
 * What a tmpfs holds. Anything else counts 0: a sandbox still being set up shows the host's own /tmp through
 * /proc/PID/root, which is not the worker's.
 */
async function tmpfsBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.type === TMPFS_MAGIC ? (s.blocks - s.bfree) * s.bsize : 0;
  } catch {
    return 0;
  }
}

/**
 * Walks a worker's whole process tree through /proc, asynchronously (the host's event loop never waits on /proc):
 * the children of every thread (`/proc/PID/task/TID/children` — a child spawned from a worker_thread is a child of
 * that thread, not of the process), up to `maxProcesses` processes, with the RSS of each, plus what the worker's
 * private tmpfs mounts hold.
 */
export class TreeMemory {
  /** Start times of processes already seen, so each new process costs one extra read once. */
  #starts = new Map<number, string>();

  constructor(
    private readonly rootPid: number,
    private readonly opts: { maxProcesses: number; namespaced: boolean },
  ) {}

  async sample(): Promise<TreeReading> {
    const processes: SeenProcess[] = [];
    const starts = new Map<number, string>();
    let level = [this.rootPid];
    let rssKb = 0;
    let hwmKb = 0;
    let tasks = 0;
    let truncated = false;
    while (level.length > 0) {
      const room = this.opts.maxProcesses + 1 - processes.length;
      if (level.length > room) {
        level = level.slice(0, room);
        truncated = true;
      }
      const seen = await Promise.all(level.map((pid) => this.#process(pid)));
      const next: number[] = [];
      for (const p of seen) {
        if (!p) continue;
        processes.push({ pid: p.pid, start: p.start });
        starts.set(p.pid, p.start);
        rssKb += p.rssKb;
        tasks += p.threads;
        if (p.pid === this.rootPid) hwmKb = p.hwmKb;
        next.push(...p.children);
      }
      if (truncated) break;
      level = next;
    }
    this.#starts = starts;
    // Inside bubblewrap the private /tmp and /dev/shm are seen through a process in the sandbox's mount namespace.
    // A process still in the host's mount namespace (the sandbox being set up) would show the host's own mounts.
    const inside = this.opts.namespaced ? processes[1]?.pid : undefined;
    const own = inside !== undefined && (await mountNs(inside)) !== (await mountNs('self'));
    const tmpfs = own
      ? (await tmpfsBytes(`/proc/${inside}/root/tmp`)) + (await tmpfsBytes(`/proc/${inside}/root/dev/shm`))
      : 0;
    return { rssMb: rssKb / 1024, hwmMb: hwmKb / 1024, tmpfsMb: tmpfs / MB, tasks, truncated, processes };
  }

  async #process(
    pid: number,
  ): Promise<{ pid: number; start: string; rssKb: number; hwmKb: number; threads: number; children: number[] } | null> {
    const status = await text(`/proc/${pid}/status`);
    if (status === null) return null;
    const threads = Math.max(1, field(status, 'Threads'));
    const tids =
      threads === 1
        ? [pid]
        : await readdir(`/proc/${pid}/task`).then(
            (t) => t.map(Number),
            () => [pid],
          );
    const lists = await Promise.all(tids.map((tid) => text(`/proc/${pid}/task/${tid}/children`)));
    const children = lists.flatMap((l) => (l ? l.split(' ').filter(Boolean).map(Number) : []));
    let start = this.#starts.get(pid);
    if (start === undefined) {
      const stat = await text(`/proc/${pid}/stat`);
      if (stat === null) return null;
      start = startTime(stat);
    }
    return { pid, start, rssKb: field(status, 'VmRSS'), hwmKb: field(status, 'VmHWM'), threads, children };
  }
}

/** The summed VmRSS and the highest VmHWM of some processes, in MB (those gone count 0). */
export async function memoryOf(pids: number[]): Promise<{ rssMb: number; hwmMb: number }> {
  const statuses = await Promise.all(pids.map((pid) => text(`/proc/${pid}/status`)));
  let rssKb = 0;
  let hwmKb = 0;
  for (const status of statuses) {
    if (status === null) continue;
    rssKb += field(status, 'VmRSS');
    hwmKb = Math.max(hwmKb, field(status, 'VmHWM'));
  }
  return { rssMb: rssKb / 1024, hwmMb: hwmKb / 1024 };
}

/**
 * SIGKILLs the processes of a tree as last seen, skipping any pid now held by a different process (same pid, other
 * start time). Sync and bounded by the walk's cap: it runs once, when the worker dies.
 */
export function killSeen(processes: SeenProcess[]): void {
  for (const p of processes) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${p.pid}/stat`, 'latin1');
    } catch {
      continue;
    }
    if (startTime(stat) !== p.start) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
