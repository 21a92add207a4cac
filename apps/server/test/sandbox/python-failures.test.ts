import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { HealthRecord } from '@bastion/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noGpu } from '../helpers/gpu.js';
import { pythonFixtureSubset } from '../helpers/python.js';
import { expectStillServing, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Python plugins under the same guarantees as Node ones: one small real Python plugin per failure mode
 * (test/fixtures/python-plugins), shrunken limits (timeoutMs 2000, memoryMb 160). Each case asserts the code, the
 * state and that the server still serves.
 */
describe('Python failure fixtures', () => {
  let t: TestServer;
  let dir: string;
  const logs: string[] = [];
  const health = async (name: string): Promise<HealthRecord> => {
    const res = await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` });
    expect(res.statusCode).toBe(200);
    return res.json<HealthRecord>();
  };

  beforeAll(async () => {
    dir = pythonFixtureSubset([
      'py-ok',
      'py-import-error',
      'py-init-throws',
      'py-validate-throws',
      'py-exits-at-import',
      'py-sys-exit-at-import',
      'py-segfault',
      'py-hangs',
      'py-hangs-in-c',
      'py-memory-hog',
      'py-memory-error',
      'py-children',
      'py-missing-module',
      'py-old-dependency',
      'py-wrong-python',
      'py-forges-ipc',
      'py-forges-answer',
    ]);
    t = await startTestServer({
      gpu: noGpu(),
      pluginsDirs: [dir],
      logger: pino(
        { level: 'info' },
        { write: (line: string) => logs.push((JSON.parse(line) as { msg: string }).msg) },
      ),
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('load-time failures and dependency checks', () => {
    const cases: Array<[string, string, string, RegExp]> = [
      [
        'py-import-error',
        'FAILED',
        'IMPORT_ERROR',
        /ModuleNotFoundError: No module named 'definitely_not_a_module_xyz'/,
      ],
      ['py-init-throws', 'FAILED', 'INIT_ERROR', /RuntimeError: weights failed to load/],
      ['py-validate-throws', 'FAILED', 'VALIDATION_ERROR', /AssertionError: self-test inference disagreed/],
      ['py-exits-at-import', 'FAILED', 'LOAD_CRASHED', /exited with code 7/],
      ['py-sys-exit-at-import', 'FAILED', 'IMPORT_ERROR', /SystemExit: refusing to load/],
      [
        'py-missing-module',
        'UNAVAILABLE',
        'DEPENDENCY_MISSING',
        /Python module 'definitely_not_a_module_xyz' not found by \/usr\/bin\/python3/,
      ],
      ['py-old-dependency', 'UNAVAILABLE', 'DEPENDENCY_MISSING', /numpy>=99\.0 required, 1\.\d+\.\d+ installed/],
      ['py-wrong-python', 'UNAVAILABLE', 'DEPENDENCY_MISSING', /needs Python >=4\.0, \/usr\/bin\/python3 is 3\./],
    ];
    for (const [name, state, code, reason] of cases) {
      it(`${name} → ${state} ${code}`, async () => {
        const h = await health(name);
        expect([h.state, h.reason_code]).toEqual([state, code]);
        expect(h.reason).toMatch(reason);
        const call = await runTool(t.server, name, 'run');
        expect(call.status).toBe(503);
        await expectStillServing(t.server);
      });
    }

    it("a plugin's traceback goes to the server log, not into its health record", async () => {
      const h = await health('py-init-throws');
      expect(h.reason).not.toMatch(/Traceback/);
      expect(logs.join('\n')).toMatch(/Traceback \(most recent call last\)[\s\S]*weights failed to load/);
    });
  });

  describe('calls', () => {
    it('answers, with state from init() and binary arguments as bytes', async () => {
      const echo = await runTool(t.server, 'py-ok', 'echo', { text: 'hi é' });
      expect(echo.status).toBe(200);
      expect(echo.body.result).toEqual({ text: 'hi é', state: { loaded: 'yes' }, dir_ok: true });
      const size = await runTool(t.server, 'py-ok', 'size', { image: Buffer.from([7, 8, 9]).toString('base64') });
      expect(size.body.result).toEqual({ type: 'bytes', bytes: 3, first: 7 });
    });

    it('turns numpy values, dataclasses, pydantic models, enums and tuples into JSON', async () => {
      const call = await runTool(t.server, 'py-ok', 'data');
      expect(call.status).toBe(200);
      expect(call.body.result).toEqual({
        array: [
          [0, 1, 2],
          [3, 4, 5],
        ],
        scalar: 0.5,
        flag: true,
        box: { x: 1, score: 0.25 },
        face: { label: 'a', box: [1, 2] },
        colour: 'red',
        tuple: [1, 'two'],
        int_keys: { '0': 'zero' },
      });
    });

    const errors: Array<[string, number, string, RegExp]> = [
      ['bad_input', 400, 'INVALID_INPUT', /the image is empty/],
      ['raises', 422, 'TOOL_ERROR', /^ValueError: boom from python$/],
      ['exits', 422, 'TOOL_ERROR', /^SystemExit: 3$/],
      ['interrupts', 422, 'TOOL_ERROR', /^KeyboardInterrupt$/],
      ['nan', 502, 'INVALID_OUTPUT', /result\.score is NaN/],
      ['np_nan', 502, 'INVALID_OUTPUT', /result\.scores\[1\] is Infinity/],
      ['raw_bytes', 502, 'INVALID_OUTPUT', /result\.items\[1\]\.data is binary data/],
      ['a_set', 502, 'INVALID_OUTPUT', /result\.tags is a set/],
      ['an_object', 502, 'INVALID_OUTPUT', /result\.thing is an object of type Weird/],
      ['wrong_shape', 502, 'INVALID_OUTPUT', /outputSchema: \/text/],
    ];
    for (const [tool, status, code, message] of errors) {
      it(`${tool} → ${status} ${code}, the plugin stays available`, async () => {
        const call = await runTool(t.server, 'py-ok', tool);
        expect(call.status).toBe(status);
        expect(call.body.error?.code).toBe(code);
        expect(call.body.error?.message).toMatch(message);
        expect(call.body.error?.message).not.toMatch(/Traceback/);
        const h = await health('py-ok');
        expect(h.state).toBe('INITIALIZED');
        expect([h.crash_count, h.timeout_count]).toEqual([0, 0]);
        await expectStillServing(t.server);
      });
    }

    it("an InputError's details reach the caller", async () => {
      const call = await runTool(t.server, 'py-ok', 'bad_input');
      expect((call.body.error as { details?: unknown }).details).toEqual({ field: 'image' });
    });

    it('a flood of ctx.log lines is cut in the worker; stdout reaches the log', async () => {
      const before = logs.length;
      const call = await runTool(t.server, 'py-ok', 'noisy');
      expect(call.status).toBe(200);
      const mine = logs.slice(before).filter((l) => l.includes('[plugin py-ok]'));
      expect(mine.some((l) => l.includes('line 0'))).toBe(true);
      expect(mine.some((l) => l.includes('line 999'))).toBe(false);
      await expect.poll(() => logs.slice(before).some((l) => l.includes('printed to stdout'))).toBe(true);
    });
  });

  describe('dead or killed workers make the plugin FAILED', () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['py-segfault', 502, 'PLUGIN_CRASHED', /SIGSEGV/],
      ['py-hangs', 504, 'PLUGIN_TIMEOUT', /2000 ms/],
      ['py-hangs-in-c', 504, 'PLUGIN_TIMEOUT', /2000 ms/],
      ['py-memory-hog', 502, 'PLUGIN_MEMORY_LIMIT', /160 MB/],
      ['py-memory-error', 502, 'PLUGIN_MEMORY_LIMIT', /MemoryError/],
      ['py-children', 504, 'PLUGIN_TIMEOUT', /2000 ms/],
      ['py-forges-ipc', 502, 'PLUGIN_CRASHED', /IPC protocol \(a header that is not JSON\)/],
      ['py-forges-answer', 502, 'PLUGIN_CRASHED', /IPC protocol|protocol/],
    ];
    for (const [plugin, status, code, message] of cases) {
      it(`${plugin} → ${status} ${code}, FAILED`, async () => {
        const call = await runTool(t.server, plugin, plugin === 'py-forges-answer' ? 'forge_answer' : 'run');
        expect(call.status).toBe(status);
        expect(call.body.error?.code).toBe(code);
        expect(call.body.error?.message).toMatch(message);
        const h = await health(plugin);
        expect([h.state, h.reason_code]).toEqual(['FAILED', code]);
        expect(h.in_flight).toBe(0);
        const next = await runTool(t.server, plugin, 'run');
        expect(next.body.error?.code).toBe('PLUGIN_FAILED');
        await expectStillServing(t.server);
      });
    }

    it("a segfault's Python stack (faulthandler) is in the server log", () => {
      expect(logs.join('\n')).toMatch(/Fatal Python error: Segmentation fault[\s\S]*py_segfault/);
    });

    it('nothing a killed worker spawned outlives it', async () => {
      const alive = (): boolean =>
        readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .some((p) => {
            try {
              return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('987.654');
            } catch {
              return false;
            }
          });
      await expect.poll(alive, { timeout: 3000 }).toBe(false);
    });
  });
});
