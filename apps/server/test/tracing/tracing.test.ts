import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverConfigSchema } from '../../src/config/schema.js';
import { createServer, type BastionServer } from '../../src/server.js';
import { FIXTURES_DIR, runTool, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs, until } from '../helpers/ws.js';
import { descendsFrom, one, TRACING_FIXTURES, viewOf, type SpanView } from './spans.js';

const PYTHON_FIXTURES = path.join(FIXTURES_DIR, '..', 'python-plugins');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

describe('tracing on (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let server: BastionServer;
  let url: string;
  let dataDir: string;
  let pythonDir: string;
  const spans = (): SpanView[] => exporter.getFinishedSpans().map(viewOf);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-trace-'));
    pythonDir = mkdtempSync(path.join(tmpdir(), 'bastion-trace-py-'));
    cpSync(path.join(PYTHON_FIXTURES, 'py-ok'), path.join(pythonDir, 'py-ok'), { recursive: true });
    const config = serverConfigSchema.parse({
      port: 0,
      bundledPlugins: false,
      pluginsDirs: [TRACING_FIXTURES, pythonDir],
      dataDir,
      logLevel: 'silent',
    });
    server = await createServer(config, { logger: pino({ level: 'silent' }), traceExporters: [exporter] });
    await server.loaded;
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(pythonDir, { recursive: true, force: true });
  });
  beforeEach(() => exporter.reset());

  it('traces a REST call under the caller’s traceparent: HTTP span, call, queue wait, worker, result check', async () => {
    const res = await fetch(new URL('/v1/plugins/traced/tools/context/run', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ args: { ms: 20 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { traceparent: string } };
    await until(async () => (spans().some((s) => s.name.startsWith('POST')) ? true : undefined), 5000, 'HTTP span');
    const all = spans();
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set([TRACE_ID]));

    const http = one(all, 'POST /v1/plugins/:name/tools/:tool/run');
    expect(http.parentId).toBe(CALLER_SPAN);
    expect(http.kind).toBe(SpanKind.SERVER);
    const call = one(all, 'bastion.call traced/context');
    expect(descendsFrom(all, call, http)).toBe(true);
    expect(call.attributes).toMatchObject({
      'bastion.plugin': 'traced',
      'bastion.tool': 'context',
      'bastion.outcome': 'ok',
      'bastion.call.mode': 'direct',
      'bastion.args_bytes': 2,
    });
    expect(call.attributes['bastion.result_bytes']).toBe(JSON.stringify(body.result).length);

    const queue = one(all, 'bastion.queue');
    const worker = one(all, 'bastion.worker traced/context');
    const check = one(all, 'bastion.result_check');
    for (const child of [queue, worker, check]) expect(child.parentId).toBe(call.spanId);
    // The plugin saw this call's trace with the worker span as parent: its own spans would hang under it.
    expect(body.result.traceparent).toBe(`00-${TRACE_ID}-${worker.spanId}-01`);
    // The worker's span is its handler's time (≥ the 20 ms it slept), inside the call, after the queue wait.
    expect(worker.end - worker.start).toBeGreaterThanOrEqual(19);
    expect(worker.start).toBeGreaterThanOrEqual(queue.end - 1);
    expect(worker.start).toBeGreaterThanOrEqual(call.start);
    expect(worker.end).toBeLessThanOrEqual(call.end);
    expect(check.start).toBeGreaterThanOrEqual(worker.end - 1);
  });

  it('builds a Python worker’s span from the timings it sends back, like a Node worker’s', async () => {
    const res = await runTool(server, 'py-ok', 'echo', { text: 'hi' }, { traceparent: TRACEPARENT });
    expect(res.status).toBe(200);
    const all = spans();
    const call = one(all, 'bastion.call py-ok/echo');
    const worker = one(all, 'bastion.worker py-ok/echo');
    expect(worker).toMatchObject({ traceId: TRACE_ID, parentId: call.spanId });
    expect(worker.start).toBeGreaterThanOrEqual(call.start);
    expect(worker.end).toBeLessThanOrEqual(call.end);
  });

  it('starts a new trace without a traceparent, and records a failing call’s code', async () => {
    const res = await runTool(server, 'traced', 'fails');
    expect(res.status).toBe(422);
    const all = spans();
    const call = one(all, 'bastion.call traced/fails');
    expect(call.attributes['bastion.outcome']).toBe('TOOL_ERROR');
    expect(call.status).toBe(SpanStatusCode.ERROR);
    const http = one(all, 'POST /v1/plugins/:name/tools/:tool/run');
    expect(http.parentId).toBeNull();
    expect(call.traceId).toBe(http.traceId);
    expect(http.attributes['http.response.status_code']).toBe(422);
    expect(one(all, 'bastion.worker traced/fails').parentId).toBe(call.spanId);
  });

  it('carries a job’s context through SQLite: the run is a child of the submitting request, and links it', async () => {
    const res = await fetch(new URL('/v1/jobs', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ plugin: 'traced', tool: 'context', args: {} }),
    });
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as { job_id: string };
    const job = await until(
      async () => {
        const r = (await (await fetch(new URL(`/v1/jobs/${job_id}`, url))).json()) as {
          status: string;
          result: { traceparent: string } | null;
        };
        return r.status === 'succeeded' ? r : undefined;
      },
      10_000,
      'job done',
    );
    await until(async () => (spans().some((s) => s.name.startsWith('bastion.job')) ? true : undefined), 5000, 'job');
    const all = spans();
    const submit = one(all, 'POST /v1/jobs');
    expect(submit.parentId).toBe(CALLER_SPAN);
    const run = one(all, 'bastion.job traced/context');
    expect(run.kind).toBe(SpanKind.CONSUMER);
    expect(run.traceId).toBe(TRACE_ID);
    expect(descendsFrom(all, all.find((s) => s.spanId === run.parentId) as SpanView, submit)).toBe(true);
    expect(run.links).toEqual([{ traceId: TRACE_ID, spanId: run.parentId }]);
    expect(run.attributes).toMatchObject({ 'bastion.job.id': job_id, 'bastion.outcome': 'ok' });
    const call = one(all, 'bastion.call traced/context');
    expect(call.parentId).toBe(run.spanId);
    expect(call.attributes['bastion.call.mode']).toBe('job');
    const worker = one(all, 'bastion.worker traced/context');
    expect(job.result?.traceparent).toBe(`00-${TRACE_ID}-${worker.spanId}-01`);
  });

  it('traces an MCP tool call the same way, under the MCP request’s span', async () => {
    const client = new Client({ name: 'trace-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', url), {
        requestInit: { headers: { traceparent: TRACEPARENT } },
      }),
    );
    try {
      const result = (await client.callTool({ name: 'traced__context', arguments: {} })) as CallToolResult;
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const all = spans();
    const call = one(all, 'bastion.call traced/context');
    expect(call.traceId).toBe(TRACE_ID);
    const mcp = all.filter((s) => s.name === 'POST /mcp' && descendsFrom(all, call, s));
    expect(mcp).toHaveLength(1);
    expect(mcp[0]?.parentId).toBe(CALLER_SPAN);
    expect(one(all, 'bastion.worker traced/context').parentId).toBe(call.spanId);
  });

  it('traces each live stream frame under the traceparent the connection was opened with', async () => {
    const ws = await TestWs.open(`${url}/v1/stream?plugin=traced&tool=context`, { traceparent: TRACEPARENT });
    try {
      const res = await ws.request({ type: 'frame', payload: { frame_id: 'f1', args: {} } }, 'result');
      expect(res.payload).toMatchObject({ frame_id: 'f1' });
      const all = spans();
      const frame = one(all, 'bastion.stream traced/context');
      expect(frame).toMatchObject({ traceId: TRACE_ID, parentId: CALLER_SPAN, kind: SpanKind.SERVER, links: [] });
      expect(frame.attributes).toMatchObject({ 'bastion.stream.frame_id': 'f1', 'bastion.outcome': 'ok' });
      const call = one(all, 'bastion.call traced/context');
      expect(call.parentId).toBe(frame.spanId);
      const worker = one(all, 'bastion.worker traced/context');
      expect((res.payload.result as { traceparent: string }).traceparent).toBe(`00-${TRACE_ID}-${worker.spanId}-01`);
    } finally {
      ws.ws.close();
    }
  });
});

describe('tracing off (the default)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [TRACING_FIXTURES] });
  });
  afterAll(() => t.close());

  it('sends no trace context to the worker, even when the caller sends one', async () => {
    expect(t.server.ctx.tracing).toBeNull();
    const res = await runTool(t.server, 'traced', 'context', {}, { traceparent: TRACEPARENT });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ traceparent: null });
  });
});
