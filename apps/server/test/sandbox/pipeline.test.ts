import type { HealthRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/runner/tool-runner.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Calls handed to a busy worker whose calls are short (they wait in its socket, not in the pool's queue), through
 * the real server: `ok` has concurrency 1, timeoutMs 3000, maxQueue 4.
 */
describe('calls waiting inside a worker', () => {
  let t: TestServer;
  const health = async () =>
    (await t.server.app.inject({ method: 'GET', url: '/v1/plugins/ok/health' })).json<HealthRecord>();
  const run = (tool: string, args: Record<string, unknown>, extra: Partial<RunOptions> = {}) =>
    t.server.ctx.runner.run(t.server.ctx.runner.prepare('ok', tool, args), { mode: 'direct', ...extra });
  /** Short calls first (enough to outweigh the long ones before), so that the worker takes the next call while busy. */
  const warm = async () => {
    for (let i = 0; i < 40; i++) await run('echo', { text: 'warm' });
  };

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])] });
  });
  afterAll(() => t.close());

  it('each one gets its whole timeout from its own start', async () => {
    await warm();
    // 2 × 1800 ms back to back on one worker: longer than timeoutMs (3000) in all, shorter each.
    const calls = [run('stubborn', { ms: 1800 }), run('stubborn', { ms: 1800 })];
    expect((await health()).queue_depth).toBe(1);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.result)).toEqual([{ waited: 1800 }, { waited: 1800 }]);
    const h = await health();
    expect([h.timeout_count, h.queue_depth, h.state]).toEqual([0, 0, 'INITIALIZED']);
  });

  it('a waiting call cancelled ends at once; the running call and its worker go on', async () => {
    await warm();
    const controller = new AbortController();
    const running = run('slow', { ms: 600 });
    const waiting = run('echo', { text: 'never' }, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    // Had the worker been replaced, the running call would have been cut too.
    await expect(running).resolves.toMatchObject({ result: { waited: 600 } });
    expect((await health()).error_count).toBe(0);
  });

  it('when their worker is replaced (a cancelled call that ignores its signal), they run on the new one', async () => {
    await warm();
    const before = await health();
    const controller = new AbortController();
    const stuck = run('stubborn', { ms: 30_000 }, { signal: controller.signal });
    const behind = [run('echo', { text: 'a' }), run('echo', { text: 'b' })];
    expect((await health()).queue_depth).toBe(2);
    controller.abort();
    await expect(stuck).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await Promise.all(behind)).map((r) => r.result)).toEqual([{ text: 'a' }, { text: 'b' }]);
    const after = await health();
    expect([after.crash_count, after.error_count, after.state]).toEqual([before.crash_count, 0, 'INITIALIZED']);
    await expectStillServing(t.server);
  });
});
