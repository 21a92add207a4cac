import type { KillReason } from './death.js';

const BUSY_SAMPLE_MS = 25;
const IDLE_SAMPLE_MS = 500;
/** A sample may take at most this share of the time between samples: a large tree is sampled less often. */
const MAX_DUTY = 0.25;

/** What one sample found: the peak to report, and a limit the worker broke (then it is killed). */
export interface LimitCheck {
  peakMb: number;
  breach: { reason: Extract<KillReason, 'memory' | 'crash'>; message: string } | null;
}

export interface WatchdogOptions {
  /** Takes one sample (of the process tree, or of the worker's cgroup). Never rejects. */
  check: () => Promise<LimitCheck>;
  /** Whether a call or a load is in flight: then the worker is sampled every 25 ms, else every 500 ms. */
  busy: () => boolean;
  onPeak: (mb: number) => void;
  onBreach: (reason: Extract<KillReason, 'memory' | 'crash'>, message: string) => void;
}

/**
 * Samples a worker on a timer and reports a breach of its limits. A native leak can grow faster than 1 GB/s, so a
 * busy worker is sampled every 25 ms (without cgroups this is what stops it before its peak passes 1.5x). Samples
 * are asynchronous, on the timer only (never on a worker's message) and one at a time, and never more than a quarter
 * of the time: the host's event loop does not wait on them, however large the tree.
 */
export class MemoryWatchdog {
  #timer: NodeJS.Timeout | null = null;
  #dueAt = 0;
  #inFlight = false;
  #lastStart = 0;
  #lastCostMs = 0;
  #peakMb = 0;
  #stopped = false;

  constructor(private readonly opts: WatchdogOptions) {
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
    this.#arm(this.opts.busy() ? BUSY_SAMPLE_MS : IDLE_SAMPLE_MS);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(wantedMs: number): void {
    if (this.#stopped || this.#inFlight) return;
    const delay = Math.max(wantedMs, this.#lastCostMs / MAX_DUTY - (Date.now() - this.#lastStart));
    const dueAt = Date.now() + delay;
    if (this.#timer && this.#dueAt <= dueAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, delay);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    this.#inFlight = true;
    this.#lastStart = Date.now();
    const result = await this.opts.check();
    this.#lastCostMs = Date.now() - this.#lastStart;
    this.#inFlight = false;
    if (this.#stopped) return;
    if (result.peakMb > this.#peakMb) {
      this.#peakMb = result.peakMb;
      this.opts.onPeak(result.peakMb);
    }
    if (result.breach) {
      this.opts.onBreach(result.breach.reason, result.breach.message);
      return;
    }
    this.reschedule();
  }
}
