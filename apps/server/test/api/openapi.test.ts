import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { ERROR_CODES } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodesOf } from '../../src/api/openapi/document.js';
import { OPERATIONS } from '../../src/api/openapi/operations.js';
import { rawHttp } from '../helpers/http.js';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

/** The operations of the HTTP, WebSocket and MCP contract (docs/architecture.md), and nothing else. */
const CONTRACT = [
  'GET /v1/plugins',
  'GET /v1/plugins/{name}/health',
  'GET /v1/plugins/{name}/manifest',
  'GET /v1/plugins/{name}/openapi.json',
  'POST /v1/plugins/{name}/tools/{tool}/run',
  'POST /v1/plugins/{name}/restart',
  'POST /v1/jobs',
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
  'GET /v1/jobs/{id}/input',
  'DELETE /v1/jobs/{id}',
  'GET /v1/cluster',
  'GET /v1/realtime',
  'GET /v1/stream',
  'POST /mcp',
  'GET /mcp',
  'DELETE /mcp',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
];

const ADMIN = { 'x-api-key': 'admin-key-123' };
const USER = { 'x-api-key': 'user-key-456' };
const MCP_ACCEPT = { accept: 'application/json, text/event-stream' };

const operationsOf = (doc: Doc): string[] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));

describe('OpenAPI document', () => {
  let t: TestServer;
  let doc: Doc;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ReturnType<Ajv['compile']>>();

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'throws', 'exits', 'missing-binary', 'unserialisable-output'])],
      config: { adminKey: ADMIN['x-api-key'], userKey: USER['x-api-key'], file: { maxUploadMb: 1 } },
      listen: true,
    });
    const res = await fetch(new URL('/openapi.json', t.url));
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(() => t.close());

  /** OpenAPI 3.0 writes exclusive bounds draft-04 style (a boolean beside minimum/maximum); ajv wants numbers. */
  function forAjv(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(forAjv);
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, forAjv(v)]));
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (out[flag] === true) {
        out[flag] = out[bound];
        delete out[bound];
      } else if (out[flag] === false) delete out[flag];
    }
    return out;
  }

  /** The documented schema of one answer, with the document's components to resolve `$ref`s against. */
  function validatorFor(key: string, status: number, schema: Json) {
    const id = `${key} ${status}`;
    let v = validators.get(id);
    if (!v) {
      v = ajv.compile(forAjv({ ...schema, components: doc.components }) as Json);
      validators.set(id, v);
    }
    return v;
  }

  const seen = new Map<string, Set<number>>();

  /**
   * Sends a real request for operation `key` and checks the answer against the document: its status is
   * documented, and a JSON body matches the schema documented for that status (for errors: the error body with a
   * code documented at that status).
   */
  async function call(
    key: string,
    url: string,
    init: { headers?: Record<string, string>; body?: string | FormData; json?: unknown } = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const [method, path] = key.split(' ') as [string, string];
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(new URL(url, t.url), { method, headers, body });
    const text = await res.text();
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${key} is documented`).toBeDefined();
    const documented = op?.responses[String(res.status)];
    expect(documented, `${key} answered ${res.status} (${text.slice(0, 200)}), which is not documented`).toBeDefined();
    seen.set(key, (seen.get(key) ?? new Set()).add(res.status));
    let parsed: unknown = text;
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('application/json')) {
      parsed = JSON.parse(text);
      const schema = documented?.content?.['application/json']?.schema;
      expect(schema, `${key} ${res.status} documents a JSON body`).toBeDefined();
      const validate = validatorFor(key, res.status, schema as Json);
      expect(validate(parsed) ? null : { body: parsed, errors: validate.errors }, `${key} ${res.status}`).toBeNull();
    } else if (text && !type.startsWith('text/event-stream')) {
      expect(Object.keys(documented?.content ?? {}), `${key} ${res.status} content type`).toContain(type.split(';')[0]);
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  it('lists exactly the served operations of the contract, each described by the operations table', () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(operationsOf(doc).sort()).toEqual([...CONTRACT].sort());
    expect(Object.keys(OPERATIONS).sort()).toEqual([...CONTRACT].sort());
    for (const key of CONTRACT) {
      const [method, path] = key.split(' ') as [string, string];
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(t.server.app.hasRoute({ method: method as 'GET', url }), key).toBe(true);
    }
  });

  it('gives every operation a unique operationId, a summary, a tag and its security', () => {
    const ids = new Set<string>();
    for (const key of CONTRACT) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()] as Operation;
      expect(op.operationId, key).toBe(OPERATIONS[key]?.operationId);
      ids.add(op.operationId as string);
      expect(op.summary, key).toBeTruthy();
      expect(op.tags, key).toHaveLength(1);
      expect(Array.isArray(op.security), key).toBe(true);
      for (const requirement of op.security ?? [])
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
    }
    expect(ids.size).toBe(CONTRACT.length);
    const sec = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      return doc.paths[path]?.[method.toLowerCase()]?.security;
    };
    expect(sec('GET /healthz')).toEqual([]);
    expect(sec('GET /v1/plugins')).toContainEqual({}); // a key only with BASTION_PROTECT_HEALTH
    expect(sec('POST /v1/plugins/{name}/restart')).not.toContainEqual({});
    expect(sec('GET /v1/realtime')).toContainEqual({ queryKey: [] });
  });

  it('documents every error code of every operation at its status, with the error body', () => {
    for (const [key, spec] of Object.entries(OPERATIONS)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()] as Operation;
      // Only keyless operations lack UNAUTHORIZED; the others' implied codes do not depend on the role.
      const access = op.security?.length === 0 ? 'public' : 'user';
      for (const code of errorCodesOf(spec, access)) {
        const status = ERROR_CODES[code].http;
        const schema = op.responses[String(status)]?.content?.['application/json']?.schema as
          { allOf: [Json, { properties: { error: { properties: { code: { enum: string[] } } } } }] } | undefined;
        expect(schema?.allOf[0], `${key} ${code}`).toEqual({ $ref: '#/components/schemas/ErrorBody' });
        expect(schema?.allOf[1].properties.error.properties.code.enum, `${key} ${status}`).toContain(code);
      }
    }
  });

  it('puts every shape in components, once, with every health record key required', () => {
    const record = doc.components.schemas.HealthRecord as { required: string[]; properties: Json };
    expect(record.required.sort()).toEqual(Object.keys(record.properties).sort());
    expect(doc.components.schemas.ErrorBody).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('"$id"');
  });

  it('answers only what it documents, with bodies that match the documented schemas', async () => {
    // Health, manifest, probes
    await call('GET /v1/plugins', '/v1/plugins');
    await call('GET /v1/plugins/{name}/health', '/v1/plugins/ok/health');
    await call('GET /v1/plugins/{name}/health', '/v1/plugins/missing-binary/health');
    expect((await call('GET /v1/plugins/{name}/health', '/v1/plugins/nope/health')).status).toBe(404);
    await call('GET /v1/plugins/{name}/manifest', '/v1/plugins/ok/manifest');
    await call('GET /v1/plugins/{name}/manifest', '/v1/plugins/nope/manifest');
    await call('GET /v1/plugins/{name}/openapi.json', '/v1/plugins/ok/openapi.json');
    await call('GET /v1/plugins/{name}/openapi.json', '/v1/plugins/nope/openapi.json');
    await call('GET /healthz', '/healthz');
    await call('GET /readyz', '/readyz');
    await call('GET /metrics', '/metrics');
    await call('GET /v1/cluster', '/v1/cluster');

    // Tool calls: every outcome the fixtures can produce
    const run = 'POST /v1/plugins/{name}/tools/{tool}/run';
    expect(
      (await call(run, '/v1/plugins/ok/tools/echo/run', { headers: USER, json: { args: { text: 'hi' } } })).status,
    ).toBe(200);
    expect((await call(run, '/v1/plugins/ok/tools/echo/run', { json: { args: { text: 'hi' } } })).status).toBe(401);
    expect(
      (await call(run, '/v1/plugins/ok/tools/echo/run', { headers: USER, json: { args: { n: -1 } } })).status,
    ).toBe(400);
    await call(run, '/v1/plugins/ok/tools/echo/run', {
      headers: { ...USER, 'content-type': 'application/json' },
      body: '{',
    });
    await call(run, '/v1/plugins/ok/tools/echo/run', { headers: { ...USER, 'content-type': 'text/plain' }, body: 'x' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'f.bin');
    expect((await call(run, '/v1/plugins/ok/tools/bytes/run', { headers: USER, body: form })).status).toBe(200);
    const big = new FormData();
    big.append('file', new Blob([new Uint8Array(2 * 1024 * 1024)]), 'big.bin');
    expect((await call(run, '/v1/plugins/ok/tools/bytes/run', { headers: USER, body: big })).status).toBe(413);
    expect((await call(run, '/v1/plugins/nope/tools/x/run', { headers: USER, json: {} })).status).toBe(404);
    expect((await call(run, '/v1/plugins/ok/tools/nope/run', { headers: USER, json: {} })).status).toBe(404);
    expect((await call(run, '/v1/plugins/throws/tools/run/run', { headers: USER, json: {} })).status).toBe(422);
    expect(
      (await call(run, '/v1/plugins/unserialisable-output/tools/run/run', { headers: USER, json: {} })).status,
    ).toBe(502);
    expect((await call(run, '/v1/plugins/missing-binary/tools/run/run', { headers: USER, json: {} })).status).toBe(503);
    expect((await call(run, '/v1/plugins/exits/tools/run/run', { headers: USER, json: {} })).status).toBe(502);
    expect((await call(run, '/v1/plugins/exits/tools/run/run', { headers: USER, json: {} })).status).toBe(503);

    // Restart needs the admin key
    const restart = 'POST /v1/plugins/{name}/restart';
    expect((await call(restart, '/v1/plugins/ok/restart', { headers: USER })).status).toBe(403);
    expect((await call(restart, '/v1/plugins/nope/restart', { headers: ADMIN })).status).toBe(404);
    expect((await call(restart, '/v1/plugins/ok/restart', { headers: ADMIN })).status).toBe(200);
    const bigJson = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
    await call(restart, '/v1/plugins/ok/restart', {
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{',
    });
    await call(restart, '/v1/plugins/ok/restart', {
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: bigJson,
    });

    // Jobs
    const submitted = await call('POST /v1/jobs', '/v1/jobs', {
      headers: USER,
      json: { plugin: 'ok', tool: 'echo', args: { text: 'job' } },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('location')).toMatch(/^\/v1\/jobs\//);
    const id = (submitted.body as { job_id: string }).job_id;
    await call('POST /v1/jobs', '/v1/jobs', { headers: USER, json: { plugin: 'ok' } });
    await call('POST /v1/jobs', '/v1/jobs', { headers: USER, json: { plugin: 'nope', tool: 'x' } });
    await call('POST /v1/jobs', '/v1/jobs', { headers: USER, json: { plugin: 'missing-binary', tool: 'run' } });
    await call('POST /v1/jobs', '/v1/jobs', { headers: USER, json: { plugin: 'ok', tool: 'echo', args: { n: 1 } } });
    let status = '';
    for (let i = 0; i < 1200 && status !== 'succeeded'; i++) {
      status = ((await call('GET /v1/jobs/{id}', `/v1/jobs/${id}`, { headers: USER })).body as { status: string })
        .status;
      if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe('succeeded');
    await call('GET /v1/jobs/{id}', '/v1/jobs/nope', { headers: USER });
    expect((await call('GET /v1/jobs/{id}/input', `/v1/jobs/${id}/input`, { headers: USER })).status).toBe(200);
    await call('GET /v1/jobs/{id}/input', '/v1/jobs/nope/input', { headers: USER });
    await call('GET /v1/jobs', '/v1/jobs?limit=1', { headers: USER });
    await call('GET /v1/jobs', '/v1/jobs?limit=0', { headers: USER });
    await call('GET /v1/jobs', '/v1/jobs?before=garbage', { headers: USER });
    await call('GET /v1/jobs', '/v1/jobs');
    expect((await call('DELETE /v1/jobs/{id}', `/v1/jobs/${id}`, { headers: USER })).status).toBe(400);
    await call('DELETE /v1/jobs/{id}', '/v1/jobs/nope', { headers: USER });
    await call('DELETE /v1/jobs/{id}', '/v1/jobs/nope', {
      headers: { ...USER, 'content-type': 'application/json' },
      body: bigJson,
    });

    // WebSocket endpoints over plain HTTP
    await call('GET /v1/realtime', '/v1/realtime', { headers: USER });
    await call('GET /v1/realtime', '/v1/realtime');
    await call('GET /v1/stream', '/v1/stream?plugin=ok&tool=echo', { headers: USER });
    await call('GET /v1/stream', '/v1/stream?plugin=ok&tool=echo&key=wrong');

    // MCP: the transport's JSON-RPC answers and the REST auth answer
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    const mcpJson = { ...USER, ...MCP_ACCEPT, 'content-type': 'application/json' };
    const opened = await call('POST /mcp', '/mcp', { headers: mcpJson, body: init });
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id') ?? '';
    expect(session).not.toBe('');
    const notification = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(
      (await call('POST /mcp', '/mcp', { headers: { ...mcpJson, 'mcp-session-id': session }, body: notification }))
        .status,
    ).toBe(202);
    await call('POST /mcp', '/mcp', { headers: mcpJson, body: '{' });
    await call('POST /mcp', '/mcp', { headers: { ...mcpJson, 'mcp-session-id': 'nope' }, body: notification });
    await call('POST /mcp', '/mcp', { headers: { ...mcpJson, accept: 'application/json' }, body: init });
    await call('POST /mcp', '/mcp', { headers: { ...MCP_ACCEPT, 'content-type': 'application/json' }, body: init });
    await call('GET /mcp', '/mcp', { headers: { ...USER, accept: 'text/event-stream' } });
    await call('GET /mcp', '/mcp', { headers: { ...USER, accept: 'text/event-stream', 'mcp-session-id': 'nope' } });
    await call('DELETE /mcp', '/mcp', { headers: { ...USER, 'mcp-session-id': 'nope' } });
    expect((await call('DELETE /mcp', '/mcp', { headers: { ...USER, 'mcp-session-id': session } })).status).toBe(200);
    await call('DELETE /mcp', '/mcp', { headers: USER });

    // Every operation was exercised, each that can fail on its input with an error too
    expect([...seen.keys()].sort()).toEqual([...CONTRACT].sort());
    const inputless = ['GET /v1/plugins', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/cluster'];
    for (const [key, statuses] of seen) {
      if (!inputless.includes(key))
        expect(
          [...statuses].some((s) => s >= 400),
          `${key} answered an error`,
        ).toBe(true);
    }
  });

  it('documents the FORBIDDEN answer of a Host the server does not answer to', async () => {
    const res = await rawHttp(t.url, 'GET', '/v1/plugins', { host: 'evil.example' });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body) as { error: { code: string } };
    expect(body.error.code).toBe('FORBIDDEN');
    const schema = doc.paths['/v1/plugins']?.get?.responses['403']?.content?.['application/json']?.schema as Json;
    const validate = ajv.compile(forAjv({ ...schema, components: doc.components }) as Json);
    expect(validate(body)).toBe(true);
  });
});
