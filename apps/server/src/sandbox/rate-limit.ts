/**
 * A token bucket: `capacity` events at once, refilled at `perSecond`. `take(n)` spends n tokens when there are
 * enough and says whether there were. Time comes from the caller (performance.now()), so tests drive it directly.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = capacity;
    this.#at = now;
  }

  take(now: number, n = 1): boolean {
    this.#refill(now);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Milliseconds until n tokens are there again (0 if they are now). */
  waitMs(now: number, n = 1): number {
    this.#refill(now);
    return this.#tokens >= n ? 0 : ((n - this.#tokens) / this.perSecond) * 1000;
  }

  /** Spends n tokens even past zero (bytes already read must be accounted for); waitMs then says how long to pause. */
  spend(now: number, n: number): void {
    this.#refill(now);
    this.#tokens -= n;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
  }
}
