import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HealthRecord, JobRecord } from '@bastion/protocol';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditServer } from '../../src/cli/audit.js';
import { noGpu } from '../helpers/gpu.js';
import { pythonFixtureSubset } from '../helpers/python.js';
import { expectStillServing, runTool, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs } from '../helpers/ws.js';
import { http, isFinished, submitJob, waitJob } from '../jobs/helpers.js';

const PIXELS = Buffer.from([10, 20, 30, 40]);

/**
 * A ForgeSyte plugin folder (its own code, in the published plugins' layout) and a native Python plugin, dropped
 * into a plugins dir unmodified, answer over every surface: REST, MCP, jobs (progress, cancel) and the stream.
 */
describe('Python plugins over REST, MCP, jobs and the stream', () => {
  let t: TestServer;
  let dir: string;
  const health = async (name: string): Promise<HealthRecord> =>
    (await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` })).json<HealthRecord>();

  beforeAll(async () => {
    dir = pythonFixtureSubset(['py-ok', 'forgesyte-style', 'forgesyte-pydantic2', 'forgesyte-legacy']);
    t = await startTestServer({
      gpu: noGpu(),
      pluginsDirs: [dir],
      listen: true,
      config: { file: { shutdownGraceMs: 1000 } },
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the ForgeSyte plugin under its entry point name, byte inputs as binary arguments', async () => {
    const h = await health('brightness');
    expect(h.state).toBe('INITIALIZED');
    const res = await t.server.app.inject({ method: 'GET', url: '/v1/plugins/brightness/manifest' });
    const body = res.json<{ tools: Array<{ name: string; input_schema: Record<string, unknown> }> }>();
    const analyze = body.tools.find((x) => x.name === 'analyze');
    expect(analyze?.input_schema).toMatchObject({
      properties: { image_bytes: { type: 'string', contentEncoding: 'base64' } },
    });
    // A schema given as a bare properties map (`type: bytes`) is read as an object schema.
    const frames = body.tools.find((x) => x.name === 'count_frames');
    expect(frames?.input_schema).toMatchObject({
      type: 'object',
      properties: { frames: { type: 'integer' }, blob: { type: 'string', contentEncoding: 'base64' } },
    });
  });

  it('REST: runs a ForgeSyte tool through run_tool, its AnalysisResult as JSON', async () => {
    const call = await runTool(t.server, 'brightness', 'analyze', { image_bytes: PIXELS.toString('base64') });
    expect(call.status).toBe(200);
    expect(call.body.result).toEqual({
      text: 'mean 25.0',
      blocks: [{ max: 40, count: 4 }],
      confidence: 1,
      language: null,
      error: null,
    });
    const fail = await runTool(t.server, 'brightness', 'fail');
    expect([fail.status, fail.body.error?.code, fail.body.error?.message]).toEqual([
      422,
      'TOOL_ERROR',
      'RuntimeError: model exploded',
    ]);
    await expectStillServing(t.server);
  });

  it("a ForgeSyte plugin in the older analyze() form answers as one tool, 'analyze'", async () => {
    const call = await runTool(t.server, 'byte_counter', 'analyze', {
      image_bytes: PIXELS.toString('base64'),
      options: { lang: 'eng' },
    });
    expect(call.status).toBe(200);
    expect(call.body.result).toEqual({ text: '4 bytes', blocks: [], confidence: 1, language: 'eng', error: null });
  });

  it('MCP: lists and calls the Python tools', async () => {
    const client = new Client({ name: 'bastion-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      const names = (await client.listTools()).tools.map((x) => x.name);
      expect(names).toEqual(expect.arrayContaining(['brightness__analyze', 'py-ok__echo']));
      const result = (await client.callTool({
        name: 'brightness__analyze',
        arguments: { image_bytes: PIXELS.toString('base64') },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      const first = result.content[0];
      expect(first?.type === 'text' ? (JSON.parse(first.text) as { text: string }).text : null).toBe('mean 25.0');
    } finally {
      await client.close();
    }
  });

  it('jobs: progress_callback and ctx.progress reach the job record', async () => {
    const fs = await submitJob(t.url, 'brightness', 'count_frames', { frames: 4 });
    const done = await waitJob(t.url, fs.body.job_id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { counted: 4 } });
    const native = await submitJob(t.url, 'py-ok', 'progress', {});
    const mid = await waitJob(t.url, native.body.job_id, (j) => j.status === 'running' && j.progress > 0);
    expect(mid.stage).toMatch(/^step \d$/);
    expect(await waitJob(t.url, native.body.job_id, isFinished)).toMatchObject({ status: 'succeeded' });
  });

  it('jobs: a cancel sets the event the handler polls; the worker stays', async () => {
    const sub = await submitJob(t.url, 'py-ok', 'wait_cancel', {});
    await waitJob(t.url, sub.body.job_id, (j) => j.status === 'running');
    const del = await http<JobRecord>(`${t.url}/v1/jobs/${sub.body.job_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await waitJob(t.url, sub.body.job_id, isFinished)).status).toBe('cancelled');
    const h = await health('py-ok');
    expect([h.state, h.crash_count, h.timeout_count]).toEqual(['INITIALIZED', 0, 0]);
  });

  it('stream: binary frames go to the ForgeSyte tool as bytes', async () => {
    const ws = await TestWs.open(`${t.url}/v1/stream?plugin=brightness&tool=analyze`);
    try {
      const res = await ws.request(PIXELS, 'result');
      expect(res.payload).toMatchObject({ frame_id: 1, result: { text: 'mean 25.0' } });
    } finally {
      ws.close();
    }
  });

  it('a ForgeSyte plugin that needs pydantic 2 is UNAVAILABLE naming the installed version; none of it ran', async () => {
    const h = await health('needs_pydantic2');
    expect([h.state, h.reason_code]).toEqual(['UNAVAILABLE', 'DEPENDENCY_MISSING']);
    expect(h.reason).toMatch(/pydantic>=2\.0\.0 required, 1\.\d+\.\d+ installed/);
    expect(h.reason).toMatch(/ignoreVersions/);
  });

  it('bastion audit checks a server with Python plugins: the contract holds, the unavailable one is flagged', async () => {
    const report = await auditServer(t.url);
    expect(report.errors).toBe(0);
    expect(report.plugins).toBe(5);
    expect(report.findings).toEqual([
      expect.objectContaining({ check: 'plugin-unavailable', plugin: 'needs_pydantic2' }),
    ]);
  });
});

describe('the operator switch for unmet version ranges', () => {
  it('loads the plugin anyway (here its import then fails, as its own code decides)', async () => {
    const dir = pythonFixtureSubset(['forgesyte-pydantic2']);
    const t = await startTestServer({
      gpu: noGpu(),
      pluginsDirs: [dir],
      config: { file: { plugins: { needs_pydantic2: { python: { ignoreVersions: true } } } } },
    });
    try {
      const h = (
        await t.server.app.inject({ method: 'GET', url: '/v1/plugins/needs_pydantic2/health' })
      ).json<HealthRecord>();
      expect([h.state, h.reason_code]).toEqual(['FAILED', 'IMPORT_ERROR']);
      expect(h.reason).toMatch(/must never be imported/);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
