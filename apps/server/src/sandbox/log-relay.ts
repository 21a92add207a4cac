import type { Readable } from 'node:stream';

export type LogSink = (line: string) => void;

/**
 * Relays a worker's output to the host log, line by line with the plugin's prefix, at most `maxLines` per
 * window so a chatty or looping plugin cannot flood the log. Keeps the tail of stderr to explain crashes.
 */
export class LogRelay {
  #count = 0;
  #suppressed = 0;
  #windowStart = Date.now();
  #tail = '';

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

  line(text: string): void {
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

  /** The last few KB of stderr. */
  get tail(): string {
    return this.#tail;
  }
}
