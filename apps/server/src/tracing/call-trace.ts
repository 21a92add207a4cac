import { context, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, argsBytes } from './attributes.js';
import type { PresetIdGenerator } from './preset-ids.js';

/** Epoch ms with fractions, the clock the worker reports its timings in. */
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * The spans of one tool call, under the active span (an HTTP request, an MCP message, a job, a stream frame):
 *
 *     bastion.call <plugin>/<tool>      the whole call: plugin, tool, mode, outcome, argument and result sizes
 *     ├─ bastion.queue                  waiting for a free worker (pool queue or a busy worker's socket)
 *     ├─ bastion.worker <plugin>/<tool> the handler's run as the worker timed it (built afterwards; its id is the
 *     │                                 parent id of the traceparent the call carries, ctx.traceparent)
 *     └─ bastion.result_check           parsing the result and checking it against the tool's outputSchema
 */
export class CallTrace {
  /** Sent with the call to the worker: this call's trace, with the worker span as parent. */
  readonly traceparent: string;
  readonly #span: Span;
  readonly #ctx: Context;
  readonly #workerSpanId: string;
  #queue: Span | null = null;
  #check: Span | null = null;
  #startedAt = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly ids: PresetIdGenerator,
    private readonly plugin: string,
    private readonly tool: string,
    mode: 'direct' | 'job',
  ) {
    this.#span = tracer.startSpan(`bastion.call ${plugin}/${tool}`, {
      attributes: { [ATTR.plugin]: plugin, [ATTR.tool]: tool, [ATTR.mode]: mode },
    });
    this.#ctx = trace.setSpan(context.active(), this.#span);
    const { traceId, traceFlags } = this.#span.spanContext();
    this.#workerSpanId = ids.newSpanId();
    this.traceparent = `00-${traceId}-${this.#workerSpanId}-0${traceFlags & 1}`;
  }

  /** The validated arguments are about to go to the pool. */
  queued(args: Record<string, unknown>): void {
    if (!this.#span.isRecording()) return;
    this.#span.setAttribute(ATTR.argsBytes, argsBytes(args));
    this.#queue = this.tracer.startSpan('bastion.queue', {}, this.#ctx);
  }

  /** A worker took the call. */
  started(): void {
    this.#startedAt = epochNow();
    this.#queue?.end();
    this.#queue = null;
  }

  /** The worker's own timing of the call (epoch ms), reported with its answer. */
  worker(startedAt: number, finishedAt: number): void {
    if (!this.#span.isRecording()) return;
    // Clocks of one machine, but clamp anyway: the worker span stays inside the host's view of the call.
    const now = epochNow();
    const start = Math.min(Math.max(startedAt, this.#startedAt || startedAt), now);
    const end = Math.min(Math.max(finishedAt, start), now);
    const span = this.ids.withSpanId(this.#workerSpanId, () =>
      this.tracer.startSpan(
        `bastion.worker ${this.plugin}/${this.tool}`,
        { startTime: start, attributes: { [ATTR.plugin]: this.plugin, [ATTR.tool]: this.tool } },
        this.#ctx,
      ),
    );
    span.end(end);
  }

  /** The answer arrived: parsing and outputSchema check start. */
  checking(): void {
    if (this.#span.isRecording()) this.#check = this.tracer.startSpan('bastion.result_check', {}, this.#ctx);
  }

  /** The call is over: `ok` or its error code. */
  end(outcome: string, resultBytes?: number): void {
    this.#queue?.end();
    this.#check?.end();
    this.#span.setAttribute(ATTR.outcome, outcome);
    if (resultBytes !== undefined) this.#span.setAttribute(ATTR.resultBytes, resultBytes);
    if (outcome !== 'ok') this.#span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    this.#span.end();
  }
}
