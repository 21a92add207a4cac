import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostCheck, parseAuthority } from '../../src/api/guard/host.js';
import { ConfigError, loadServeConfig } from '../../src/config/load.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { rawHttp } from '../helpers/http.js';
import { TestWs } from '../helpers/ws.js';

const accepts = (check: (host: string | undefined) => void, host: string | undefined): boolean => {
  try {
    check(host);
    return true;
  } catch {
    return false;
  }
};

describe('Host header parsing', () => {
  it.each([
    ['localhost', { hostname: 'localhost', port: null }],
    ['LocalHost:8000', { hostname: 'localhost', port: 8000 }],
    ['localhost.:8000', { hostname: 'localhost', port: 8000 }],
    ['127.0.0.1:80', { hostname: '127.0.0.1', port: 80 }],
    ['[::1]', { hostname: '::1', port: null }],
    ['[::1]:8000', { hostname: '::1', port: 8000 }],
  ])('%s', (value, expected) => expect(parseAuthority(value)).toEqual(expected));

  it.each(['', ':80', 'a b', 'localhost:abc', 'localhost:99999', '[::1', '[nope]:80', '::1', 'x@y', 'a/b'])(
    'refuses %j',
    (value) => expect(parseAuthority(value)).toBeNull(),
  );
});

describe('Host check', () => {
  it('accepts loopback names and addresses for a loopback bind, with or without a port', () => {
    const check = createHostCheck('127.0.0.1', []);
    for (const h of ['localhost', 'localhost:8000', '127.0.0.1:8000', '127.0.0.2', '[::1]:8000', 'LOCALHOST.']) {
      expect(accepts(check, h), h).toBe(true);
    }
    for (const h of ['evil.example', 'evil.example:8000', '192.168.1.5', '[::2]:8000', 'localhost.evil.example', '']) {
      expect(accepts(check, h), h).toBe(h === ''); // an empty Host is treated as none: no browser sends that
    }
    expect(accepts(check, undefined)).toBe(true); // HTTP/1.0 programs send no Host
    expect(accepts(createHostCheck('::1', []), '[::1]:9')).toBe(true);
    expect(accepts(createHostCheck('[::1]', []), 'localhost')).toBe(true);
  });

  it('accepts the bound address and the allowed hosts, and only them, for a specific bind', () => {
    const check = createHostCheck('10.0.0.5', ['bastion.lan', '[fd00::7]']);
    for (const h of ['10.0.0.5:8000', 'bastion.lan', 'BASTION.LAN:443', '[fd00::7]:8000'])
      expect(accepts(check, h), h).toBe(true);
    for (const h of ['localhost', '127.0.0.1', '10.0.0.6', 'evil.example', 'sub.bastion.lan'])
      expect(accepts(check, h), h).toBe(false);
  });

  it('accepts loopback and IP literals, but no other names, when bound to every interface', () => {
    for (const bind of ['0.0.0.0', '::']) {
      const check = createHostCheck(bind, ['bastion.lan']);
      for (const h of ['localhost:8000', '192.168.1.5:8000', '[fe80::1]', 'bastion.lan'])
        expect(accepts(check, h), h).toBe(true);
      for (const h of ['evil.example', '0.0.0.0.evil.example', 'my-laptop']) expect(accepts(check, h), h).toBe(false);
    }
  });

  it('refuses with FORBIDDEN', () => {
    expect(() => createHostCheck('127.0.0.1', [])('evil.example')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });
});

describe('allowed hosts configuration', () => {
  it('comes from the config file, BASTION_ALLOWED_HOSTS (comma-separated) and --allowed-host (repeatable)', () => {
    const c = loadServeConfig(['--allowed-host', 'a.lan', '--allowed-host', 'B.lan'], {
      BASTION_ALLOWED_HOSTS: 'c.lan, [fd00::1]',
    });
    expect(c.allowedHosts).toEqual(['c.lan', '[fd00::1]', 'a.lan', 'b.lan']);
    expect(loadServeConfig([], {}).allowedHosts).toEqual([]);
    expect(loadServeConfig([], {}).file.allowedHosts).toEqual([]);
  });

  it('refuses entries that are not host names', () => {
    for (const bad of ['a.lan:8000', 'http://a.lan', 'a b', '']) {
      expect(() => loadServeConfig(['--allowed-host', bad], {}), bad).toThrow(ConfigError);
    }
  });
});

describe('Host check on every surface', () => {
  let t: TestServer;
  let allowed: TestServer;

  beforeAll(async () => {
    const dir = fixtureSubset(['ok']);
    t = await startTestServer({ pluginsDirs: [dir], listen: true });
    allowed = await startTestServer({ pluginsDirs: [dir], config: { allowedHosts: ['bastion.lan'] } });
  });
  afterAll(async () => {
    await t?.close();
    await allowed?.close();
  });

  const rebound = { host: 'evil.example:8000', origin: 'http://evil.example:8000' };

  it('refuses REST requests for a foreign name with 403 FORBIDDEN before any plugin work', async () => {
    const before = t.server.ctx.registry.health('ok')?.success_count;
    for (const headers of [{ host: 'evil.example' }, rebound]) {
      const run = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/ok/tools/echo/run',
        headers,
        payload: { args: { text: 'x' } },
      });
      expect(run.statusCode).toBe(403);
      expect(run.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const list = await t.server.app.inject({ method: 'GET', url: '/v1/plugins', headers });
      expect(list.statusCode).toBe(403);
      const restart = await t.server.app.inject({ method: 'POST', url: '/v1/plugins/ok/restart', headers });
      expect(restart.statusCode).toBe(403);
    }
    expect(t.server.ctx.registry.health('ok')?.success_count).toBe(before);
    await expectStillServing(t.server);
  });

  it('accepts loopback names and the operator-allowed hosts', async () => {
    for (const host of ['localhost:8000', '127.0.0.1', '[::1]:8000']) {
      const res = await t.server.app.inject({ method: 'GET', url: '/v1/plugins', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
    const res = await allowed.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: { host: 'bastion.lan:8000', origin: 'http://bastion.lan:8000' },
      payload: { args: { text: 'via allowed host' } },
    });
    expect(res.statusCode).toBe(200);
    expect((await allowed.server.app.inject({ url: '/v1/plugins', headers: { host: 'other.lan' } })).statusCode).toBe(
      403,
    );
  });

  it('refuses WebSocket upgrades for a foreign name', async () => {
    for (const path of ['/v1/realtime', '/v1/stream?plugin=ok&tool=echo']) {
      const refused = await TestWs.refused(`${t.url}${path}`, { host: 'evil.example' });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    const ws = await TestWs.open(`${t.url}/v1/realtime`, { host: 'localhost' });
    expect((await ws.request({ type: 'ping' }, 'pong')).type).toBe('pong');
    ws.close();
  });

  it('refuses MCP for a foreign name, and the SDK client works for a loopback one', async () => {
    const mcp = t.server.features.find((f) => f.name === 'mcp') as unknown as { sessions: { size: number } };
    const before = mcp.sessions.size;
    const res = await rawHttp(
      t.url,
      'POST',
      '/mcp',
      {
        host: 'evil.example',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    );
    expect(res.status).toBe(403);
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(mcp.sessions.size).toBe(before);

    const client = new Client({ name: 'host-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('ok__echo');
    await client.close();
  });
});
