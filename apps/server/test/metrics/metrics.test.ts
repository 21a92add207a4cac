import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs } from '../helpers/ws.js';

/** Samples of the Prometheus text format: `name{labels} value`. */
function samples(text: string): Array<{ name: string; labels: string; value: number }> {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(l);
      if (!m?.[1] || !m[3]) throw new Error(`not a sample line: ${l}`);
      return { name: m[1], labels: m[2] ?? '', value: Number(m[3]) };
    });
}

describe('/metrics', () => {
  let t: TestServer;
  const scrape = async (): Promise<string> => {
    const res = await fetch(new URL('/metrics', t.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const errorCount = (text: string, code: string, surface: string): number =>
    samples(text).find(
      (s) => s.name === 'bastion_request_errors_total' && s.labels === `{code="${code}",surface="${surface}"}`,
    )?.value ?? 0;

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws'])], listen: true });
  });
  afterAll(() => t.close());

  it('counts the errors of every surface: HTTP, MCP tool results, realtime and stream messages', async () => {
    const before = await scrape();

    expect((await fetch(new URL('/v1/plugins/nope/health', t.url))).status).toBe(404);

    const client = new Client({ name: 'metrics-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      const result = (await client.callTool({ name: 'throws__run', arguments: {} })) as CallToolResult;
      expect(result.isError).toBe(true);
    } finally {
      await client.close();
    }

    const realtime = await TestWs.open(new URL('/v1/realtime', t.url).href);
    try {
      const reply = await realtime.request('not json', 'error');
      expect(reply.payload.code).toBe('BAD_REQUEST');
    } finally {
      realtime.ws.close();
    }

    const stream = await TestWs.open(new URL('/v1/stream?plugin=nope&tool=x', t.url).href);
    expect((await stream.waitFor((m) => m.type === 'error')).payload.code).toBe('PLUGIN_NOT_FOUND');
    await stream.waitClosed();

    const after = await scrape();
    for (const [code, surface] of [
      ['PLUGIN_NOT_FOUND', 'http'],
      ['TOOL_ERROR', 'mcp'],
      ['BAD_REQUEST', 'realtime'],
      ['PLUGIN_NOT_FOUND', 'stream'],
    ] as const) {
      expect(errorCount(after, code, surface) - errorCount(before, code, surface), `${code} ${surface}`).toBe(1);
    }
  });

  it('counts the MCP transport’s JSON-RPC refusals too: malformed messages, unknown sessions, wrong Accept', async () => {
    const before = await scrape();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(new URL('/mcp', t.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
      });
    expect((await post('{not json')).status).toBe(400);
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'mcp-session-id': 'nope' })).status).toBe(
      404,
    );
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    expect((await post(init, { accept: 'text/plain' })).status).toBe(406); // the SDK's own refusal
    const after = await scrape();
    expect(errorCount(after, 'BAD_REQUEST', 'mcp') - errorCount(before, 'BAD_REQUEST', 'mcp')).toBe(2);
    expect(errorCount(after, 'NOT_FOUND', 'mcp') - errorCount(before, 'NOT_FOUND', 'mcp')).toBe(1);
  });

  it('does not count MCP clients’ OAuth discovery probes or a session-less GET /mcp as errors', async () => {
    const before = await scrape();
    const total = (text: string): number =>
      samples(text)
        .filter((s) => s.name === 'bastion_request_errors_total')
        .reduce((sum, s) => sum + s.value, 0);
    // What mcp-remote asks on every connection before it uses a key (RFC 9728, RFC 8414, OpenID discovery, DCR).
    for (const [method, path] of [
      ['GET', '/.well-known/oauth-protected-resource/mcp'],
      ['GET', '/.well-known/oauth-protected-resource'],
      ['GET', '/.well-known/oauth-authorization-server/mcp'],
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/openid-configuration'],
      ['GET', '/mcp/.well-known/openid-configuration'],
      ['POST', '/register'],
    ] as const) {
      const res = await fetch(new URL(path, t.url), { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    const sse = await fetch(new URL('/mcp', t.url), { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(400);
    await sse.body?.cancel();
    expect(total(await scrape())).toBe(total(before));
    // A route that does not exist is still an error.
    expect((await fetch(new URL('/v1/nope', t.url))).status).toBe(404);
    expect(errorCount(await scrape(), 'NOT_FOUND', 'http') - errorCount(before, 'NOT_FOUND', 'http')).toBe(1);
  });

  it('exports the process metrics: CPU, memory, event loop lag, GC', async () => {
    const text = await scrape();
    const names = new Set(samples(text).map((s) => s.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_cpu_system_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(names, name).toContain(name);
    // GC durations are a histogram with samples once a collection happened; its family is always declared.
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });

  it('reports every memory gauge in whole bytes', async () => {
    expect((await runTool(t.server, 'ok', 'echo', { text: 'm' })).status).toBe(200);
    const all = samples(await scrape());
    const peak = all.filter((s) => s.name === 'bastion_worker_memory_peak_bytes');
    expect(peak.map((s) => s.labels)).toContain('{plugin="ok"}');
    const bytes = all.filter((s) => s.name.endsWith('_bytes'));
    expect(bytes.length).toBeGreaterThan(peak.length);
    for (const s of bytes) expect(Number.isInteger(s.value), `${s.name}${s.labels} = ${s.value}`).toBe(true);
  });
});
