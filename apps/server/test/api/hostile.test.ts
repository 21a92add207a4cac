import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ERROR_CODES, WS_CLOSE, isErrorCode } from '@bastion/protocol';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_ROOT } from '../../src/paths.js';
import { parseRawResponse, stalledRequest } from '../helpers/http.js';
import {
  FIXTURES_DIR,
  expectStillServing,
  fixtureSubset,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';
import { TestWs, until } from '../helpers/ws.js';

/**
 * The hostile-input corpus (docs/security.md): each request must get a coded 4xx, leak no stack trace or file
 * path, lose nothing and leave the server serving. One table over REST, both WebSockets and MCP.
 */

/** What a case observed: the HTTP status (or its equivalent for a WebSocket message), the code, the raw text. */
interface Outcome {
  status: number;
  code: string;
  text: string;
}

interface Case {
  name: string;
  code: string;
  run: () => Promise<Outcome>;
}

const deep = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const deepText = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const LONG = 'a'.repeat(10 * 1024);
const RPC_PARSE = -32700;

let t: TestServer;
let mcpSessionId = '';

async function rest(opts: InjectOptions): Promise<Outcome> {
  const res = await t.server.app.inject(opts);
  let code: string;
  try {
    code = (res.json() as { error?: { code?: string } }).error?.code ?? 'NONE';
  } catch {
    code = 'NOT_JSON';
  }
  return { status: res.statusCode, code, text: res.body };
}

const run = (name: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: `/v1/plugins/${name}/tools/echo/run`,
  payload: payload as string,
  headers: { 'content-type': 'application/json', ...headers },
});

function multipart(parts: string[], boundary = 'hostile'): InjectOptions {
  return {
    method: 'POST',
    url: '/v1/plugins/ok/tools/bytes/run',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`,
  };
}
const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const file = (name: string) =>
  `Content-Disposition: form-data; name="${name}"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x01\x02`;

/** A raw HTTP exchange over a real socket (what inject cannot do: slow clients, broken HTTP). */
async function socket(head: string): Promise<Outcome> {
  const { text } = await stalledRequest(t.url, head);
  const { status, body } = parseRawResponse(text);
  return { status, code: (body as { error?: { code?: string } } | null)?.error?.code ?? 'NONE', text };
}

/** Sends one message on a fresh WebSocket and returns the coded `error` it answers (the connection must stay). */
async function wsError(path: string, msg: unknown): Promise<Outcome> {
  const c = await TestWs.open(`${t.url}${path}`);
  try {
    const err = await c.request(msg, 'error');
    const code = String(err.payload.code);
    // The connection survives a bad message: it still answers a ping.
    await c.request({ type: 'ping' }, 'pong');
    return { status: isErrorCode(code) ? (ERROR_CODES[code].http ?? 0) : 0, code, text: JSON.stringify(err) };
  } finally {
    c.close();
  }
}

/** A stream whose query is unusable: an `error` message, then close 4004. */
async function wsRejected(path: string): Promise<Outcome> {
  const c = await TestWs.open(`${t.url}${path}`);
  const err = await c.waitFor((m) => m.type === 'error');
  const closed = await c.waitClosed();
  expect(closed.code).toBe(WS_CLOSE.STREAM_REJECTED);
  const code = String(err.payload.code);
  return { status: isErrorCode(code) ? (ERROR_CODES[code].http ?? 0) : 0, code, text: JSON.stringify(err) };
}

/** A message over the hard WebSocket limit: ws closes with 1009 (message too big) without buffering it. */
async function wsTooBig(path: string): Promise<Outcome> {
  const c = await TestWs.open(`${t.url}${path}`);
  c.ws.send(Buffer.alloc(100 * 1024 * 1024, 0x41), { binary: false });
  const closed = await c.waitClosed(60_000);
  c.close();
  return {
    status: closed.code === WS_CLOSE.TOO_BIG ? 413 : closed.code,
    code: closed.code === WS_CLOSE.TOO_BIG ? 'PAYLOAD_TOO_LARGE' : `CLOSE_${closed.code}`,
    text: closed.reason,
  };
}

/** A raw POST /mcp (what the SDK client never sends); a JSON-RPC error is reported as `rpc:<code>`. */
async function mcpRaw(body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Outcome> {
  const res = await fetch(new URL('/mcp', t.url), {
    method,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(mcpSessionId ? { 'mcp-session-id': mcpSessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  let code: string;
  try {
    const json = JSON.parse(text) as { error?: { code?: number | string } };
    code = typeof json.error?.code === 'number' ? `rpc:${json.error.code}` : String(json.error?.code ?? 'NONE');
  } catch {
    code = 'NOT_JSON';
  }
  return { status: res.status, code, text };
}

let mcpClient: Client;
/** A tools/call through the SDK client; a failure is an isError result whose text is `{code, message}`. */
async function mcpCall(name: string, args: Record<string, unknown> = {}): Promise<Outcome> {
  const result = (await mcpClient.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: Array<{ type: string; text?: string }>;
  };
  expect(result.isError).toBe(true);
  const text = result.content[0]?.text ?? '';
  const code = String((JSON.parse(text) as { code?: string }).code);
  return { status: isErrorCode(code) ? (ERROR_CODES[code].http ?? 0) : 0, code, text };
}

const jsonrpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 9, method, params });

const CASES: Case[] = [
  // REST: bodies
  { name: 'malformed JSON', code: 'BAD_REQUEST', run: () => rest(run('ok', '{"args": {"text": "x"')) },
  { name: 'JSON string body', code: 'BAD_REQUEST', run: () => rest(run('ok', '"just a string"')) },
  { name: 'JSON array body', code: 'BAD_REQUEST', run: () => rest(run('ok', '[{"args": {}}]')) },
  { name: 'args is an array', code: 'INVALID_INPUT', run: () => rest(run('ok', '{"args": [1, 2]}')) },
  {
    name: 'text/plain body (a cross-site form could send it)',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '{"args":{"text":"x"}}', { 'content-type': 'text/plain' })),
  },
  {
    name: 'urlencoded body',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', 'args=x', { 'content-type': 'application/x-www-form-urlencoded' })),
  },
  {
    name: 'unknown content type',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '<args/>', { 'content-type': 'application/xml' })),
  },
  {
    name: 'args nested 10 000 deep',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', `{"args": {"text": ${deepText(10_000)}}}`)),
  },
  {
    name: 'args nested 100 deep',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', JSON.stringify({ args: { text: deep(100) } }))),
  },
  {
    name: '__proto__ in args',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '{"args": {"text": "x", "__proto__": {"admin": true}}}')),
  },
  {
    name: '__proto__ nested in args',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '{"args": {"text": "x", "n": {"a": [{"__proto__": {"polluted": 1}}]}}}')),
  },
  {
    name: 'constructor.prototype in args',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '{"args": {"text": "x", "constructor": {"prototype": {"polluted": 1}}}}')),
  },
  {
    name: '__proto__ at the top of the body',
    code: 'BAD_REQUEST',
    run: () => rest(run('ok', '{"__proto__": {"args": {}}, "args": {"text": "x"}}')),
  },
  {
    name: 'multipart args field with __proto__',
    code: 'BAD_REQUEST',
    run: () => rest(multipart([file('file'), field('args', '{"__proto__": {"x": 1}}')])),
  },
  {
    name: 'multipart args field nested 10 000 deep',
    code: 'BAD_REQUEST',
    run: () => rest(multipart([file('file'), field('args', `{"label": ${deepText(10_000)}}`)])),
  },
  {
    name: 'multipart part named __proto__',
    code: 'BAD_REQUEST',
    run: () => rest(multipart([file('__proto__'), file('file')])),
  },
  {
    name: 'multipart part without a name',
    code: 'BAD_REQUEST',
    run: () => rest(multipart(['Content-Disposition: form-data\r\n\r\nnameless', file('file')])),
  },
  {
    name: 'multipart with too many parts',
    code: 'PAYLOAD_TOO_LARGE',
    run: () => rest(multipart(Array.from({ length: 200 }, (_, i) => field(`f${i}`, 'x')))),
  },
  {
    name: 'multipart without a boundary',
    code: 'BAD_REQUEST',
    run: () => rest({ ...multipart([file('file')]), headers: { 'content-type': 'multipart/form-data' } }),
  },
  {
    name: 'truncated multipart',
    code: 'BAD_REQUEST',
    run: () => {
      const opts = multipart([file('file')]);
      return rest({ ...opts, payload: String(opts.payload).slice(0, 60) });
    },
  },
  {
    name: 'body over maxUploadMb',
    code: 'PAYLOAD_TOO_LARGE',
    run: () => rest(run('ok', JSON.stringify({ args: { text: 'x'.repeat(2 * 1024 * 1024) } }))),
  },
  // REST: names and paths
  // URL clients (inject included) resolve %2e%2e as a dot segment; a raw socket sends it as it is (below).
  { name: 'plugin name %2e%2e', code: 'NOT_FOUND', run: () => rest(run('%2e%2e', '{"args":{}}')) },
  {
    name: 'plugin name %2e%2e, sent verbatim',
    code: 'PLUGIN_NOT_FOUND',
    run: () => socket('GET /v1/plugins/%2e%2e/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
  },
  {
    name: 'tool name %2e%2e, sent verbatim',
    code: 'TOOL_NOT_FOUND',
    run: () =>
      socket(
        'POST /v1/plugins/ok/tools/%2e%2e/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 2\r\nConnection: close\r\n\r\n{}',
      ),
  },
  {
    name: 'plugin name ..%2f..%2fetc',
    code: 'PLUGIN_NOT_FOUND',
    run: () => rest(run('..%2f..%2fetc', '{"args":{}}')),
  },
  { name: 'plugin name with %00', code: 'PLUGIN_NOT_FOUND', run: () => rest(run('ok%00', '{"args":{}}')) },
  {
    name: 'plugin name with a Cyrillic look-alike',
    code: 'PLUGIN_NOT_FOUND',
    run: () => rest(run(encodeURIComponent('оk'), '{"args":{}}')),
  },
  { name: 'plugin name of 10 kB', code: 'BAD_REQUEST', run: () => rest(run(LONG, '{"args":{}}')) },
  {
    name: 'tool name %2e%2e',
    code: 'NOT_FOUND',
    run: () => rest({ ...run('ok', '{"args":{}}'), url: '/v1/plugins/ok/tools/%2e%2e/run' }),
  },
  {
    name: 'tool name of 10 kB',
    code: 'BAD_REQUEST',
    run: () => rest({ ...run('ok', '{"args":{}}'), url: `/v1/plugins/ok/tools/${LONG}/run` }),
  },
  { name: 'broken percent-encoding', code: 'BAD_REQUEST', run: () => rest({ url: '/v1/plugins/%E0%A4%A/health' }) },
  {
    name: 'restart of %2e%2e',
    code: 'NOT_FOUND',
    run: () => rest({ method: 'POST', url: '/v1/plugins/%2e%2e/restart' }),
  },
  { name: 'unsupported method on a route', code: 'NOT_FOUND', run: () => rest({ method: 'PUT', url: '/v1/plugins' }) },
  // REST: jobs
  { name: 'jobs limit=0', code: 'BAD_REQUEST', run: () => rest({ url: '/v1/jobs?limit=0' }) },
  { name: 'jobs limit=abc', code: 'BAD_REQUEST', run: () => rest({ url: '/v1/jobs?limit=abc' }) },
  { name: 'jobs bad cursor', code: 'BAD_REQUEST', run: () => rest({ url: '/v1/jobs?before=%00%00' }) },
  {
    name: 'job with __proto__ at the top',
    code: 'BAD_REQUEST',
    run: () =>
      rest({
        method: 'POST',
        url: '/v1/jobs',
        headers: { 'content-type': 'application/json' },
        payload: '{"plugin": "ok", "tool": "echo", "args": {"text": "x"}, "__proto__": {"plugin": "x"}}',
      }),
  },
  {
    name: 'job for plugin ../../x',
    code: 'PLUGIN_NOT_FOUND',
    run: () => rest({ method: 'POST', url: '/v1/jobs', payload: { plugin: '../../x', tool: 'echo', args: {} } }),
  },
  { name: 'job id ..%2f..%2fetc', code: 'JOB_NOT_FOUND', run: () => rest({ url: '/v1/jobs/..%2f..%2fetc' }) },
  // Real sockets: slow and broken clients
  {
    name: 'slow-loris headers',
    code: 'BAD_REQUEST',
    run: () => socket('GET /v1/plugins HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '),
  },
  {
    name: 'slow-loris body',
    code: 'BAD_REQUEST',
    run: () =>
      socket(
        'POST /v1/plugins/ok/tools/echo/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 1000\r\n\r\n{"args": {"te',
      ),
  },
  {
    name: 'headers of 64 kB',
    code: 'PAYLOAD_TOO_LARGE',
    run: () => socket(`GET /v1/plugins HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`),
  },
  { name: 'garbage instead of HTTP', code: 'BAD_REQUEST', run: () => socket('\x16\x03\x01 not http at all\r\n\r\n') },
  // WebSockets
  { name: 'realtime: malformed JSON', code: 'BAD_REQUEST', run: () => wsError('/v1/realtime', '{"type": "ping"') },
  {
    name: 'realtime: ping payload nested 20 000 deep',
    code: 'BAD_REQUEST',
    run: () => wsError('/v1/realtime', `{"type": "ping", "payload": ${deepText(20_000)}}`),
  },
  {
    name: 'realtime: subscribe with __proto__',
    code: 'BAD_REQUEST',
    run: () => wsError('/v1/realtime', '{"type": "subscribe", "payload": {"__proto__": {"topics": ["jobs"]}}}'),
  },
  { name: 'realtime: 100 MB message', code: 'PAYLOAD_TOO_LARGE', run: () => wsTooBig('/v1/realtime') },
  {
    name: 'stream: malformed JSON',
    code: 'BAD_REQUEST',
    run: () => wsError('/v1/stream?plugin=ok&tool=echo', '{"type": "frame", "payload": '),
  },
  {
    name: 'stream: frame args with __proto__',
    code: 'BAD_REQUEST',
    run: () =>
      wsError('/v1/stream?plugin=ok&tool=echo', '{"type":"frame","payload":{"frame_id":1,"args":{"__proto__":{}}}}'),
  },
  {
    name: 'stream: frame args nested 20 000 deep',
    code: 'BAD_REQUEST',
    run: () =>
      wsError(
        '/v1/stream?plugin=ok&tool=echo',
        `{"type":"frame","payload":{"frame_id":1,"args":{"text":${deepText(20_000)}}}}`,
      ),
  },
  { name: 'stream: 100 MB message', code: 'PAYLOAD_TOO_LARGE', run: () => wsTooBig('/v1/stream?plugin=ok&tool=echo') },
  {
    name: 'stream: plugin %2e%2e',
    code: 'PLUGIN_NOT_FOUND',
    run: () => wsRejected('/v1/stream?plugin=%2e%2e&tool=echo'),
  },
  {
    name: 'stream: tool of 10 kB',
    code: 'TOOL_NOT_FOUND',
    run: () => wsRejected(`/v1/stream?plugin=ok&tool=${LONG}`),
  },
  // MCP
  { name: 'mcp: malformed JSON', code: `rpc:${RPC_PARSE}`, run: () => mcpRaw('{"jsonrpc": "2.0", "id": 1,') },
  {
    name: 'mcp: params nested 10 000 deep',
    code: `rpc:${RPC_PARSE}`,
    run: () => mcpRaw(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${deepText(10_000)}}`),
  },
  {
    name: 'mcp: __proto__ in tool arguments',
    code: `rpc:${RPC_PARSE}`,
    run: () => mcpRaw(jsonrpc('tools/call', JSON.parse('{"name":"ok__echo","arguments":{"__proto__":{"x":1}}}'))),
  },
  {
    name: 'mcp: text/plain body',
    code: 'rpc:-32000',
    run: () => mcpRaw(jsonrpc('tools/list', {}), { 'content-type': 'text/plain' }),
  },
  {
    name: 'mcp: unknown session id',
    code: 'rpc:-32001',
    run: () => mcpRaw(jsonrpc('tools/list', {}), { 'mcp-session-id': '../../etc/passwd' }),
  },
  { name: 'mcp: PUT', code: 'BAD_REQUEST', run: () => mcpRaw('{}', {}, 'PUT') },
  { name: 'mcp: tool name ../ok__echo', code: 'PLUGIN_NOT_FOUND', run: () => mcpCall('../ok__echo', { text: 'x' }) },
  { name: 'mcp: tool name of 10 kB', code: 'PLUGIN_NOT_FOUND', run: () => mcpCall(LONG) },
  { name: 'mcp: tool name with NUL', code: 'TOOL_NOT_FOUND', run: () => mcpCall('ok__echo\u0000') },
  {
    name: 'mcp: arguments nested 40 deep (allowed, then validated)',
    code: 'INVALID_INPUT',
    run: () => mcpCall('ok__echo', { text: 'x', n: deep(40) }),
  },
];

/** What a body may never show a client: stack frames and this machine's file paths. */
const LEAKS = [/\bat .+:\d+:\d+/, /node_modules/, /\/(home|root|work|usr|tmp)\//];

describe('hostile-input corpus', () => {
  let jobId = '';

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { file: { maxUploadMb: 1, headersTimeoutMs: 1000, requestTimeoutMs: 1000 } },
    });
    mcpClient = new Client({ name: 'hostile', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', t.url));
    await mcpClient.connect(transport);
    mcpSessionId = transport.sessionId ?? '';
    // A job runs through the whole corpus: nothing the hostile requests do may lose it.
    const job = await t.server.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { plugin: 'ok', tool: 'slow', args: { ms: 2000 } },
    });
    expect(job.statusCode).toBe(202);
    jobId = (job.json() as { job_id: string }).job_id;
  });
  afterAll(async () => {
    await mcpClient?.close().catch(() => {});
    await t?.close();
  });

  it('has around 40 cases or more, each named once', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const outcome = await c.run();
    expect(outcome.code).toBe(c.code);
    expect(outcome.status).toBeGreaterThanOrEqual(400);
    expect(outcome.status).toBeLessThan(500);
    for (const leak of [
      ...LEAKS,
      new RegExp(escape(SERVER_ROOT)),
      new RegExp(escape(FIXTURES_DIR)),
      new RegExp(escape(tmpdir() + '/bastion')),
    ]) {
      expect(outcome.text).not.toMatch(leak);
    }
    // Nothing broke: the plugin is healthy, its failure counters unchanged, and the server answers.
    const health = t.server.ctx.registry.health('ok');
    expect(['INITIALIZED', 'RUNNING']).toContain(health?.state); // RUNNING while the background job runs
    expect([health?.crash_count, health?.timeout_count]).toEqual([0, 0]);
    await expectStillServing(t.server);
    expect((await fetch(new URL('/healthz', t.url))).status).toBe(200);
  });

  it('answers query problems with {path, message} details', async () => {
    const res = await t.server.app.inject({ url: '/v1/jobs?limit=0' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as { error: { code: string; details: unknown } };
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details).toEqual([{ path: '/limit', message: expect.any(String) as string }]);
  });

  it('lost nothing: the job that ran meanwhile succeeded, and the MCP session still works', async () => {
    const job = await until(async () => {
      const res = await t.server.app.inject({ url: `/v1/jobs/${jobId}` });
      const body = res.json() as { status: string };
      return ['succeeded', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    }, 60_000);
    expect(job.status).toBe('succeeded');
    const result = await mcpClient.callTool({ name: 'ok__echo', arguments: { text: 'after the corpus' } });
    expect(result.structuredContent).toEqual({ text: 'after the corpus' });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
