import { availableParallelism } from 'node:os';

/**
 * How many plugins load (spawn their workers, import, init, validate) at the same time. Loading is CPU work: a
 * hundred plugins loading at once on 2 cores each took seconds of wall time and ran past their own
 * `loadTimeoutMs`, where a few at a time each load in a fraction of a second, and all of them about as soon.
 */
export const LOADS_AT_ONCE = Math.max(4, 2 * availableParallelism());

/** A counting gate: at most `limit` tasks run at once, the others wait in order. */
export class LoadGate {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
