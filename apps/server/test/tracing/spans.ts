import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Fixture plugins of the tracing tests. */
export const TRACING_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A span as the tests compare it: ids in hex, times in epoch ms. */
export interface SpanView {
  name: string;
  traceId: string;
  spanId: string;
  parentId: string | null;
  kind: number;
  start: number;
  end: number;
  status: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

const ms = ([s, ns]: [number, number]): number => s * 1000 + ns / 1e6;

export function viewOf(span: ReadableSpan): SpanView {
  return {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentId: span.parentSpanContext?.spanId ?? null,
    kind: span.kind,
    start: ms(span.startTime),
    end: ms(span.endTime),
    status: span.status.code,
    attributes: { ...span.attributes },
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}

/** The one span named `name` (fails the test if there is not exactly one). */
export function one(spans: SpanView[], name: string): SpanView {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1)
    throw new Error(`${found.length} spans named '${name}': ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as SpanView;
}

/** Whether `ancestor` is `span` or one of its ancestors among `spans`. */
export function descendsFrom(spans: SpanView[], span: SpanView, ancestor: SpanView): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let s: SpanView | undefined = span; s; s = s.parentId ? byId.get(s.parentId) : undefined)
    if (s.spanId === ancestor.spanId) return true;
  return false;
}
