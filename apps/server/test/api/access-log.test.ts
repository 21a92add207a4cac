import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, memoryLogger, runTool, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN_KEY = 'admin-key-0123456789';
const USER_KEY = 'user-key-0123456789';
const KEYS = { adminKey: ADMIN_KEY, userKey: USER_KEY };
/** The key id the logs show: the first 12 hex digits of the key's sha256. */
const idOf = async (key: string): Promise<string> =>
  Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)))
    .toString('hex')
    .slice(0, 12);

const accessLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.access === true);

describe('request ids and the access log', () => {
  let t: TestServer;
  const log = memoryLogger();
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'throws'])],
      config: { ...KEYS, accessLog: true },
      logger: log.logger,
    });
  });
  afterAll(() => t.close());

  it('answers the request id in X-Request-Id and in every error body as error.request_id', async () => {
    const ok = await t.server.app.inject({ url: '/v1/plugins', headers: { 'x-api-key': USER_KEY } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const [url, code, headers] of [
      ['/v1/plugins/nope/health', 'PLUGIN_NOT_FOUND', {}],
      ['/v1/nope', 'NOT_FOUND', { 'x-api-key': USER_KEY }],
      ['/v1/plugins/ok/restart', 'UNAUTHORIZED', {}],
      ['/v1/plugins/ok/restart', 'FORBIDDEN', { 'x-api-key': USER_KEY }],
    ] as const) {
      const res = await t.server.app.inject({ method: url.endsWith('restart') ? 'POST' : 'GET', url, headers });
      const body = res.json<{ error: { code: string; request_id: string } }>();
      expect(body.error.code).toBe(code);
      expect(body.error.request_id).toBe(res.headers['x-request-id']);
    }
    const failed = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/throws/tools/run/run',
      headers: { 'x-api-key': USER_KEY },
      payload: { args: {} },
    });
    expect(failed.json<{ error: { code: string; request_id: string } }>().error).toMatchObject({
      code: 'TOOL_ERROR',
      request_id: failed.headers['x-request-id'],
    });
  });

  it('keeps a forwarded X-Request-Id that is a plain token, and replaces one that is not', async () => {
    const kept = await t.server.app.inject({
      url: '/v1/nope',
      headers: { 'x-request-id': 'proxy-42.a:b_c', 'x-api-key': USER_KEY },
    });
    expect(kept.headers['x-request-id']).toBe('proxy-42.a:b_c');
    expect(kept.json<{ error: { request_id: string } }>().error.request_id).toBe('proxy-42.a:b_c');
    const forged = await t.server.app.inject({ url: '/v1/nope', headers: { 'x-request-id': 'x"\nlevel: 60' } });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one line per request: method, route, status, code, duration, request id, key id, remote address', async () => {
    log.lines.length = 0;
    const res = await t.server.app.inject({
      url: '/v1/plugins/nope/health',
      headers: { 'x-api-key': USER_KEY },
      remoteAddress: '127.0.0.9',
    });
    const ok = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: { authorization: `Bearer ${USER_KEY}` },
      payload: { args: { text: 'x' } },
    });
    const anonymous = await t.server.app.inject({ url: '/v1/plugins' });
    const lines = accessLines(log.lines);
    expect(lines).toHaveLength(3);
    const [miss, call, anon] = lines;
    expect(miss).toMatchObject({
      method: 'GET',
      route: '/v1/plugins/:name/health',
      status: 404,
      code: 'PLUGIN_NOT_FOUND',
      reqId: res.headers['x-request-id'],
      key_id: await idOf(USER_KEY),
      remote: '127.0.0.9',
    });
    expect(typeof miss?.ms).toBe('number');
    expect(call).toMatchObject({
      route: '/v1/plugins/:name/tools/:tool/run',
      status: 200,
      code: null,
      reqId: ok.headers['x-request-id'],
      key_id: await idOf(USER_KEY),
    });
    expect(anon).toMatchObject({ status: 200, key_id: null, reqId: anonymous.headers['x-request-id'] });
    // The key itself never reaches the log.
    expect(JSON.stringify(log.lines)).not.toContain(USER_KEY);
  });

  it('logs MCP requests too, whose answers the MCP transport writes itself', async () => {
    log.lines.length = 0;
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        'x-api-key': USER_KEY,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(res.statusCode).toBe(400); // no session
    expect(accessLines(log.lines)).toMatchObject([
      { method: 'POST', route: '/mcp', status: 400, reqId: res.headers['x-request-id'] },
    ]);
  });

  it('logs admin actions with the key id, and answers as before', async () => {
    log.lines.length = 0;
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { 'x-api-key': ADMIN_KEY },
    });
    expect(res.statusCode).toBe(200);
    const admin = log.lines.filter((l) => l.admin_action === 'restart');
    expect(admin.map((l) => [l.plugin, l.key_id, l.reqId])).toEqual([
      ['ok', await idOf(ADMIN_KEY), res.headers['x-request-id']],
      ['ok', await idOf(ADMIN_KEY), res.headers['x-request-id']],
    ]);
    expect(admin[1]?.state).toBe('INITIALIZED');
    expect(JSON.stringify(log.lines)).not.toContain(ADMIN_KEY);
    expect((await runTool(t.server, 'ok', 'echo', { text: 'y' }, { 'x-api-key': USER_KEY })).status).toBe(200);
  });
});

describe('access log off (the default at info)', () => {
  let t: TestServer;
  const log = memoryLogger();
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], config: KEYS, logger: log.logger });
  });
  afterAll(() => t.close());

  it('writes no access line, but still logs admin actions with the key id', async () => {
    expect((await t.server.app.inject({ url: '/v1/nope', headers: { 'x-api-key': USER_KEY } })).statusCode).toBe(404);
    const restart = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { 'x-api-key': ADMIN_KEY },
    });
    expect(restart.statusCode).toBe(200);
    expect(accessLines(log.lines)).toEqual([]);
    const admin = log.lines.filter((l) => l.admin_action === 'restart');
    expect(admin.map((l) => l.key_id)).toEqual([await idOf(ADMIN_KEY), await idOf(ADMIN_KEY)]);
  });
});

describe('access log at log level debug', () => {
  let t: TestServer;
  const log = memoryLogger('debug');
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { logLevel: 'debug' },
      logger: log.logger,
    });
  });
  afterAll(() => t.close());

  it('is on without --access-log', async () => {
    expect((await t.server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect(accessLines(log.lines)).toMatchObject([{ method: 'GET', route: '/healthz', status: 200 }]);
  });
});
