// Small statistics, formatting and /proc helpers shared by the benchmarks.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** The p-th percentile (nearest rank) of xs; NaN for an empty list. */
export function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
}
export const median = (xs) => pct(xs, 50);
export const ms = (x) => `${x.toFixed(3)} ms`;
export const r1 = (x) => Math.round(x * 10) / 10;
export const ratio = (x) => `${x.toFixed(2)}×`;
export const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Reads VmRSS / VmHWM of a process from /proc, in MB (null when the process is gone). */
export function procMemoryMb(pid = 'self') {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN);
    return { rss: r1(kb('VmRSS') / 1024), hwm: r1(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

/** Direct children of a process (from /proc/PID/task/N/children). */
export function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The process tree below pid (children, grandchildren, ...), pid excluded. */
export function descendants(pid) {
  const out = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of childPids(todo.pop())) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** A header line saying where and how the numbers were taken. */
export function machineLine() {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load}, ${new Date().toISOString()}`;
}

/** CPU time (user + system) a process has used so far, in ms; 0 when it is gone. Clock ticks are 10 ms. */
export function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time of a process and everything below it, in ms. */
export const treeCpuMs = (pid) => [pid, ...descendants(pid)].reduce((a, p) => a + procCpuMs(p), 0);

/** The plugin worker processes below a host: the `node` processes, not their setpriv/prlimit/bwrap wrappers. */
export function nodeWorkers(hostPid) {
  return descendants(hostPid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node';
    } catch {
      return false;
    }
  });
}
