import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNodeProcess } from '../cluster/nodes.js';
import { TestRedis } from '../cluster/redis-server.js';
import { serveArgs, startCli, type CliRun } from '../helpers/cli.js';
import { until } from '../helpers/ws.js';
import { OtlpReceiver, type OtlpSpan } from './otlp-receiver.js';
import { TRACING_FIXTURES } from './spans.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** Export every 50 ms instead of every 5 s, so the test does not wait. */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '50' };

const named = (spans: OtlpSpan[], name: string): OtlpSpan[] => spans.filter((s) => s.name === name);
function only(spans: OtlpSpan[], name: string): OtlpSpan {
  const found = named(spans, name);
  if (found.length !== 1)
    throw new Error(`${found.length} spans named '${name}': ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as OtlpSpan;
}

describe('OTLP/HTTP export (bastion serve --otel)', () => {
  let receiver: OtlpReceiver;
  let run: CliRun;
  let dir: string;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-otlp-'));
    cpSync(path.join(TRACING_FIXTURES, 'traced'), path.join(dir, 'plugins', 'traced'), { recursive: true });
    run = startCli(serveArgs(path.join(dir, 'plugins'), path.join(dir, 'data'), '--otel'), {
      ...FAST_EXPORT,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'bastion-under-test',
    });
    const url = await run.url;
    await until(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000, 'ready');
  });
  afterAll(async () => {
    run?.child.kill('SIGTERM');
    await run?.exited;
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends spans that parse as OTLP JSON, with parent ids lined up from the caller through the worker', async () => {
    const url = await run.url;
    const res = await fetch(new URL('/v1/plugins/traced/tools/context/run', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ args: {} }),
    });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { traceparent: string } };
    await until(
      async () => (named(receiver.spans, 'POST /v1/plugins/:name/tools/:tool/run').length ? true : undefined),
      10_000,
      'the HTTP span exported',
    );
    expect(receiver.errors).toEqual([]);
    const spans = receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const http = only(spans, 'POST /v1/plugins/:name/tools/:tool/run');
    expect(http.parentSpanId).toBe(CALLER_SPAN);
    expect(http.resource['service.name']).toBe('bastion-under-test');
    const call = only(spans, 'bastion.call traced/context');
    const worker = only(spans, 'bastion.worker traced/context');
    expect(worker.parentSpanId).toBe(call.spanId);
    expect(only(spans, 'bastion.queue').parentSpanId).toBe(call.spanId);
    expect(only(spans, 'bastion.result_check').parentSpanId).toBe(call.spanId);
    expect(result.traceparent).toBe(`00-${TRACE_ID}-${worker.spanId}-01`);
    // The call hangs under the request, through the handler's span.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.get(call.parentSpanId)?.parentSpanId).toBe(http.spanId);
    expect(call.attributes).toMatchObject({ 'bastion.plugin': 'traced', 'bastion.outcome': 'ok' });
    expect(BigInt(worker.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(call.startTimeUnixNano));
    expect(BigInt(worker.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(call.endTimeUnixNano));
  });
});

describe('OTLP/HTTP export across two cluster nodes', () => {
  let receiver: OtlpReceiver;
  let redis: TestRedis;
  let a: ClusterNodeProcess;
  let b: ClusterNodeProcess;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    redis = await TestRedis.start();
    const env = (id: string) => ({
      ...FAST_EXPORT,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${id}`,
    });
    // Tracing switched on by OTEL_TRACES_EXPORTER alone (no --otel): the standard way.
    [a, b] = await Promise.all([
      ClusterNodeProcess.start({
        id: 'trace-a',
        redisUrl: redis.url,
        plugins: [],
        env: { ...env('trace-a'), OTEL_TRACES_EXPORTER: 'otlp' },
      }),
      ClusterNodeProcess.start({
        id: 'trace-b',
        redisUrl: redis.url,
        plugins: ['sleeper'],
        env: { ...env('trace-b'), OTEL_TRACES_EXPORTER: 'otlp' },
      }),
    ]);
    await a.waitForNodes(['trace-a', 'trace-b']);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((n) => n.stop()));
    await redis?.stop();
    await receiver?.close();
  });

  it('runs a job submitted on one node on the other, in the submitter’s trace: node → node, host → worker', async () => {
    const res = await fetch(`${a.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ plugin: 'sleeper', tool: 'sleep', args: { ms: 50 } }),
    });
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as { job_id: string };
    await until(
      async () => {
        const spans = receiver.spans.filter((s) => s.traceId === TRACE_ID);
        return named(spans, 'bastion.worker sleeper/sleep').length && named(spans, 'POST /v1/jobs').length
          ? true
          : undefined;
      },
      20_000,
      'the job’s spans exported',
    );
    expect(receiver.errors).toEqual([]);
    const spans = receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const submit = only(spans, 'POST /v1/jobs');
    expect(submit.resource['service.instance.id']).toBe('trace-a');
    expect(submit.parentSpanId).toBe(CALLER_SPAN);
    const job = only(spans, 'bastion.job sleeper/sleep');
    expect(job.resource['service.instance.id']).toBe('trace-b');
    expect(job.attributes).toMatchObject({
      'bastion.job.id': job_id,
      'bastion.node': 'trace-b',
      'bastion.outcome': 'ok',
    });
    // Its parent is the submitting request's handler span on node A, which it also links.
    const parent = spans.find((s) => s.spanId === job.parentSpanId);
    expect(parent?.resource['service.instance.id']).toBe('trace-a');
    expect(parent?.parentSpanId).toBe(submit.spanId);
    expect(job.links).toEqual([expect.objectContaining({ traceId: TRACE_ID, spanId: job.parentSpanId })]);
    const call = only(spans, 'bastion.call sleeper/sleep');
    expect(call.parentSpanId).toBe(job.spanId);
    expect(only(spans, 'bastion.worker sleeper/sleep').parentSpanId).toBe(call.spanId);
  });
});
