import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  FIXTURES_DIR,
  HOSTILE_FIXTURES_DIR,
  expectStillServing,
  fixtureSubset,
  runTool,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

/**
 * Plugins that aim at the host's side of the sandbox boundary (docs/security.md): forged frames written straight to
 * the worker's socket, schemas built to stall or break the host. Each attack must end at most the attacker's
 * worker, with an honest code, and leave the server serving.
 */

const SCHEMA_FIXTURES = [
  'schema-invalid-type',
  'schema-too-deep',
  'schema-backref',
  'schema-huge',
  'schema-bad-output',
  'schema-unique-objects',
  'schema-catastrophic',
];

let t: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  const dir = fixtureSubset(['wire-attacker', 'forges-at-init', ...SCHEMA_FIXTURES], HOSTILE_FIXTURES_DIR);
  const okDir = fixtureSubset(['ok']);
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  t = await startTestServer({ pluginsDirs: [okDir, dir], config: { file: { maxResultMb: 1 } }, logger, listen: true });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function health(name: string) {
  const res = await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` });
  return res.json() as { state: string; reason: string | null; reason_code: string | null };
}

async function restart(name: string): Promise<void> {
  const res = await t.server.app.inject({ method: 'POST', url: `/v1/plugins/${name}/restart` });
  expect(res.statusCode).toBe(200);
  expect((await health(name)).state).toBe('INITIALIZED');
}

describe('forged frames end the worker that wrote them, never the host', () => {
  const breaches: Array<[tool: string, reason: RegExp]> = [
    ['ready_again', /sent 'ready' after its load had ended/],
    ['load_error_late', /sent 'load_error' after its load had ended/],
    ['disposed_unasked', /sent 'disposed' without being asked/],
    ['answer_unknown', /answered call 999999, which it was not running/],
    ['wrong_types', /outside the protocol/],
    ['extra_keys', /outside the protocol/],
    ['host_code', /outside the protocol/],
    ['deep_header', /header nested deeper than 256 levels/],
    ['deep_partial', /result nested deeper than 256 levels/],
    ['log_flood', /log frames faster than 2000 a second/],
    ['progress_flood', /progress frames faster than 1000 a second/],
    ['close_socket', /closed its connection to the host/],
    ['ready_flood', /sent 'ready' after its load had ended/],
    ['load_error_flood', /sent 'load_error' after its load had ended/],
    ['partial_flood', /partial frames faster than 500 a second/],
  ];

  for (const [tool, reason] of breaches) {
    it(`${tool} → 502 PLUGIN_CRASHED, FAILED, the server serves`, async () => {
      await restart('wire-attacker');
      const call = await runTool(t.server, 'wire-attacker', tool);
      expect(call.status).toBe(502);
      expect(call.body.error?.code).toBe('PLUGIN_CRASHED');
      expect(call.body.error?.message).toMatch(reason);
      const after = await health('wire-attacker');
      expect(after.state).toBe('FAILED');
      expect(after.reason_code).toBe('PLUGIN_CRASHED');
      await expectStillServing(t.server);
    });
  }

  it('a log flood reaches the host log as at most a relay window of lines', async () => {
    await restart('wire-attacker');
    const before = logLines.length;
    await runTool(t.server, 'wire-attacker', 'log_flood');
    const flood = logLines.slice(before).filter((l) => l.includes('flood '));
    expect(flood.length).toBeLessThanOrEqual(200);
  });

  it('a result that is not JSON is INVALID_OUTPUT naming the problem; the plugin stays available', async () => {
    await restart('wire-attacker');
    const call = await runTool(t.server, 'wire-attacker', 'not_json');
    expect(call.status).toBe(502);
    expect(call.body.error?.code).toBe('INVALID_OUTPUT');
    expect(call.body.error?.message).toMatch(/not valid JSON/);
    expect((await health('wire-attacker')).state).not.toBe('FAILED');
    await expectStillServing(t.server);
  });

  it('error details nested too deep are dropped: the caller gets our error body', async () => {
    await restart('wire-attacker');
    const call = await runTool(t.server, 'wire-attacker', 'deep_details');
    expect(call.status).toBe(400);
    expect(call.body.ok).toBe(false);
    expect(call.body.error?.code).toBe('INVALID_INPUT');
    expect(call.body.error).not.toHaveProperty('details');
    await expectStillServing(t.server);
  });

  it('maxResultMb counts UTF-8 bytes, not characters', async () => {
    await restart('wire-attacker');
    // 400 000 € signs: 0.4 M characters, 1.2 MB of UTF-8, over maxResultMb 1.
    const big = await runTool(t.server, 'wire-attacker', 'euro', { chars: 400_000 });
    expect(big.status).toBe(502);
    expect(big.body.error?.code).toBe('INVALID_OUTPUT');
    expect(big.body.error?.message).toMatch(/bytes of JSON, over the 1048576-byte limit/);
    const small = await runTool(t.server, 'wire-attacker', 'euro', { chars: 1000 });
    expect(small.status).toBe(200);
  });

  it('a malformed ready frame from init() fails the load, on every restart, and the host lives', async () => {
    for (let i = 0; i < 2; i++) {
      const h = await health('forges-at-init');
      expect(h.state).toBe('FAILED');
      expect(h.reason_code).toBe('LOAD_CRASHED');
      expect(h.reason).toMatch(/outside the protocol/);
      await t.server.app.inject({ method: 'POST', url: '/v1/plugins/forges-at-init/restart' });
    }
    await expectStillServing(t.server);
  });
});

describe('plugin schemas are checked at load and cannot stall the host', () => {
  const refused: Array<[plugin: string, reason: RegExp]> = [
    [
      'schema-invalid-type',
      /tool 'run' inputSchema \/properties\/name\/type: must be equal to one of the allowed values/,
    ],
    ['schema-too-deep', /tool 'run' inputSchema .*nested deeper than 32 levels/],
    ['schema-backref', /tool 'run' inputSchema \/properties\/s\/pattern: pattern .* not supported by the linear-time/],
    // Too complex either way: its validator code is over the limit, or (on a busy machine) its compile ran too long.
    ['schema-huge', /tool 'run' inputSchema(?: is too complex|: compiling the plugin's schemas took longer than)/],
    ['schema-bad-output', /tool 'run' outputSchema \/required: must be array/],
    [
      'schema-unique-objects',
      /tool 'run' inputSchema \/properties\/list\/uniqueItems: uniqueItems needs 'items' of a scalar type/,
    ],
  ];

  for (const [plugin, reason] of refused) {
    it(`${plugin} → FAILED VALIDATION_ERROR with the schema path`, async () => {
      const h = await health(plugin);
      expect(h.state).toBe('FAILED');
      expect(h.reason_code).toBe('VALIDATION_ERROR');
      expect(h.reason).toMatch(reason);
    });
  }

  it('a catastrophic pattern runs in linear time: the call is answered, not hung', async () => {
    // With a backtracking engine, ^(a+)+$ over 40 a's and a '!' takes longer than the age of the universe.
    const bad = await runTool(t.server, 'schema-catastrophic', 'run', { s: `${'a'.repeat(40_000)}!` });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('INVALID_INPUT');
    const good = await runTool(t.server, 'schema-catastrophic', 'run', { s: 'aaaa' });
    expect(good.status).toBe(200);
    await expectStillServing(t.server);
  });

  it('MCP tools/list keeps working for the other plugins', async () => {
    const client = new Client({ name: 'hostile-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toContain('ok__echo');
      expect(names).toContain('schema-catastrophic__run');
      expect(names.some((n) => n.startsWith('schema-too-deep'))).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('check-plugin reports the same problem', async () => {
    const { code, stderr } = await runCli(['check-plugin', path.join(HOSTILE_FIXTURES_DIR, 'schema-invalid-type')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/VALIDATION_ERROR.*\/properties\/name\/type/);
    const ok = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'ok')]);
    expect(ok.code).toBe(0);
  });
});
