import type { MemoryEnforcement } from '@bastion/protocol';
import type { CgroupHost } from './cgroups/host.js';
import { WorkerCgroup } from './cgroups/worker-cgroup.js';
import type { SpawnSpec } from './isolation.js';
import { MemoryWatchdog, type LimitCheck, type WatchdogOptions } from './memory-watchdog.js';
import { killSeen, memoryOf, TreeMemory, type SeenProcess } from './proc-memory.js';

export interface GuardLimits {
  memoryMb: number;
  maxProcesses: number;
}

/**
 * Enforces one worker's `memoryMb` and `maxProcesses`: through its own cgroup where the host can make one (the
 * kernel refuses what is over the limits), else through a watchdog that samples its process tree and private tmpfs
 * mounts and kills it. Either way it can kill every process of the worker, and says whether the kernel killed it.
 */
export interface WorkerGuard {
  readonly enforcement: MemoryEnforcement;
  /** The worker's command line, made to start inside its limits. */
  wrap(spec: SpawnSpec): SpawnSpec;
  /** Starts watching the spawned worker. */
  watch(pid: number, hooks: Omit<WatchdogOptions, 'check'>): MemoryWatchdog;
  /** When the worker died without the host killing it: why, if the kernel's OOM killer did it; else null. */
  kernelMemoryKill(): string | null;
  /** SIGKILLs every process of the worker that can be found. */
  killAll(): void;
  /** After the worker's death: kills what is left and removes its cgroup. */
  release(): Promise<void>;
}

const tooMany = (limits: GuardLimits): string =>
  `worker ran more than its maxProcesses limit (${limits.maxProcesses} processes and threads); raise limits.maxProcesses for this plugin or make it start fewer`;

const overMemory = (mb: number, limits: GuardLimits, how: string): string =>
  `worker used ${Math.round(mb)} MB${how}, over its ${limits.memoryMb} MB limit; raise memoryMb for this plugin or reduce its input`;

class CgroupGuard implements WorkerGuard {
  readonly enforcement = 'cgroup';
  #onPeak: (mb: number) => void = () => {};

  constructor(
    private readonly cgroup: WorkerCgroup,
    private readonly limits: GuardLimits,
  ) {}

  wrap(spec: SpawnSpec): SpawnSpec {
    const [command, ...args] = [...this.cgroup.joinArgs(), spec.command, ...spec.args] as [string, ...string[]];
    return { command, args };
  }

  watch(_pid: number, hooks: Omit<WatchdogOptions, 'check'>): MemoryWatchdog {
    this.#onPeak = hooks.onPeak;
    // The kernel enforces; the samples report the peak, and a process of the tree the OOM killer took (the worker
    // may live on without it) or a fork the pids limit refused ends the worker with the right code.
    const check = async (): Promise<LimitCheck> => {
      // The health record's peak stays an RSS figure as under the watchdog (the cgroup's charge leaves out the
      // shared file pages that other cgroups paid for); the kernel's peak charge counts where it is higher.
      const [r, rss] = await Promise.all([this.cgroup.read(), this.cgroup.procs().then(memoryOf)]);
      const breach: LimitCheck['breach'] =
        r.oomKills > 0
          ? { reason: 'memory', message: this.#oomMessage() }
          : r.forksRefused > 0
            ? { reason: 'crash', message: tooMany(this.limits) }
            : null;
      return { peakMb: Math.max(r.peakMb, rss.rssMb, rss.hwmMb), breach };
    };
    return new MemoryWatchdog({ ...hooks, check });
  }

  kernelMemoryKill(): string | null {
    if (!this.cgroup.oomKilled()) return null;
    // The peak it reached since the last sample: the kernel's own record, read once at this death.
    this.#onPeak(this.cgroup.peakMbNow());
    return this.#oomMessage();
  }

  killAll(): void {
    this.cgroup.killAll();
  }

  release(): Promise<void> {
    return this.cgroup.remove();
  }

  #oomMessage(): string {
    return `the kernel's OOM killer stopped the worker at its ${this.limits.memoryMb} MB memory limit (its cgroup: heap, native memory and tmpfs files together); raise memoryMb for this plugin or reduce its input`;
  }
}

class WatchdogGuard implements WorkerGuard {
  readonly enforcement = 'watchdog';
  #seen: SeenProcess[] = [];

  constructor(
    private readonly limits: GuardLimits,
    private readonly namespaced: boolean,
  ) {}

  wrap(spec: SpawnSpec): SpawnSpec {
    return spec;
  }

  watch(pid: number, hooks: Omit<WatchdogOptions, 'check'>): MemoryWatchdog {
    const tree = new TreeMemory(pid, { maxProcesses: this.limits.maxProcesses, namespaced: this.namespaced });
    const check = async (): Promise<LimitCheck> => {
      const r = await tree.sample();
      this.#seen = r.processes;
      const usedMb = r.rssMb + r.tmpfsMb;
      const peakMb = Math.max(usedMb, r.hwmMb);
      if (usedMb > this.limits.memoryMb) {
        const how = r.tmpfsMb >= 1 ? ` (${Math.round(r.tmpfsMb)} MB of it files in its private /tmp or /dev/shm)` : '';
        return { peakMb, breach: { reason: 'memory', message: overMemory(usedMb, this.limits, how) } };
      }
      if (r.truncated || r.tasks > this.limits.maxProcesses) {
        return { peakMb, breach: { reason: 'crash', message: tooMany(this.limits) } };
      }
      return { peakMb, breach: null };
    };
    return new MemoryWatchdog({ ...hooks, check });
  }

  kernelMemoryKill(): string | null {
    return null;
  }

  killAll(): void {
    // The process group takes what was forked since the last sample; this takes what left the group before it.
    killSeen(this.#seen);
  }

  release(): Promise<void> {
    this.killAll();
    return Promise.resolve();
  }
}

/**
 * The guard for one new worker: a cgroup of its own where the host has them (falling back to the watchdog, with a
 * warning, if this one cannot be made), else the watchdog.
 */
export function createWorkerGuard(input: {
  cgroups: CgroupHost | null;
  limits: GuardLimits;
  namespaced: boolean;
  warn: (message: string) => void;
}): WorkerGuard {
  if (input.cgroups) {
    try {
      return new CgroupGuard(new WorkerCgroup(input.cgroups, input.limits), input.limits);
    } catch (err) {
      input.warn(
        `could not make this worker's cgroup (${(err as Error).message}); its memory and process limits fall back to the watchdog`,
      );
    }
  }
  return new WatchdogGuard(input.limits, input.namespaced);
}
