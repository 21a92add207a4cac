import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpFeature } from '../../src/api/mcp/index.js';
import { createOriginCheck, normalizeOrigin } from '../../src/api/guard/origin.js';
import { ConfigError, loadServeConfig } from '../../src/config/load.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs } from '../helpers/ws.js';

const FOREIGN = 'https://evil.example';
const LISTED = 'https://app.example.com';
const ADMIN = 'admin-key-0123456789';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

function verdict(origin: string | undefined, host: string | undefined, listed: string[] = []): string {
  try {
    return createOriginCheck(listed)(origin, host);
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('Origin check', () => {
  it('allows no Origin, the own origin and listed origins; refuses everything else', () => {
    expect(verdict(undefined, '127.0.0.1:8000')).toBe('none');
    expect(verdict('http://127.0.0.1:8000', '127.0.0.1:8000')).toBe('self');
    expect(verdict('http://LOCALHOST:8000', 'localhost:8000')).toBe('self');
    expect(verdict('http://[::1]:8000', '[::1]:8000')).toBe('self');
    expect(verdict('http://localhost', 'localhost:80')).toBe('self'); // default port either way
    expect(verdict('https://bastion.lan', 'bastion.lan')).toBe('self'); // behind a TLS proxy keeping Host
    expect(verdict('http://192.168.1.5:8000', '192.168.1.5:8000')).toBe('self'); // 0.0.0.0 bind, reached by IP
    expect(verdict(LISTED, '127.0.0.1:8000', [LISTED])).toBe('listed');
    expect(verdict('https://APP.example.com:443', '127.0.0.1:8000', [`${LISTED}/`])).toBe('listed');

    for (const [origin, host] of [
      [FOREIGN, '127.0.0.1:8000'],
      ['null', '127.0.0.1:8000'],
      ['http://127.0.0.1:3000', '127.0.0.1:8000'], // another port of the same host: another origin
      ['http://localhost:8000', '127.0.0.1:8000'], // another name for the same address: another origin
      ['https://bastion.lan', 'bastion.lan:80'], // https://bastion.lan is port 443
      ['http://127.0.0.1:8000', undefined],
      ['file://', '127.0.0.1:8000'],
      ['http://127.0.0.1:8000/path', '127.0.0.1:8000'],
      ['http://app.example.com', '127.0.0.1:8000'], // the listed one is https
      ['http://a, http://b', '127.0.0.1:8000'],
      ['', '127.0.0.1:8000'],
    ] as const) {
      expect(verdict(origin, host, [LISTED]), `${origin} @ ${host}`).toBe('FORBIDDEN');
    }
  });

  it('normalizes origins the way browsers send them', () => {
    expect(normalizeOrigin('HTTPS://App.Example.com:443/')).toBe('https://app.example.com');
    expect(normalizeOrigin('http://[::1]:80')).toBe('http://[::1]');
    expect(normalizeOrigin('ftp://x')).toBeNull();
    expect(normalizeOrigin('http://user@x')).toBeNull();
  });
});

describe('allowed origins configuration', () => {
  it('comes from BASTION_ALLOWED_ORIGINS (comma-separated) and --allowed-origin (repeatable)', () => {
    const c = loadServeConfig(['--allowed-origin', 'https://a.example', '--allowed-origin', 'http://b.example:3000/'], {
      BASTION_ALLOWED_ORIGINS: 'https://c.example, https://D.example',
    });
    expect(c.allowedOrigins).toEqual([
      'https://c.example',
      'https://d.example',
      'https://a.example',
      'http://b.example:3000',
    ]);
  });

  it('refuses entries that are not origins', () => {
    for (const bad of ['evil.example', 'https://a.example/path', 'ftp://a.example', '*', 'null']) {
      expect(() => loadServeConfig(['--allowed-origin', bad], {}), bad).toThrow(ConfigError);
    }
  });
});

describe('Origin check on every surface (no keys: everyone would be admin)', () => {
  let t: TestServer;
  let mcp: McpFeature;
  let host: string;

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], listen: true });
    mcp = t.server.features.find((f) => f.name === 'mcp') as McpFeature;
    host = new URL(t.url).host;
  });
  afterAll(() => t?.close());

  const health = () => t.server.ctx.registry.health('ok');

  it('refuses cross-site forms and fetches to run tools or restart plugins, before any plugin work', async () => {
    const calls = health()?.success_count;
    const loadedAt = health()?.loaded_at;
    const boundary = 'x';
    const forms = [
      { 'content-type': 'text/plain', payload: '{"args":{"text":"csrf"}}' },
      {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\ncsrf\r\n--${boundary}--\r\n`,
      },
      { 'content-type': 'application/json', payload: '{"args":{"text":"csrf"}}' },
    ];
    for (const origin of [FOREIGN, 'null', `http://127.0.0.1:1`]) {
      for (const { payload, ...headers } of forms) {
        const res = await t.server.app.inject({
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { ...headers, origin, host },
          payload,
        });
        expect(res.statusCode, `${origin} ${headers['content-type']}`).toBe(403);
        expect(res.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      const restart = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/ok/restart',
        headers: { origin, host },
      });
      expect(restart.statusCode).toBe(403);
      const job = await t.server.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { origin, host },
        payload: { plugin: 'ok', tool: 'echo', args: { text: 'x' } },
      });
      expect(job.statusCode).toBe(403);
    }
    expect(health()?.success_count).toBe(calls);
    expect(health()?.loaded_at).toBe(loadedAt);
    await expectStillServing(t.server);
  });

  it('serves requests without Origin and from its own origin, without CORS headers', async () => {
    for (const headers of [{ host }, { host, origin: `http://${host}` }]) {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/ok/tools/echo/run',
        headers,
        payload: { args: { text: 'same origin' } },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers a preflight from a foreign origin with 403 and no CORS headers', async () => {
    const res = await t.server.app.inject({
      method: 'OPTIONS',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: { origin: FOREIGN, host, 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses WebSocket upgrades from a foreign origin on both endpoints', async () => {
    for (const path of ['/v1/realtime', '/v1/stream?plugin=ok&tool=echo']) {
      for (const origin of [FOREIGN, 'null']) {
        const refused = await TestWs.refused(`${t.url}${path}`, { origin });
        expect(refused.status, `${path} ${origin}`).toBe(403);
        expect(refused.body).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
      const own = await TestWs.open(`${t.url}${path}`, { origin: t.url });
      expect((await own.request({ type: 'ping' }, 'pong')).type).toBe('pong');
      own.close();
    }
  });

  it('refuses MCP from a foreign origin without opening a session; SDK clients (no Origin) work', async () => {
    const before = mcp.sessions.size;
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await fetch(new URL('/mcp', t.url), {
        method,
        headers: {
          origin: FOREIGN,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        ...(method === 'POST' ? { body: INITIALIZE } : {}),
      });
      expect(res.status, method).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect(res.headers.get('mcp-session-id')).toBeNull();
    }
    expect(mcp.sessions.size).toBe(before);

    const client = new Client({ name: 'origin-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('ok__echo');
    await client.close();
  });
});

describe('Origin check with keys and with operator-allowed origins', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { adminKey: ADMIN, allowedOrigins: [LISTED] },
    });
  });
  afterAll(() => t?.close());

  it('refuses a foreign origin even with a valid admin key', async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { origin: FOREIGN, 'x-api-key': ADMIN },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const ws = await TestWs.refused(`${t.url}/v1/realtime?key=${ADMIN}`, { origin: FOREIGN });
    expect(ws.status).toBe(403);
  });

  it('answers CORS for a listed origin: preflight without a key, then the call with one', async () => {
    const preflight = await t.server.app.inject({
      method: 'OPTIONS',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: {
        origin: LISTED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-api-key',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(LISTED);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('x-api-key');
    expect(String(preflight.headers.vary)).toContain('Origin');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: { origin: LISTED, 'x-api-key': ADMIN },
      payload: { args: { text: 'cors' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(LISTED);
    // Errors carry the CORS headers too, so the page can read the coded error.
    const unauth = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { origin: LISTED },
    });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.headers['access-control-allow-origin']).toBe(LISTED);
  });

  it('lets a listed origin use MCP and read the session id', async () => {
    const preflight = await fetch(new URL('/mcp', t.url), {
      method: 'OPTIONS',
      headers: {
        origin: LISTED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-session-id, authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(LISTED);

    const res = await fetch(new URL('/mcp', t.url), {
      method: 'POST',
      headers: {
        origin: LISTED,
        authorization: `Bearer ${ADMIN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: INITIALIZE,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(String(res.headers.get('access-control-expose-headers'))).toContain('mcp-session-id');
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
    await res.body?.cancel();
  });

  it('opens WebSockets for a listed origin', async () => {
    const ws = await TestWs.open(`${t.url}/v1/realtime?key=${ADMIN}`, { origin: LISTED });
    expect((await ws.request({ type: 'ping' }, 'pong')).type).toBe('pong');
    ws.close();
  });
});
