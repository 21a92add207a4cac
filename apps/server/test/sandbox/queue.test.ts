import type { HealthRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BastionError } from '../../src/errors/bastion-error.js';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('queue, concurrency and cancellation', () => {
  let t: TestServer;
  const health = async (name: string) =>
    (await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` })).json<HealthRecord>();

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws'])] });
  });
  afterAll(() => t.close());

  it('queues up to maxQueue calls, then answers PLUGIN_BUSY with Retry-After', async () => {
    // ok: concurrency 1, maxQueue 4
    const calls = Array.from({ length: 6 }, () => runTool(t.server, 'ok', 'slow', { ms: 400 }));
    await until(async () => (await health('ok')).queue_depth === 4, 'a full queue');
    const h = await health('ok');
    expect(h.state).toBe('RUNNING');
    expect(h.in_flight).toBe(1);
    const results = await Promise.all(calls);
    const busy = results.filter((r) => r.status === 503);
    expect(busy).toHaveLength(1);
    expect(busy[0]?.body.error?.code).toBe('PLUGIN_BUSY');
    expect(busy[0]?.headers['retry-after']).toBe('1');
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    const after = await health('ok');
    expect(after.state).toBe('INITIALIZED');
    expect(after.queue_depth).toBe(0);
    expect(after.error_count).toBe(0); // a refused call is not the plugin's error
  });

  it('a cancelled call that ignores its signal gets its worker replaced, without a failure', async () => {
    const before = await health('ok');
    const controller = new AbortController();
    const call = t.server.ctx.runner.run(t.server.ctx.runner.prepare('ok', 'stubborn', { ms: 30_000 }), {
      mode: 'direct',
      signal: controller.signal,
    });
    await until(async () => (await health('ok')).in_flight === 1, 'the call to start');
    controller.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BastionError);
    expect((err as BastionError).code).toBe('CANCELLED');
    const after = await health('ok');
    expect(after.state).toMatch(/INITIALIZED|RUNNING/);
    expect(after.crash_count).toBe(before.crash_count);
    expect(after.timeout_count).toBe(before.timeout_count);
    expect(after.error_count).toBe(before.error_count);
    await expectStillServing(t.server); // served by the replacement worker
  });

  it('a cancelled call that honours its signal ends at once and keeps its worker', async () => {
    const controller = new AbortController();
    const call = t.server.ctx.runner.run(t.server.ctx.runner.prepare('ok', 'slow', { ms: 30_000 }), {
      mode: 'direct',
      signal: controller.signal,
    });
    await until(async () => (await health('ok')).in_flight === 1, 'the call to start');
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await health('ok')).state).toBe('INITIALIZED');
  });

  it('runs calls in parallel up to the operator’s concurrency override', async () => {
    const wide = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      config: { file: { plugins: { ok: { concurrency: 3 } } } },
    });
    try {
      const calls = Array.from({ length: 3 }, () => runTool(wide.server, 'ok', 'slow', { ms: 500 }));
      await until(
        async () =>
          (await wide.server.app.inject({ url: '/v1/plugins/ok/health' })).json<HealthRecord>().in_flight === 3,
        'three calls in flight at once',
      );
      for (const r of await Promise.all(calls)) expect(r.status).toBe(200);
      expect((await wide.server.app.inject({ url: '/v1/plugins/ok/manifest' })).json().limits.concurrency).toBe(3);
    } finally {
      await wide.close();
    }
  });
});

describe('restartPolicy on-failure', () => {
  it('restarts with backoff, then quarantines after 3 failures in 10 minutes', async () => {
    const t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'exits'])],
      config: { file: { restartPolicy: 'on-failure' } },
    });
    try {
      const state = async () => (await t.server.app.inject({ url: '/v1/plugins/exits/health' })).json<HealthRecord>();
      for (let i = 1; i <= 2; i++) {
        expect((await runTool(t.server, 'exits', 'run')).body.error?.code).toBe('PLUGIN_CRASHED');
        expect((await state()).state).toBe('FAILED');
        await until(async () => (await state()).state === 'INITIALIZED', `automatic restart #${i}`);
      }
      expect((await runTool(t.server, 'exits', 'run')).body.error?.code).toBe('PLUGIN_CRASHED');
      const h = await state();
      expect(h.state).toBe('FAILED');
      expect(h.reason).toMatch(/^quarantined: 3 failures in 10 min; last: worker exited with code 3/);
      expect(h.crash_count).toBe(3);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await state()).state).toBe('FAILED'); // stays quarantined
      // an explicit restart forgives
      await t.server.app.inject({ method: 'POST', url: '/v1/plugins/exits/restart' });
      expect((await state()).state).toBe('INITIALIZED');
      await expectStillServing(t.server);
    } finally {
      await t.close();
    }
  });
});
