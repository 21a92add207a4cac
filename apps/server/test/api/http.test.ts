import { createHash } from 'node:crypto';
import { HEALTH_RECORD_KEYS, type HealthRecord } from '@bastion/protocol';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

describe('HTTP API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws', 'missing-binary'])] });
  });
  afterAll(() => t.close());
  const inject = (opts: InjectOptions) => t.server.app.inject(opts);

  it('liveness, readiness, metrics', async () => {
    expect((await inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await runTool(t.server, 'ok', 'echo', { text: 'm' });
    await runTool(t.server, 'throws', 'run');
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/bastion_tool_calls_total\{plugin="ok",tool="echo",outcome="ok"\} [1-9]/);
    expect(metrics.body).toMatch(/bastion_tool_calls_total\{plugin="throws",tool="run",outcome="TOOL_ERROR"\} 1/);
    expect(metrics.body).toMatch(/bastion_plugin_state\{plugin="missing-binary",state="UNAVAILABLE"\} 1/);
    expect(metrics.body).toMatch(/bastion_worker_memory_peak_bytes\{plugin="ok"\} \d+/);
  });

  it('health detail answers 200 or 404 only, with every key present', async () => {
    const ok = await inject({ method: 'GET', url: '/v1/plugins/ok/health' });
    expect(ok.statusCode).toBe(200);
    const record = ok.json<HealthRecord>();
    expect(Object.keys(record).sort()).toEqual([...HEALTH_RECORD_KEYS].sort());
    for (const name of [
      'nope',
      '..',
      '%2e%2e',
      '%2e%2e%2f%2e%2e',
      'ünïcödé',
      '__proto__',
      'constructor',
      'a'.repeat(900),
    ]) {
      const res = await inject({ method: 'GET', url: `/v1/plugins/${name}/health` });
      expect(res.statusCode, name).toBe(404);
      expect(res.json().error.code, name).toMatch(/^(PLUGIN_NOT_FOUND|NOT_FOUND)$/);
    }
  });

  it('manifest lists tools with their schemas', async () => {
    const res = await inject({ method: 'GET', url: '/v1/plugins/ok/manifest' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.name).toBe('ok');
    expect(body.limits).toMatchObject({ timeoutMs: 3000, memoryMb: 256, maxQueue: 4 });
    const echo = body.tools.find((x: { name: string }) => x.name === 'echo');
    expect(echo.input_schema.required).toEqual(['text']);
    expect(echo.output_schema).not.toBeNull();
    expect((await inject({ method: 'GET', url: '/v1/plugins/nope/manifest' })).statusCode).toBe(404);
  });

  it('validates args against the input schema, listing each problem', async () => {
    const res = await runTool(t.server, 'ok', 'echo', { text: 5, n: -1, extra: true });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_INPUT');
    const details = (res.body.error as unknown as { details: Array<{ path: string }> }).details;
    expect(details.map((d) => d.path).sort()).toEqual(['/extra', '/n', '/text']);
    const missing = await runTool(t.server, 'ok', 'echo', {});
    expect((missing.body.error as unknown as { details: Array<{ path: string }> }).details[0]?.path).toBe('/text');
  });

  it('reads JSON bodies as UTF-8, whether all ASCII or not', async () => {
    for (const text of ['plain ascii', 'ünïcödé ✓ 漢字 🙂', '\u0000\u007f']) {
      const res = await inject({
        method: 'POST',
        url: '/v1/plugins/ok/tools/echo/run',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: Buffer.from(JSON.stringify({ args: { text } }), 'utf8'),
      });
      expect(res.statusCode, text).toBe(200);
      expect(res.json().result, text).toEqual({ text });
    }
    const latin1 = await inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/echo/run',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from('{"args":{"text":"caf\xe9"}}', 'latin1'),
    });
    expect(latin1.statusCode).toBe(200);
    expect(latin1.json().result).toEqual({ text: 'caf\ufffd' });
  });

  it('accepts binary args as base64, data: URL, and multipart file parts', async () => {
    const bytes = Buffer.from([1, 2, 3, 4, 5]);
    const b64 = await runTool(t.server, 'ok', 'bytes', { file: bytes.toString('base64') });
    expect(b64.body.result).toEqual({ bytes: 5, isUint8Array: true, first: 1, label: null });
    const dataUrl = await runTool(t.server, 'ok', 'bytes', {
      file: `data:application/octet-stream;base64,${bytes.toString('base64')}`,
    });
    expect((dataUrl.body.result as { bytes: number }).bytes).toBe(5);
    const bad = await runTool(t.server, 'ok', 'bytes', { file: '###not base64###' });
    expect(bad.body.error?.code).toBe('INVALID_INPUT');

    const boundary = '----bastion';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from([9, 8, 7]),
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="args"\r\n\r\n{"label":"hi"}\r\n--${boundary}--\r\n`,
      ),
    ]);
    const res = await inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/bytes/run',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: multipart,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result).toEqual({ bytes: 3, isUint8Array: true, first: 9, label: 'hi' });
  });

  it('answers every malformed request with a coded 4xx, never a 500', async () => {
    const cases: Array<{ name: string; req: InjectOptions; status: number; code: string }> = [
      {
        name: 'bad JSON',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { 'content-type': 'application/json' },
          payload: '{"args": {',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'text/plain',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { 'content-type': 'text/plain' },
          payload: 'hello',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'unknown type',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { 'content-type': 'application/x-weird' },
          payload: 'x',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'array body',
        req: { method: 'POST', url: '/v1/plugins/ok/tools/echo/run', payload: [1, 2] },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'args not object',
        req: { method: 'POST', url: '/v1/plugins/ok/tools/echo/run', payload: { args: 'x' } },
        status: 400,
        code: 'INVALID_INPUT',
      },
      {
        name: '__proto__ key',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { 'content-type': 'application/json' },
          payload: '{"args":{"text":"a","__proto__":{"polluted":true}}}',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'constructor key',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/echo/run',
          headers: { 'content-type': 'application/json' },
          payload: '{"args":{"text":"a","constructor":{"prototype":{"x":1}}}}',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      { name: 'unknown route', req: { method: 'GET', url: '/v2/whatever' }, status: 404, code: 'NOT_FOUND' },
      { name: 'wrong method', req: { method: 'DELETE', url: '/v1/plugins' }, status: 404, code: 'NOT_FOUND' },
      {
        name: 'odd plugin',
        req: { method: 'POST', url: '/v1/plugins/%2e%2e/tools/x/run', payload: {} },
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'dotted plugin',
        req: { method: 'POST', url: '/v1/plugins/a..b/tools/x/run', payload: {} },
        status: 404,
        code: 'PLUGIN_NOT_FOUND',
      },
      {
        name: 'unicode plugin',
        req: { method: 'POST', url: `/v1/plugins/${encodeURIComponent('插件')}/tools/x/run`, payload: {} },
        status: 404,
        code: 'PLUGIN_NOT_FOUND',
      },
      {
        name: 'bad url encoding',
        req: { method: 'GET', url: '/v1/plugins/%E0%A4%A/health' },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'unknown tool',
        req: { method: 'POST', url: '/v1/plugins/ok/tools/nope/run', payload: {} },
        status: 404,
        code: 'TOOL_NOT_FOUND',
      },
      {
        name: 'unavailable plugin',
        req: { method: 'POST', url: '/v1/plugins/missing-binary/tools/run/run', payload: {} },
        status: 503,
        code: 'PLUGIN_UNAVAILABLE',
      },
      {
        name: 'multipart without boundary',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/bytes/run',
          headers: { 'content-type': 'multipart/form-data' },
          payload: 'xx',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'multipart bad args field',
        req: {
          method: 'POST',
          url: '/v1/plugins/ok/tools/bytes/run',
          headers: { 'content-type': 'multipart/form-data; boundary=b' },
          payload: '--b\r\nContent-Disposition: form-data; name="args"\r\n\r\n{nope\r\n--b--\r\n',
        },
        status: 400,
        code: 'BAD_REQUEST',
      },
    ];
    for (const c of cases) {
      const res = await inject(c.req);
      expect(res.statusCode, c.name).toBe(c.status);
      expect(res.json().ok, c.name).toBe(false);
      expect(res.json().error.code, c.name).toBe(c.code);
      expect(res.body, c.name).not.toMatch(/at .*\.js:\d+/); // no stack traces to clients
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectStillServing(t.server);
  });

  it('refuses a body over the upload limit with PAYLOAD_TOO_LARGE', async () => {
    const small = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], config: { file: { maxUploadMb: 1 } } });
    try {
      const res = await small.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/ok/tools/bytes/run',
        payload: { args: { file: Buffer.alloc(2 * 1024 * 1024).toString('base64') } },
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
      await expectStillServing(small.server);
    } finally {
      await small.close();
    }
  });
});

describe('HTTP API with keys', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { adminKey: 'admin-key-123', userKey: 'user-key-456' },
    });
  });
  afterAll(() => t.close());

  it('needs a key to run tools; user may run, only admin may restart', async () => {
    expect((await runTool(t.server, 'ok', 'echo', { text: 'x' })).body.error?.code).toBe('UNAUTHORIZED');
    expect((await runTool(t.server, 'ok', 'echo', { text: 'x' }, { 'x-api-key': 'wrong-key-000' })).status).toBe(401);
    expect((await runTool(t.server, 'ok', 'echo', { text: 'x' }, { 'x-api-key': 'user-key-456' })).status).toBe(200);
    expect(
      (await runTool(t.server, 'ok', 'echo', { text: 'x' }, { authorization: 'Bearer user-key-456' })).status,
    ).toBe(200);
    const asUser = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { 'x-api-key': 'user-key-456' },
    });
    expect(asUser.statusCode).toBe(403);
    expect(asUser.json().error.code).toBe('FORBIDDEN');
    const asAdmin = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/restart',
      headers: { authorization: 'Bearer admin-key-123' },
    });
    expect(asAdmin.statusCode).toBe(200);
  });

  it('accepts keys stored only as their sha256', async () => {
    const sha256 = createHash('sha256').update('hashed-key-789').digest('hex');
    const hashed = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { hashedKeys: [{ role: 'admin', sha256 }] },
    });
    try {
      expect((await runTool(hashed.server, 'ok', 'echo', { text: 'x' })).status).toBe(401);
      expect(
        (await runTool(hashed.server, 'ok', 'echo', { text: 'x' }, { 'x-api-key': 'hashed-key-789' })).status,
      ).toBe(200);
      const restart = await hashed.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/ok/restart',
        headers: { 'x-api-key': 'hashed-key-789' },
      });
      expect(restart.statusCode).toBe(200);
    } finally {
      await hashed.close();
    }
  });

  it('health stays readable without a key unless protected', async () => {
    expect((await t.server.app.inject({ method: 'GET', url: '/v1/plugins' })).statusCode).toBe(200);
    const guarded = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { userKey: 'user-key-456', protectHealth: true },
    });
    try {
      expect((await guarded.server.app.inject({ method: 'GET', url: '/v1/plugins' })).statusCode).toBe(401);
      expect(
        (
          await guarded.server.app.inject({
            method: 'GET',
            url: '/v1/plugins',
            headers: { 'x-api-key': 'user-key-456' },
          })
        ).statusCode,
      ).toBe(200);
      expect((await guarded.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('no route answers 500', () => {
  it('survives a sweep of odd methods, paths, headers and bodies', async () => {
    const t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws', 'exits'])] });
    try {
      const paths = [
        '/',
        '/v1',
        '/v1/plugins',
        '/v1/plugins/ok',
        '/v1/plugins/ok/health',
        '/v1/plugins/ok/manifest',
        '/v1/plugins/ok/tools/echo/run',
        '/v1/plugins/ok/tools/bytes/run',
        '/v1/plugins/exits/tools/run/run',
        '/v1/plugins/ok/restart',
        '/v1/plugins/%00/health',
        '/v1/plugins/%ff%fe/health',
        '/metrics',
        '/openapi.json',
        '/v1/plugins/ok/tools/echo/run?x=%',
        '/healthz?' + 'a'.repeat(5000),
      ];
      const bodies: Array<[string | undefined, string | Buffer | undefined]> = [
        [undefined, undefined],
        ['application/json', ''],
        ['application/json', 'null'],
        ['application/json', '"str"'],
        ['application/json', '{"args":null}'],
        ['application/json', '{"args":{"text":"' + 'x'.repeat(5000) + '"}}'],
        ['application/json', '{"args":{"file":123}}'],
        ['application/json', Buffer.from([0xff, 0xfe, 0x00])],
        ['multipart/form-data; boundary=z', '--z\r\n\r\n--z--'],
        ['application/x-www-form-urlencoded', 'a=1'],
      ];
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
        for (const url of paths) {
          for (const [type, payload] of bodies) {
            const res = await t.server.app.inject({
              method,
              url,
              ...(payload !== undefined && method !== 'GET' ? { payload } : {}),
              headers: type ? { 'content-type': type } : {},
            });
            expect(res.statusCode, `${method} ${url} ${type}`).not.toBe(500);
            if (res.statusCode >= 500) {
              // only plugin outcomes (crash/timeout/busy) may be 5xx, never a host error
              expect(res.json().error.code, `${method} ${url}`).not.toBe('INTERNAL_ERROR');
            }
          }
        }
      }
      const metrics = (await t.server.app.inject({ url: '/metrics' })).body;
      expect(metrics).not.toMatch(/code="INTERNAL_ERROR"/);
      await expectStillServing(t.server);
    } finally {
      await t.close();
    }
  });
});
