import type { Readable } from 'node:stream';
import { TokenBucket } from './rate-limit.js';

export type LogSink = (line: string) => void;

/** Bytes a second of a worker's stdout and stderr the host reads; past a burst of BURST_BYTES it stops reading. */
const BYTES_PER_SECOND = 1024 * 1024;
const BURST_BYTES = 8 * 1024 * 1024;

/**
 * Relays a worker's output to the host log, line by line with the plugin's prefix, at most `maxLines` per
 * window so a chatty or looping plugin cannot flood the log. Reading itself is bounded too: past BYTES_PER_SECOND
 * the pipes are paused, so a worker writing without end blocks on its own writes instead of costing the host a
 * line split per chunk. Keeps the tail of stderr to explain crashes.
 */
export class LogRelay {
  #count = 0;
  #suppressed = 0;
  #windowStart = Date.now();
  #tail = '';
  #closed = false;
  readonly #bytes = new TokenBucket(BURST_BYTES, BYTES_PER_SECOND, performance.now());

  constructor(
    private readonly prefix: string,
    private readonly sink: LogSink,
    private readonly maxLines = 200,
    private readonly windowMs = 10_000,
  ) {}

  attach(stream: Readable | null, keepTail: boolean): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (this.#closed) return;
      this.#throttle(stream, chunk.length);
      if (keepTail) this.#tail = (this.#tail + chunk).slice(-8192);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > 4096) {
        lines.push(partial);
        partial = '';
      }
      for (const line of lines) this.line(line);
    });
    stream.on('end', () => {
      if (partial) this.line(partial);
    });
  }

  #throttle(stream: Readable, bytes: number): void {
    const now = performance.now();
    this.#bytes.spend(now, bytes);
    const wait = this.#bytes.waitMs(now, 0);
    if (wait > 0) {
      stream.pause();
      setTimeout(() => {
        if (!this.#closed) stream.resume();
      }, wait).unref();
    }
  }

  line(text: string): void {
    if (this.#closed) return;
    const now = Date.now();
    if (now - this.#windowStart > this.windowMs) {
      if (this.#suppressed) this.sink(`${this.prefix} (${this.#suppressed} lines suppressed)`);
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
    }
    if (this.#count++ >= this.maxLines) {
      this.#suppressed++;
      return;
    }
    this.sink(`${this.prefix} ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
  }

  /** The worker is gone: nothing more is relayed, and its pipes are let go (a process it left may hold them). */
  close(streams: ReadonlyArray<Readable | null>): void {
    this.#closed = true;
    for (const s of streams) s?.destroy();
  }

  /** The last few KB of stderr. */
  get tail(): string {
    return this.#tail;
  }
}
