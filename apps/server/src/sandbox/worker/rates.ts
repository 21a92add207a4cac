import { RUNTIME_RATES } from '@bastion/protocol/worker-limits';
import { TokenBucket } from '../rate-limit.js';

const { log: LOG_LINES, progress: PROGRESS, partial: PARTIALS } = RUNTIME_RATES;

/**
 * The worker's own limits on what a plugin makes it send: the host drops frames over its soft rates and ends a
 * worker past its hard ones, so an honest worker stays below both however its plugin behaves. Log lines over the
 * rate are counted and reported in one line when the rate allows again.
 */
export class WorkerRates {
  readonly #log = new TokenBucket(LOG_LINES, LOG_LINES, performance.now());
  readonly #progress = new TokenBucket(PROGRESS, PROGRESS, performance.now());
  readonly #partials = new TokenBucket(PARTIALS, PARTIALS, performance.now());
  #suppressed = 0;

  /** The line to send (with a note of lines dropped before it), or null to drop it. */
  logLine(line: string): string | null {
    if (!this.#log.take(performance.now())) {
      this.#suppressed++;
      return null;
    }
    if (this.#suppressed === 0) return line;
    const note = `(${this.#suppressed} plugin log lines dropped: over ${LOG_LINES} a second) `;
    this.#suppressed = 0;
    return note + line;
  }

  progress(): boolean {
    return this.#progress.take(performance.now());
  }

  partial(): boolean {
    return this.#partials.take(performance.now());
  }
}
