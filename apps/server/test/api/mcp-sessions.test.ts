import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpFeature } from '../../src/api/mcp/index.js';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = 'admin-key-0123456789';
const USER = 'user-key-0123456789';
const OTHER_USER = 'other-user-key-0123456789';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function open(url: string, key: string | null): Promise<{ client: Client; sessionId: string }> {
  const client = new Client({ name: 'sessions-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers: key ? { 'x-api-key': key } : {} },
  });
  await client.connect(transport);
  const sessionId = transport.sessionId;
  if (!sessionId) throw new Error('no session id');
  return { client, sessionId };
}

/** A raw request on an existing session, with the given key (or none). */
async function onSession(
  url: string,
  method: 'POST' | 'GET' | 'DELETE',
  sessionId: string,
  key: string | null,
  via: 'x-api-key' | 'authorization' = 'x-api-key',
) {
  const headers: Record<string, string> = {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-06-18',
    'content-type': 'application/json',
    accept: method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
  };
  if (key) headers[via] = via === 'authorization' ? `Bearer ${key}` : key;
  const res = await fetch(new URL('/mcp', url), {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) } : {}),
  });
  const text = res.headers.get('content-type')?.includes('json') ? await res.text() : '';
  if (!text) await res.body?.cancel();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('MCP sessions are bound to the key that opened them', () => {
  let t: TestServer;
  let mcp: McpFeature;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { adminKey: ADMIN, userKey: USER, hashedKeys: [{ role: 'user', sha256: sha256(OTHER_USER) }] },
    });
    mcp = t.server.features.find((f) => f.name === 'mcp') as McpFeature;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await t?.close();
  });

  it('refuses another key (admin included) on every method with 403, and keeps the session', async () => {
    const { client, sessionId } = await open(t.url, USER);
    clients.push(client);
    for (const key of [OTHER_USER, ADMIN]) {
      for (const method of ['POST', 'GET', 'DELETE'] as const) {
        const res = await onSession(t.url, method, sessionId, key);
        expect(res.status, `${method} with another key`).toBe(403);
        expect(res.json).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
    }
    expect(mcp.sessions.get(sessionId)).toBeDefined();
    // The opener still uses it, with either header.
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('ok__echo');
    const bearer = await onSession(t.url, 'POST', sessionId, USER, 'authorization');
    expect(bearer.status).toBe(200);
  });

  it('refuses a request without a key (401: no key at all is UNAUTHORIZED)', async () => {
    const { client, sessionId } = await open(t.url, ADMIN);
    clients.push(client);
    const res = await onSession(t.url, 'POST', sessionId, null);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect(mcp.sessions.get(sessionId)).toBeDefined();
  });

  it('only the opening key can delete the session', async () => {
    const { sessionId } = await open(t.url, OTHER_USER);
    expect((await onSession(t.url, 'DELETE', sessionId, USER)).status).toBe(403);
    expect(mcp.sessions.get(sessionId)).toBeDefined();
    expect((await onSession(t.url, 'DELETE', sessionId, OTHER_USER)).status).toBe(200);
    expect(mcp.sessions.get(sessionId)).toBeUndefined();
  });
});

describe('MCP sessions on a key-less server', () => {
  let t: TestServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], listen: true });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await t?.close();
  });

  it('binds to the key presented at initialize too: another key or none is refused with 403', async () => {
    const { client, sessionId } = await open(t.url, 'whatever-key-1');
    clients.push(client);
    expect((await onSession(t.url, 'POST', sessionId, 'whatever-key-2')).status).toBe(403);
    expect((await onSession(t.url, 'POST', sessionId, null)).status).toBe(403);
    expect((await onSession(t.url, 'POST', sessionId, 'whatever-key-1')).status).toBe(200);

    const keyless = await open(t.url, null);
    clients.push(keyless.client);
    expect((await onSession(t.url, 'POST', keyless.sessionId, 'whatever-key-1')).status).toBe(403);
    expect((await onSession(t.url, 'POST', keyless.sessionId, null)).status).toBe(200);
  });
});

describe('/mcp methods', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])] });
  });
  afterAll(() => t?.close());

  it('answers PUT, PATCH and a plain OPTIONS with 405, an Allow header and the error shape', async () => {
    for (const method of ['PUT', 'PATCH', 'OPTIONS'] as const) {
      const res = await t.server.app.inject({ method, url: '/mcp', payload: method === 'OPTIONS' ? undefined : '{}' });
      expect(res.statusCode, method).toBe(405);
      expect(res.headers.allow).toBe('GET, POST, DELETE');
      expect(res.json()).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });
});
