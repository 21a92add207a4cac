import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { envDetector, detectResources, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { toCoded } from '../errors/coded.js';
import { ATTR } from './attributes.js';
import { CallTrace } from './call-trace.js';
import { exportersFromEnv } from './exporters.js';
import { PresetIdGenerator } from './preset-ids.js';

/**
 * Context propagation is process-wide in OpenTelemetry's API (@fastify/otel uses the global context and
 * propagator): installed when a server starts with tracing; the API keeps the first registration and refuses the
 * later ones. A process that never traces never installs them, so tracing off costs nothing.
 */
function installGlobalPropagation(): void {
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager)) manager.enable();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Whether tracing is on: `--otel` / BASTION_OTEL, or an OTEL_TRACES_EXPORTER other than none; OTEL_SDK_DISABLED wins. */
export function tracingRequested(otelFlag: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  return otelFlag || (exporter !== undefined && exporter !== '' && exporter !== 'none');
}

export interface TracingOptions {
  /** Export to these instead of what OTEL_TRACES_EXPORTER names, each span as it ends (tests). */
  exporters?: SpanExporter[];
  warn?: (message: string) => void;
}

/** OpenTelemetry tracing of one server: its tracer provider, the HTTP plugin, and the spans Bastion makes itself. */
export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #ids = new PresetIdGenerator();
  readonly #tracer: Tracer;

  constructor(env: NodeJS.ProcessEnv, options: TracingOptions = {}) {
    installGlobalPropagation();
    const warn = options.warn ?? (() => {});
    const processors = options.exporters
      ? options.exporters.map((e) => new SimpleSpanProcessor(e))
      : exportersFromEnv(env, warn).map((e) => new BatchSpanProcessor(e));
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default name.
    const resource = resourceFromAttributes({ 'service.name': 'bastion' }).merge(
      detectResources({ detectors: [envDetector] }),
    );
    // The sampler comes from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default: parent-based, always on).
    this.#provider = new BasicTracerProvider({ resource, idGenerator: this.#ids, spanProcessors: processors });
    this.#tracer = this.#provider.getTracer('bastion');
  }

  /** A span per HTTP request (@fastify/otel), child of an incoming W3C `traceparent`, named by method and route. */
  httpPlugin(): FastifyPluginCallback {
    const instrumentation = new FastifyOtelInstrumentation({
      // One span per request and one for its handler; a span per fastify hook would bury the call's own spans.
      instrumentHooks: false,
      requestHook: (span, request) => {
        const req = request as FastifyRequest;
        span.updateName(`${req.method} ${req.routeOptions.url ?? 'unknown route'}`);
      },
    });
    instrumentation.setTracerProvider(this.#provider);
    return instrumentation.plugin() as unknown as FastifyPluginCallback;
  }

  /** Starts the spans of one tool call under the active span. */
  startCall(plugin: string, tool: string, mode: 'direct' | 'job'): CallTrace {
    return new CallTrace(this.#tracer, this.#ids, plugin, tool, mode);
  }

  /** The W3C `traceparent` of the active span (a job keeps it to link its run), or null outside any trace. */
  currentTraceparent(): string | null {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier.traceparent ?? null;
  }

  /**
   * Runs `fn` in a span of its own whose parent is `traceparent`, the context the work was created in: a job's
   * submission (possibly on another node, before a restart), which a job's span also links, as OpenTelemetry's
   * messaging conventions do for the consumer of a queued message; or a stream connection's opening request.
   * The span records the outcome: ok or the error code.
   */
  async inSpan<T>(
    name: string,
    traceparent: string | null,
    attributes: Attributes,
    fn: () => Promise<T>,
    options: { kind: SpanKind; link: boolean } = { kind: SpanKind.CONSUMER, link: true },
  ): Promise<T> {
    const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
    const link = options.link ? trace.getSpanContext(parent) : undefined;
    const span = this.#tracer.startSpan(
      name,
      { kind: options.kind, attributes, links: link ? [{ context: link }] : [] },
      parent,
    );
    try {
      const result = await context.with(trace.setSpan(parent, span), fn);
      span.setAttribute(ATTR.outcome, 'ok');
      return result;
    } catch (err) {
      const outcome = toCoded(err).code;
      span.setAttribute(ATTR.outcome, outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      throw err;
    } finally {
      span.end();
    }
  }

  /** Sends what is buffered and stops exporting (server stop). */
  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}
