import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LATEST_PROTOCOL_VERSION,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createMcpFeature, type McpFeature } from '../../src/api/mcp/index.js';
import { successResponseJson, successResult } from '../../src/api/mcp/results.js';
import { MCP_TOOL_NAME, assignNames, hashedName } from '../../src/api/mcp/tool-names.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** How many notifications/tools/list_changed arrived. */
  listChanged(): number;
}

const clients: Client[] = [];

async function connect(baseUrl: string, headers: Record<string, string> = {}): Promise<Connection> {
  const client = new Client({ name: 'bastion-test', version: '1.0.0' });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers } });
  await client.connect(transport);
  clients.push(client);
  return { client, transport, listChanged: () => changes };
}

/** The call's result as the text content carries it (always JSON). */
function textJson(result: CallToolResult): Record<string, unknown> {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return JSON.parse(first.text) as Record<string, unknown>;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function expectToolError(client: Client, name: string, args: Record<string, unknown>, code: string) {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  const error = textJson(result);
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  return { result, error };
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

/** A raw MCP POST, for what the SDK's client never sends. */
async function rawPost(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL('/mcp', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, sessionId: res.headers.get('mcp-session-id') };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
});

describe('MCP over Streamable HTTP', () => {
  let t: TestServer;
  let mcp: McpFeature;

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'throws', 'exits', 'hangs-promise', 'hangs-sync', 'init-throws'])],
      listen: true,
    });
    mcp = t.server.features.find((f) => f.name === 'mcp') as McpFeature;
  });
  afterAll(() => t.close());

  it('initializes and lists the tools of available plugins with their real schemas', async () => {
    const { client } = await connect(t.url);
    expect(client.getServerVersion()?.name).toBe('bastion');
    expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);

    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['ok__echo', 'ok__bytes', 'ok__slow', 'throws__run', 'exits__run', 'hangs-promise__run']),
    );
    for (const name of names) expect(name).toMatch(MCP_TOOL_NAME);
    // init-throws is FAILED: none of its tools are listed.
    expect(names.some((n) => n.startsWith('init-throws__'))).toBe(false);

    const echo = tools.find((tool) => tool.name === 'ok__echo');
    expect(echo?.description).toContain('Echoes its input back');
    expect(echo?.inputSchema).toEqual({
      type: 'object',
      properties: { text: { type: 'string', maxLength: 1000 }, n: { type: 'integer', minimum: 0 } },
      required: ['text'],
      additionalProperties: false,
    });
    expect(echo?.outputSchema).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
    const bytes = tools.find((tool) => tool.name === 'ok__bytes');
    expect(bytes?.inputSchema.properties?.file).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(bytes?.outputSchema).toBeUndefined();
  });

  it('calls a healthy tool: JSON text plus structuredContent', async () => {
    const { client } = await connect(t.url);
    const result = await call(client, 'ok__echo', { text: 'hello' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ text: 'hello' });
    expect(textJson(result)).toEqual({ text: 'hello' });
  });

  it('passes binary arguments as base64 strings', async () => {
    const { client } = await connect(t.url);
    const result = await call(client, 'ok__bytes', { file: Buffer.from([7, 8, 9]).toString('base64'), label: 'x' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ bytes: 3, isUint8Array: true, first: 7, label: 'x' });
  });

  it('answers bad arguments with isError INVALID_INPUT', async () => {
    const { client } = await connect(t.url);
    // ok__echo declares an outputSchema: the error is in the text only (clients validate structuredContent).
    const echo = await expectToolError(client, 'ok__echo', { n: 'many' }, 'INVALID_INPUT');
    expect(echo.result.structuredContent).toBeUndefined();
    expect(Array.isArray(echo.error.details)).toBe(true);
    // ok__bytes has no outputSchema: the error is also the structuredContent.
    const bytes = await expectToolError(client, 'ok__bytes', { file: '%%% not base64 %%%' }, 'INVALID_INPUT');
    expect(bytes.result.structuredContent).toMatchObject({ code: 'INVALID_INPUT' });
    expect((await call(client, 'ok__echo', { text: 'still fine' })).structuredContent).toEqual({ text: 'still fine' });
  });

  it('reports a result that breaks the outputSchema as INVALID_OUTPUT', async () => {
    const { client } = await connect(t.url);
    await expectToolError(client, 'ok__bad_output', {}, 'INVALID_OUTPUT');
    expect(await toolNames(client)).toContain('ok__bad_output');
  });

  it('answers unknown and unavailable tools with isError', async () => {
    const { client } = await connect(t.url);
    await expectToolError(client, 'ok__nope', {}, 'TOOL_NOT_FOUND');
    await expectToolError(client, 'nope__run', {}, 'PLUGIN_NOT_FOUND');
    await expectToolError(client, 'nonsense', {}, 'PLUGIN_NOT_FOUND');
    await expectToolError(client, 'init-throws__run', {}, 'PLUGIN_FAILED');
  });

  it('reports a throwing tool as TOOL_ERROR', async () => {
    const { client } = await connect(t.url);
    const { error } = await expectToolError(client, 'throws__run', {}, 'TOOL_ERROR');
    expect(error.message).toContain('boom from plugin');
    expect(await toolNames(client)).toContain('throws__run');
  });

  it('reports hanging tools as PLUGIN_TIMEOUT and the session keeps working', async () => {
    const { client } = await connect(t.url);
    await expectToolError(client, 'hangs-promise__run', {}, 'PLUGIN_TIMEOUT');
    expect((await call(client, 'ok__echo', { text: 'after promise hang' })).structuredContent).toEqual({
      text: 'after promise hang',
    });
    await expectToolError(client, 'hangs-sync__run', {}, 'PLUGIN_TIMEOUT');
    expect((await call(client, 'ok__echo', { text: 'after sync hang' })).structuredContent).toEqual({
      text: 'after sync hang',
    });
    const names = await toolNames(client);
    expect(names).not.toContain('hangs-promise__run');
    expect(names).not.toContain('hangs-sync__run');
    await expectToolError(client, 'hangs-sync__run', {}, 'PLUGIN_FAILED');
    await expectStillServing(t.server);
  });

  it('reports a crash as PLUGIN_CRASHED, notifies list changes, and lists the tool again after a restart', async () => {
    const conn = await connect(t.url);
    const { client, transport } = conn;
    // The client opens its notification stream (GET /mcp) on its own after initializing; wait until it is open.
    const session = mcp.sessions.get(transport.sessionId ?? '');
    expect(session).toBeDefined();
    await vi.waitFor(() => expect(session?.open).toBeGreaterThanOrEqual(1));
    expect(await toolNames(client)).toContain('exits__run');

    const before = conn.listChanged();
    await expectToolError(client, 'exits__run', {}, 'PLUGIN_CRASHED');
    await vi.waitFor(() => expect(conn.listChanged()).toBeGreaterThan(before), { timeout: 10_000 });
    expect(await toolNames(client)).not.toContain('exits__run');
    expect((await call(client, 'ok__echo', { text: 'after crash' })).structuredContent).toEqual({
      text: 'after crash',
    });

    const beforeRestart = conn.listChanged();
    const restart = await t.server.app.inject({ method: 'POST', url: '/v1/plugins/exits/restart' });
    expect(restart.statusCode).toBe(200);
    expect(restart.json()).toMatchObject({ name: 'exits', state: 'INITIALIZED' });
    await vi.waitFor(() => expect(conn.listChanged()).toBeGreaterThan(beforeRestart), { timeout: 10_000 });
    expect(await toolNames(client)).toContain('exits__run');
  });

  it('honours cancellation and reports progress', async () => {
    const { client } = await connect(t.url);
    const health = async () =>
      (await t.server.app.inject({ method: 'GET', url: '/v1/plugins/ok/health' })).json() as {
        state: string;
        in_flight: number;
        timeout_count: number;
        crash_count: number;
      };
    const start = await health();
    const ac = new AbortController();
    let progressed = 0;
    // Without the cancellation reaching the worker this call would overrun ok's timeoutMs and make it FAILED.
    const pending = client.callTool({ name: 'ok__slow', arguments: { ms: 10_000 } }, undefined, {
      signal: ac.signal,
      onprogress: () => {
        progressed++;
        ac.abort();
      },
    });
    await expect(pending).rejects.toThrow();
    expect(progressed).toBeGreaterThanOrEqual(1);
    await vi.waitFor(async () => expect((await health()).in_flight).toBe(0), { timeout: 10_000 });
    const end = await health();
    expect(['INITIALIZED', 'RUNNING']).toContain(end.state);
    expect(end.timeout_count).toBe(start.timeout_count);
    expect(end.crash_count).toBe(start.crash_count);
    expect((await call(client, 'ok__echo', { text: 'after cancel' })).structuredContent).toEqual({
      text: 'after cancel',
    });
  });

  it('ends a session on DELETE', async () => {
    const { client, transport } = await connect(t.url);
    const id = transport.sessionId ?? '';
    expect(mcp.sessions.get(id)).toBeDefined();
    await transport.terminateSession();
    expect(mcp.sessions.get(id)).toBeUndefined();
    const res = await rawPost(t.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
      'mcp-session-id': id,
    });
    expect(res.status).toBe(404);
    await client.close();
  });

  it('answers bad MCP requests with JSON-RPC errors, never a crash', async () => {
    const listRequest = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const malformed = await rawPost(t.url, '{"jsonrpc": "2.0", ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });

    const notRpc = await rawPost(t.url, JSON.stringify({ hello: 'world' }));
    expect(notRpc.status).toBe(400);
    expect(JSON.parse(notRpc.text)).toMatchObject({ error: { code: -32700 } });

    const noSession = await rawPost(t.url, listRequest);
    expect(noSession.status).toBe(400);
    expect(JSON.parse(noSession.text)).toMatchObject({ error: { code: -32000 } });

    const unknownSession = await rawPost(t.url, listRequest, { 'mcp-session-id': 'no-such-session' });
    expect(unknownSession.status).toBe(404);
    expect(JSON.parse(unknownSession.text)).toMatchObject({ error: { code: -32001 } });

    const plain = await rawPost(t.url, INITIALIZE, { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);

    const get = await fetch(new URL('/mcp', t.url), { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
    await get.body?.cancel();
    const del = await fetch(new URL('/mcp', t.url), { method: 'DELETE', headers: { 'mcp-session-id': 'nope' } });
    expect(del.status).toBe(404);
    await del.body?.cancel();

    // A raw initialize works and the session answers with the session id header.
    const init = await rawPost(t.url, INITIALIZE);
    expect(init.status).toBe(200);
    expect(init.sessionId).toBeTruthy();
    const badJsonInSession = await rawPost(t.url, '[1, 2', { 'mcp-session-id': init.sessionId ?? '' });
    expect(badJsonInSession.status).toBe(400);
    await expectStillServing(t.server);
  });
});

describe('MCP sessions are bounded', () => {
  let t: TestServer;
  let app: FastifyInstance;
  let url: string;
  let feature: McpFeature;

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])] });
    feature = createMcpFeature(t.server.ctx, pino({ level: 'silent' }), {
      maxSessions: 2,
      idleMs: 60_000,
      sweepMs: 60_000,
    });
    app = await buildApp(t.server.ctx, { routeSets: [(a) => feature.routes(a)] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await feature.stop?.();
    await app.close();
    await t.close();
  });

  it('evicts the least recently used session beyond the limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const init = await rawPost(url, INITIALIZE);
      expect(init.status).toBe(200);
      ids.push(init.sessionId ?? '');
    }
    expect(feature.sessions.size).toBe(2);
    expect(feature.sessions.get(ids[0] ?? '')).toBeUndefined();
    expect(feature.sessions.get(ids[2] ?? '')).toBeDefined();
    const evicted = await rawPost(url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
      'mcp-session-id': ids[0] ?? '',
    });
    expect(evicted.status).toBe(404);

    // Using the older of the two makes the other the least recently used.
    const used = await rawPost(url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), {
      'mcp-session-id': ids[1] ?? '',
    });
    expect(used.status).toBe(200);
    const fourth = await rawPost(url, INITIALIZE);
    expect(fourth.status).toBe(200);
    expect(feature.sessions.get(ids[1] ?? '')).toBeDefined();
    expect(feature.sessions.get(ids[2] ?? '')).toBeUndefined();
  });

  it('expires idle sessions but keeps those with an open stream', async () => {
    const idle = await rawPost(url, INITIALIZE);
    const { transport } = await connect(url);
    const live = feature.sessions.get(transport.sessionId ?? '');
    await vi.waitFor(() => expect(live?.open).toBeGreaterThanOrEqual(1));
    feature.sessions.sweep(Date.now() + 120_000);
    expect(feature.sessions.get(idle.sessionId ?? '')).toBeUndefined();
    expect(feature.sessions.get(transport.sessionId ?? '')).toBeDefined();
  });

  it('closes every session on stop', async () => {
    const { client } = await connect(url);
    expect(feature.sessions.size).toBeGreaterThan(0);
    await feature.stop?.();
    expect(feature.sessions.size).toBe(0);
    await expect(client.listTools()).rejects.toThrow();
  });
});

describe('MCP auth', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { userKey: 'user-key-123', adminKey: 'admin-key-123' },
      listen: true,
    });
  });
  afterAll(() => t.close());

  it('refuses a client without a valid key', async () => {
    const noKey = new Client({ name: 'no-key', version: '1' });
    await expect(noKey.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)))).rejects.toMatchObject({
      code: 401,
    });
    const badKey = new Client({ name: 'bad-key', version: '1' });
    const badTransport = new StreamableHTTPClientTransport(new URL('/mcp', t.url), {
      requestInit: { headers: { 'x-api-key': 'wrong-key-000' } },
    });
    await expect(badKey.connect(badTransport)).rejects.toMatchObject({ code: 401 });
    const res = await fetch(new URL('/mcp', t.url), { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('accepts the user key as X-API-Key or Bearer token', async () => {
    const variants: Array<Record<string, string>> = [
      { 'x-api-key': 'user-key-123' },
      { authorization: 'Bearer user-key-123' },
    ];
    for (const headers of variants) {
      const { client } = await connect(t.url, headers);
      expect(await toolNames(client)).toContain('ok__echo');
      expect((await call(client, 'ok__echo', { text: 'authed' })).structuredContent).toEqual({ text: 'authed' });
    }
  });
});

describe('MCP results', () => {
  it('uses object results as structuredContent and wraps anything else as {result}', () => {
    const done = (result: unknown) => ({ result, resultJson: JSON.stringify(result) });
    expect(successResult(done({ a: 1 }), false)).toEqual({
      content: [{ type: 'text', text: '{"a":1}' }],
      structuredContent: { a: 1 },
    });
    expect(successResult(done([1, 2]), false).structuredContent).toEqual({ result: [1, 2] });
    expect(successResult(done('text'), false).structuredContent).toEqual({ result: 'text' });
    expect(successResult(done(null), false).structuredContent).toEqual({ result: null });
    expect(successResult(done({ a: 1 }), true).structuredContent).toEqual({ result: { a: 1 } });
  });

  it('writes the same result as response text, with the worker text spliced in', () => {
    const image = { type: 'image' as const, data: 'iVBORw0KGgo=', mimeType: 'image/png' };
    const cases: Array<[unknown, boolean]> = [
      [{ a: 1, s: 'quote " and \\ and \u2028' }, false],
      [[1, 2], false],
      ['text', false],
      [null, false],
      [{ a: 1 }, true],
    ];
    for (const [result, wrap] of cases) {
      const done = { result, resultJson: JSON.stringify(result, null, 1) };
      for (const images of [[], [image]]) {
        expect(JSON.parse(successResponseJson('r-1', done, wrap, images))).toEqual({
          jsonrpc: '2.0',
          id: 'r-1',
          result: successResult(done, wrap, images),
        });
      }
    }
    expect(JSON.parse(successResponseJson(7, { result: 1, resultJson: '1' }, false))).toMatchObject({ id: 7 });
  });
});

describe('MCP tool names', () => {
  it('keeps valid unique names and hashes odd, long or colliding ones deterministically', () => {
    const long = 'x'.repeat(70);
    const names = assignNames([
      { plugin: 'ocr', tool: 'extract_text' },
      { plugin: 'ocr', tool: 'with space' },
      { plugin: 'p', tool: long },
      { plugin: 'a__b', tool: 'c' },
      { plugin: 'a', tool: 'b__c' },
    ]);
    expect(names.get('ocr__extract_text')).toEqual({ plugin: 'ocr', tool: 'extract_text' });
    expect(names.has('a__b__c')).toBe(false);
    expect(names.size).toBe(5);
    for (const name of names.keys()) expect(name).toMatch(MCP_TOOL_NAME);
    expect(names.get(hashedName({ plugin: 'ocr', tool: 'with space' }))).toEqual({ plugin: 'ocr', tool: 'with space' });
    expect(hashedName({ plugin: 'p', tool: long })).toBe(hashedName({ plugin: 'p', tool: long }));
  });
});
