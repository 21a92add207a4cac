import { readFileSync, rmdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cgroupName, type CgroupHost } from './host.js';
import { killProcs } from './procs.js';

const MB = 1024 * 1024;
const REMOVE_RETRY_MS = 50;
const REMOVE_TRIES = 100;

/** A reading of a worker's cgroup: its peak charge and how often the kernel stepped in. */
export interface CgroupReading {
  peakMb: number;
  /** Processes the kernel's OOM killer killed in this cgroup. */
  oomKills: number;
  /** Forks the pids limit refused. */
  forksRefused: number;
}

const counter = (text: string, key: string): number => {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

/**
 * One worker's own cgroup(s): `memoryMb` as the hard memory limit (anonymous memory, tmpfs and page cache together;
 * no swap) and `maxProcesses` as the pids limit. The worker joins it before it execs anything (see {@link joinArgs}),
 * so everything the plugin starts is inside; it cannot leave.
 */
export class WorkerCgroup {
  readonly #dirs: { memory: string; pids: string };
  readonly #version: 1 | 2;

  constructor(host: CgroupHost, limits: { memoryMb: number; maxProcesses: number }) {
    const name = cgroupName();
    this.#version = host.version;
    this.#dirs =
      host.version === 1
        ? { memory: path.join(host.memoryParent, name), pids: path.join(host.pidsParent, name) }
        : { memory: path.join(host.parent, name), pids: path.join(host.parent, name) };
    const bytes = String(limits.memoryMb * MB);
    try {
      for (const dir of new Set(Object.values(this.#dirs))) mkdirSync(dir);
      if (host.version === 1) {
        writeFileSync(path.join(this.#dirs.memory, 'memory.limit_in_bytes'), bytes);
        // Where swap is accounted, the limit covers memory + swap: swapping out is no way around it.
        this.#tryWrite(path.join(this.#dirs.memory, 'memory.memsw.limit_in_bytes'), bytes);
      } else {
        writeFileSync(path.join(this.#dirs.memory, 'memory.max'), bytes);
        this.#tryWrite(path.join(this.#dirs.memory, 'memory.swap.max'), '0');
      }
      writeFileSync(path.join(this.#dirs.pids, 'pids.max'), String(limits.maxProcesses));
    } catch (err) {
      this.#removeNow();
      throw err;
    }
  }

  /** The folders this worker's cgroup occupies (one for v2, two for v1). */
  get dirs(): string[] {
    return [...new Set(Object.values(this.#dirs))];
  }

  /**
   * Command-line prefix that moves the process into the cgroup and then execs the rest: nothing the plugin runs
   * exists before it is inside (the host writing a pid after spawn() would race with the worker's own forks).
   */
  joinArgs(): string[] {
    const procs = this.dirs.map((d) => path.join(d, 'cgroup.procs'));
    return [
      '/bin/sh',
      '-c',
      'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"',
      'bastion-join-cgroup',
      String(procs.length),
      ...procs,
    ];
  }

  /** The processes in the worker's cgroup (async; at most its pids limit). */
  async procs(): Promise<number[]> {
    const text = await readFile(path.join(this.#dirs.memory, 'cgroup.procs'), 'latin1').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  }

  /** Reads the kernel's counters (async: it runs on the watchdog's timer). */
  async read(): Promise<CgroupReading> {
    const mem = this.#dirs.memory;
    const [events, peak, pidsEvents] = await Promise.all([
      readFile(path.join(mem, this.#version === 1 ? 'memory.oom_control' : 'memory.events'), 'latin1').catch(() => ''),
      readFile(path.join(mem, this.#version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak'), 'latin1')
        .catch(() => readFile(path.join(mem, 'memory.current'), 'latin1'))
        .catch(() => '0'),
      readFile(path.join(this.#dirs.pids, 'pids.events'), 'latin1').catch(() => ''),
    ]);
    return {
      peakMb: Number(peak.trim()) / MB || 0,
      oomKills: counter(events, 'oom_kill'),
      forksRefused: counter(pidsEvents, 'max'),
    };
  }

  /** Whether the kernel's OOM killer acted in this cgroup (read once, when the worker dies). */
  oomKilled(): boolean {
    try {
      const file = this.#version === 1 ? 'memory.oom_control' : 'memory.events';
      return counter(readFileSync(path.join(this.#dirs.memory, file), 'latin1'), 'oom_kill') > 0;
    } catch {
      return false;
    }
  }

  /** The cgroup's peak charge in MB (read once, when the worker dies of an OOM kill). */
  peakMbNow(): number {
    try {
      const file = this.#version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak';
      return Number(readFileSync(path.join(this.#dirs.memory, file), 'latin1').trim()) / MB || 0;
    } catch {
      return 0;
    }
  }

  /** SIGKILLs every process of the worker, wherever in its tree or session it is. */
  killAll(): void {
    for (const dir of this.dirs) killProcs(dir);
  }

  /**
   * Kills what is left and removes the folders. A cgroup can only be removed once its last process has exited,
   * which follows a SIGKILL within milliseconds: retried on a timer; `done` resolves when they are gone.
   */
  remove(): Promise<void> {
    this.killAll();
    return new Promise((resolve) => {
      let tries = 0;
      const attempt = (): void => {
        if (this.#removeNow() || ++tries >= REMOVE_TRIES) {
          resolve();
          return;
        }
        this.killAll();
        setTimeout(attempt, REMOVE_RETRY_MS).unref();
      };
      attempt();
    });
  }

  #removeNow(): boolean {
    let all = true;
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
      }
    }
    return all;
  }

  #tryWrite(file: string, value: string): void {
    try {
      writeFileSync(file, value);
    } catch {
      // not accounted here (no swap accounting): nothing to limit
    }
  }
}
