import type { HealthRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noGpu, oneGpu } from '../helpers/gpu.js';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * One small real plugin per failure mode (test/fixtures/plugins), under shrunken limits (timeoutMs 2000,
 * memoryMb 160). Each case asserts the code, the state, the health record, and that the server still serves.
 */
describe('failure fixtures', () => {
  let t: TestServer;
  const health = async (name: string): Promise<HealthRecord> => {
    const res = await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` });
    expect(res.statusCode).toBe(200);
    return res.json<HealthRecord>();
  };

  beforeAll(async () => {
    // The GPU probe is driven explicitly, so these pass on a machine with a GPU as well as without.
    t = await startTestServer({ gpu: noGpu() });
  });
  afterAll(() => t.close());

  describe('load-time failures', () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['bad-manifest', 'FAILED', 'MANIFEST_INVALID', /type.*module.*apiVersion|apiVersion.*type/s],
      ['broken-json', 'FAILED', 'MANIFEST_INVALID', /package\.json/],
      ['import-throws', 'FAILED', 'IMPORT_ERROR', /broken at import/],
      ['import-hangs', 'FAILED', 'LOAD_TIMEOUT', /loadTimeoutMs/],
      ['init-throws', 'FAILED', 'INIT_ERROR', /model failed to load/],
      ['validate-throws', 'FAILED', 'VALIDATION_ERROR', /self-test inference/],
      ['no-default-export', 'FAILED', 'IMPORT_ERROR', /definePlugin/],
      ['missing-package', 'UNAVAILABLE', 'DEPENDENCY_MISSING', /npm install definitely-not-installed-pkg-xyz/],
      ['missing-binary', 'UNAVAILABLE', 'BINARY_MISSING', /definitely-not-a-binary-xyz.*PATH/],
      ['missing-model', 'UNAVAILABLE', 'MODEL_MISSING', /models\/model\.onnx does not exist; download/],
      ['corrupt-model', 'UNAVAILABLE', 'MODEL_CORRUPT', /does not look like a gzip file/],
      ['needs-gpu', 'UNAVAILABLE', 'GPU_UNAVAILABLE', /allowCpu/],
    ];
    for (const [name, state, code, reason] of cases) {
      it(`${name} → ${state} ${code}`, async () => {
        const h = await health(name);
        expect(h.state).toBe(state);
        expect(h.reason_code).toBe(code);
        expect(h.reason).toMatch(reason);
        expect(h.uptime_seconds).toBeNull();
        const call = await runTool(t.server, name, 'run');
        expect(call.status).toBe(503);
        expect(call.body.error?.code).toBe(state === 'FAILED' ? 'PLUGIN_FAILED' : 'PLUGIN_UNAVAILABLE');
        expect((call.body.error as { details?: { reason_code?: string } }).details?.reason_code).toBe(code);
        await expectStillServing(t.server);
      });
    }

    it('a worker that dies while loading is LOAD_CRASHED and counted as a crash', async () => {
      const h = await health('init-exits');
      expect([h.state, h.reason_code]).toEqual(['FAILED', 'LOAD_CRASHED']);
      expect(h.reason).toMatch(/exited with code 7/);
      expect(h.crash_count).toBe(1);
      expect(h.timeout_count).toBe(0);
      const call = await runTool(t.server, 'init-exits', 'run');
      expect(call.body.error?.code).toBe('PLUGIN_FAILED');
      // A load that times out is not a crash.
      expect((await health('import-hangs')).crash_count).toBe(0);
      await expectStillServing(t.server);
    });
  });

  describe('tool errors keep the plugin available', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['throws', 'run', /boom from plugin/],
      ['throws-non-error', 'run', /non-Error thrown: \{"weird":42\}/],
      ['rejects-later', 'run', /late rejection/],
      ['unhandled-rejection', 'run', /unhandled rejection: nobody awaited me/],
    ];
    for (const [plugin, tool, message] of cases) {
      it(`${plugin} → 422 TOOL_ERROR, still INITIALIZED`, async () => {
        const before = await health(plugin);
        const call = await runTool(t.server, plugin, tool);
        expect(call.status).toBe(422);
        expect(call.body.error?.code).toBe('TOOL_ERROR');
        expect(call.body.error?.message).toMatch(message);
        const h = await health(plugin);
        expect(h.state).toBe('INITIALIZED');
        expect(h.error_count).toBe(before.error_count + 1);
        expect(h.crash_count).toBe(0);
        expect(h.last_error?.code).toBe('TOOL_ERROR');
        // and it keeps answering
        const again = await runTool(t.server, plugin, tool);
        expect(again.body.error?.code).toBe('TOOL_ERROR');
        await expectStillServing(t.server);
      });
    }

    const outputs: Array<[string, string, RegExp]> = [
      ['unserialisable-output', 'run', /circular/i],
      ['unserialisable-output', 'bigint', /BigInt/],
      ['huge-output', 'run', /over the .*-byte limit/],
      ['ok', 'bad_output', /outputSchema/],
    ];
    for (const [plugin, tool, message] of outputs) {
      it(`${plugin}/${tool} → 502 INVALID_OUTPUT, still available`, async () => {
        const call = await runTool(t.server, plugin, tool);
        expect(call.status).toBe(502);
        expect(call.body.error?.code).toBe('INVALID_OUTPUT');
        expect(call.body.error?.message).toMatch(message);
        expect((await health(plugin)).state).toBe('INITIALIZED');
        await expectStillServing(t.server);
      });
    }
  });

  describe('dead or killed workers make the plugin FAILED', () => {
    const cases: Array<[string, number, string, 'crash' | 'timeout', RegExp]> = [
      ['exits', 502, 'PLUGIN_CRASHED', 'crash', /exited with code 3/],
      ['aborts', 502, 'PLUGIN_CRASHED', 'crash', /SIGABRT/],
      ['kills-itself', 502, 'PLUGIN_CRASHED', 'crash', /SIGKILL/],
      ['forges-ipc', 502, 'PLUGIN_CRASHED', 'crash', /IPC protocol \(a header that is not JSON\)/],
      ['hangs-sync', 504, 'PLUGIN_TIMEOUT', 'timeout', /2000 ms/],
      ['hangs-promise', 504, 'PLUGIN_TIMEOUT', 'timeout', /2000 ms/],
      ['heap-leak', 502, 'PLUGIN_MEMORY_LIMIT', 'crash', /160 MB|heap/],
      ['native-leak', 502, 'PLUGIN_MEMORY_LIMIT', 'crash', /160 MB/],
    ];
    for (const [plugin, status, code, kind, message] of cases) {
      it(`${plugin} → ${status} ${code}, FAILED, counted once`, async () => {
        const call = await runTool(t.server, plugin, 'run');
        expect(call.status).toBe(status);
        expect(call.body.error?.code).toBe(code);
        expect(call.body.error?.message).toMatch(message);
        const h = await health(plugin);
        expect(h.state).toBe('FAILED');
        expect(h.reason_code).toBe(code);
        expect(h.reason).toMatch(message);
        expect(h.error_count).toBe(1);
        expect(h.crash_count).toBe(kind === 'crash' ? 1 : 0);
        expect(h.timeout_count).toBe(kind === 'timeout' ? 1 : 0);
        expect(h.in_flight).toBe(0);
        expect(h.last_error?.code).toBe(code);
        if (code === 'PLUGIN_MEMORY_LIMIT') {
          expect(h.memory_peak_mb).toBeGreaterThanOrEqual(150); // a V8 heap OOM can end it right at the limit
          // Sampling every 25 ms stops even a fast native leak well before 2× (bench/ measures the real ratio).
          expect(h.memory_peak_mb).toBeLessThan(320);
        }
        const next = await runTool(t.server, plugin, 'run');
        expect(next.status).toBe(503);
        expect(next.body.error?.code).toBe('PLUGIN_FAILED');
        await expectStillServing(t.server);
      });
    }
  });

  describe('values a plugin hands back that the worker cannot encode', () => {
    for (const tool of ['getter', 'proxy', 'revoked', 'tostring', 'symbol', 'error_proxy']) {
      it(`throwing a hostile value (${tool}) → 422 TOOL_ERROR with a placeholder, worker alive`, async () => {
        const call = await runTool(t.server, 'hostile-throws', tool);
        expect(call.status).toBe(422);
        expect(call.body.error?.code).toBe('TOOL_ERROR');
        expect(call.body.error?.message.length).toBeGreaterThan(0);
        const h = await health('hostile-throws');
        expect(h.state).toBe('INITIALIZED');
        expect([h.crash_count, h.timeout_count]).toEqual([0, 0]);
        await expectStillServing(t.server);
      });
    }

    const lossy: Array<[string, RegExp]> = [
      ['function', /result\.items\[2\]\.fn is a function/],
      ['symbol', /result\.s is a symbol/],
      ['bigint', /result\.deep\.n is a BigInt/],
      ['undefined_in_array', /result\.list\[1\] is undefined in an array/],
      ['nan', /result\.score is NaN/],
      ['infinity', /result\[0\]\.v is Infinity/],
      ['map', /result\.m is a Map/],
      ['set', /result\.s is a Set/],
      ['typed_array', /result\.pixels is binary data/],
      ['buffer', /result\.data is binary data/],
      ['odd_key', /result\["a b"\]\.f is a function/],
      ['to_json_throws', /reading it threw/],
      ['getter_throws', /reading it threw/],
      ['proxy', /reading it threw/],
      ['revoked', /reading it threw|revoked/],
    ];
    for (const [tool, message] of lossy) {
      it(`a result JSON would change (${tool}) → 502 INVALID_OUTPUT naming it, still available`, async () => {
        const call = await runTool(t.server, 'hostile-output', tool);
        expect(call.status).toBe(502);
        expect(call.body.error?.code).toBe('INVALID_OUTPUT');
        expect(call.body.error?.message).toMatch(message);
        const h = await health('hostile-output');
        expect(h.state).toBe('INITIALIZED');
        expect([h.crash_count, h.timeout_count]).toEqual([0, 0]);
        await expectStillServing(t.server);
      });
    }

    it('a Date becomes its ISO string and an undefined property is left out, as JSON does', async () => {
      const call = await runTool(t.server, 'hostile-output', 'date');
      expect(call.status).toBe(200);
      expect(call.body.result).toEqual({ at: '2026-01-02T03:04:05.000Z', nested: [null, true, 'x'] });
    });
  });

  describe("a plugin's InputError is the caller's mistake", () => {
    it('→ 400 INVALID_INPUT with its message and details; no failure counter changes', async () => {
      const before = await health('input-error');
      const call = await runTool(t.server, 'input-error', 'run');
      expect(call.status).toBe(400);
      expect(call.body.error?.code).toBe('INVALID_INPUT');
      expect(call.body.error?.message).toBe('image is not a PNG');
      expect((call.body.error as { details?: unknown }).details).toEqual({ field: 'image', expected: ['png'] });
      const odd = await runTool(t.server, 'input-error', 'odd_details');
      expect(odd.status).toBe(400);
      expect((odd.body.error as { details?: unknown }).details).toBeUndefined();
      const h = await health('input-error');
      expect(h.state).toBe('INITIALIZED');
      expect(h.input_error_count).toBe(before.input_error_count + 2);
      expect([h.error_count, h.crash_count, h.timeout_count]).toEqual([
        before.error_count,
        before.crash_count,
        before.timeout_count,
      ]);
      expect(h.last_error).toBeNull();
      expect((await runTool(t.server, 'input-error', 'ok')).status).toBe(200);
      const metrics = await t.server.app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(
        /bastion_tool_calls_total\{plugin="input-error",tool="run",outcome="INVALID_INPUT"\} 1/,
      );
      await expectStillServing(t.server);
    });
  });

  it('what init() returns is ctx.state in validate() and every handler', async () => {
    expect((await health('stateful')).state).toBe('INITIALIZED'); // validate() checks it got the state
    const first = await runTool(t.server, 'stateful', 'count');
    const second = await runTool(t.server, 'stateful', 'count');
    expect(first.body.result).toEqual({ calls: 1, model: 'loaded-in-init' });
    expect(second.body.result).toEqual({ calls: 2, model: 'loaded-in-init' });
    await expectStillServing(t.server);
  });

  it('the list endpoint includes FAILED and UNAVAILABLE plugins, sorted by name', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/v1/plugins' });
    expect(res.statusCode).toBe(200);
    const list = res.json<HealthRecord[]>();
    const names = list.map((h) => h.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(list.map((h) => h.state))).toEqual(new Set(['INITIALIZED', 'FAILED', 'UNAVAILABLE']));
    for (const h of list) expect(h.isolation).toBe(t.server.isolation.mode);
  });

  it('restart brings a crashed plugin back from FAILED, keeping its counters', async () => {
    await runTool(t.server, 'exits', 'run');
    const res = await t.server.app.inject({ method: 'POST', url: '/v1/plugins/exits/restart' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'exits', state: 'INITIALIZED' });
    const h = await health('exits');
    expect(h.state).toBe('INITIALIZED');
    expect(h.crash_count).toBeGreaterThanOrEqual(1);
    expect(h.uptime_seconds).not.toBeNull();
  });

  it('restart of an UNAVAILABLE plugin re-runs the checks and stays UNAVAILABLE while they fail', async () => {
    const res = await t.server.app.inject({ method: 'POST', url: '/v1/plugins/missing-binary/restart' });
    expect(res.json()).toEqual({ name: 'missing-binary', state: 'UNAVAILABLE' });
  });
});

describe('a plugin that needs a GPU, on a machine with one', () => {
  it('loads (the same fixture that is GPU_UNAVAILABLE without one)', async () => {
    const t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'needs-gpu'])], gpu: oneGpu() });
    try {
      const h = (await t.server.app.inject({ url: '/v1/plugins/needs-gpu/health' })).json<HealthRecord>();
      expect([h.state, h.reason_code]).toEqual(['INITIALIZED', null]);
      expect((await runTool(t.server, 'needs-gpu', 'run')).status).toBe(200);
      await expectStillServing(t.server);
    } finally {
      await t.close();
    }
  });
});
