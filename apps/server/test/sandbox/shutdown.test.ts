import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthRecord } from '@bastion/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { serverConfigSchema } from '../../src/config/schema.js';
import { createServer } from '../../src/server.js';
import { fixtureSubset, runTool, startTestServer } from '../helpers/server.js';

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shutdown (draining)', () => {
  it('refuses new work with 503 SHUTTING_DOWN, lets calls in flight finish, cuts the rest without blaming the plugin', async () => {
    const t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { file: { shutdownGraceMs: 1500 } },
    });
    const { server } = t;
    const health = (): HealthRecord => server.ctx.registry.health('ok') as HealthRecord;
    const before = health();
    // ok has one worker: the slow call runs, the stubborn one waits in the queue behind it.
    const slow = runTool(server, 'ok', 'slow', { ms: 400 });
    await until(() => health().in_flight === 1, 'the slow call to start');
    const stubborn = runTool(server, 'ok', 'stubborn', { ms: 60_000 });
    await until(() => health().queue_depth === 1, 'the stubborn call to queue');

    const closing = server.close();
    const readyz = await server.app.inject({ url: '/readyz' });
    expect(readyz.statusCode).toBe(503);
    expect(readyz.json()).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const refused = await runTool(server, 'ok', 'echo', { text: 'too late' });
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'SHUTTING_DOWN']);
    const job = await server.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { plugin: 'ok', tool: 'echo', args: { text: 'too late' } },
    });
    expect([job.statusCode, job.json<{ error: { code: string } }>().error.code]).toEqual([503, 'SHUTTING_DOWN']);

    const finished = await slow;
    expect(finished.status).toBe(200); // in flight: finished within the grace
    const cut = await stubborn; // queued, then run, then cut when the grace ended
    expect([cut.status, cut.body.error?.code]).toEqual([503, 'SHUTTING_DOWN']);
    await closing;

    const after = health();
    expect(after.state).not.toBe('FAILED');
    expect([after.error_count, after.crash_count, after.timeout_count]).toEqual([
      before.error_count,
      before.crash_count,
      before.timeout_count,
    ]);
    expect(after.last_error).toBeNull();
    expect(await server.ctx.metrics.render()).toMatch(
      /bastion_tool_calls_total\{plugin="ok",tool="stubborn",outcome="SHUTTING_DOWN"\} 1/,
    );
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow(); // the listener is closed
    await t.close();
  }, 30_000);

  it('/readyz is 503 STARTING with the standard error body until loading finished, and a stop then does not wait for it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-test-'));
    const config = serverConfigSchema.parse({
      port: 0,
      bundledPlugins: false,
      pluginsDirs: [fixtureSubset(['ok', 'import-hangs'])],
      dataDir,
      logLevel: 'silent',
    });
    const server = await createServer(config, { logger: pino({ level: 'silent' }) });
    const readyz = await server.app.inject({ url: '/readyz' });
    expect(readyz.statusCode).toBe(503);
    expect(readyz.json()).toMatchObject({ ok: false, error: { code: 'STARTING' } });
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await server.close(); // while import-hangs is still loading
    expect(server.ctx.lifecycle.phase).toBe('stopped');
    const hung = server.ctx.registry.health('import-hangs') as HealthRecord;
    expect(hung.crash_count + hung.timeout_count).toBe(0); // stopping a load is not the plugin's failure
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);
});
