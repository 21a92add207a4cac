import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Random ids, except that the next span id can be fixed in advance. The worker's span is built after the call from
 * the timings the worker sends back, but its id must be known before: it is the parent id in the `traceparent` the
 * call carries (ctx.traceparent), so a plugin's own outgoing spans hang under it. The tracer asks for the span id
 * synchronously inside startSpan(), so a preset cannot be taken by another span.
 */
export class PresetIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #next: string | null = null;

  generateTraceId(): string {
    return this.#random.generateTraceId();
  }

  generateSpanId(): string {
    const preset = this.#next;
    this.#next = null;
    return preset ?? this.#random.generateSpanId();
  }

  /** A fresh random span id, for a span to be started later with {@link withSpanId}. */
  newSpanId(): string {
    return this.#random.generateSpanId();
  }

  /** Runs `start` (which starts exactly one span) so that span gets `spanId`. */
  withSpanId<T>(spanId: string, start: () => T): T {
    this.#next = spanId;
    try {
      return start();
    } finally {
      this.#next = null;
    }
  }
}
