// Open-loop load: requests fired on a fixed schedule (not waiting for answers), and outcome counting.
import { sleep } from './stats.mjs';

/**
 * Calls `fire(i)` `rate` times a second for `seconds`, on schedule even when answers are slow, and resolves when
 * every returned promise has settled.
 */
export async function paced(rate, seconds, fire) {
  const pending = [];
  const t0 = Date.now();
  for (let i = 0; i < seconds * rate; i++) {
    const wait = t0 + (i * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(fire(i));
  }
  await Promise.allSettled(pending);
  return (Date.now() - t0) / 1000;
}

/** Counts answers by "STATUS CODE" (`200 ok`, `503 PLUGIN_FAILED`, `network error ECONNRESET`). */
export class Outcomes {
  counts = {};
  add(key) {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
  /** Fetches and records the outcome; resolves to the parsed body (null on a network error). */
  async record(promise) {
    try {
      const res = await promise;
      const body = await res.json();
      this.add(`${res.status} ${body.ok === false ? body.error.code : 'ok'}`);
      return body;
    } catch (err) {
      this.add(`network error ${err.cause?.code ?? err.code ?? err.message}`);
      return null;
    }
  }
  get total() {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
  count(prefix) {
    return Object.entries(this.counts)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((a, [, n]) => a + n, 0);
  }
  toString() {
    return Object.entries(this.counts)
      .sort()
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  }
}
