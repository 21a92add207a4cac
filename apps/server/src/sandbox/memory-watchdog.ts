import { TreeMemory } from './proc-memory.js';

const BUSY_SAMPLE_MS = 25;
const IDLE_SAMPLE_MS = 500;

export interface WatchdogOptions {
  pid: number;
  memoryMb: number;
  /** Whether a call or a load is in flight: then the tree is sampled every 25 ms, else every 500 ms. */
  busy: () => boolean;
  onPeak: (mb: number) => void;
  onBreach: (message: string) => void;
}

/**
 * Samples the RSS of a worker's whole process tree and reports a breach of `memoryMb`. A native leak can grow
 * faster than 1 GB/s, so a busy worker is sampled every 25 ms: that stops it before its peak passes 1.5x.
 */
export class MemoryWatchdog {
  readonly #memory: TreeMemory;
  #timer: NodeJS.Timeout | null = null;
  #dueAt = 0;
  #peakMb = 0;
  #stopped = false;

  constructor(private readonly opts: WatchdogOptions) {
    this.#memory = new TreeMemory(opts.pid);
    this.reschedule();
  }

  get peakMb(): number {
    return this.#peakMb;
  }

  /**
   * Makes sure the next sample comes at the rate the worker's current business needs (call it when a call starts or
   * ends). A timer already due soon enough is kept: at thousands of calls a second, re-arming it on every start and
   * end was measurable, and the sampling guarantee (every 25 ms while busy) only needs an early enough timer.
   */
  reschedule(): void {
    if (this.#stopped) return;
    const delay = this.opts.busy() ? BUSY_SAMPLE_MS : IDLE_SAMPLE_MS;
    const dueAt = Date.now() + delay;
    if (this.#timer && this.#dueAt <= dueAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.sample();
      this.reschedule();
    }, delay);
    this.#timer.unref();
  }

  sample(): void {
    if (this.#stopped) return;
    const { rssMb, hwmMb } = this.#memory.sample();
    const peak = Math.max(rssMb, hwmMb);
    if (peak > this.#peakMb) {
      this.#peakMb = peak;
      this.opts.onPeak(peak);
    }
    if (rssMb > this.opts.memoryMb) {
      this.opts.onBreach(
        `worker used ${Math.round(rssMb)} MB, over its ${this.opts.memoryMb} MB limit; raise memoryMb for this plugin or reduce its input`,
      );
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
