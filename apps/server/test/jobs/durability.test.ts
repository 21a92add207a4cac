import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveArgs, startCli, type CliRun } from '../helpers/cli.js';
import { fixtureSubset } from '../helpers/server.js';
import { until } from '../helpers/ws.js';
import { getJob, isFinished, submitJob, waitJob } from './helpers.js';

/** The real CLI (`node apps/server/bin/bastion.js serve`), killed and restarted on one data dir. */
describe('jobs: durability across host restarts (real CLI process)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-durable-'));
  const pluginsDir = fixtureSubset(['ok']);
  const config = path.join(dataDir, 'config.json');
  writeFileSync(config, JSON.stringify({ shutdownGraceMs: 1000 }));
  const runs: CliRun[] = [];

  async function start(): Promise<string> {
    const run = startCli(serveArgs(pluginsDir, dataDir, '--config', config));
    runs.push(run);
    const url = await run.url;
    await until(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000, 'readiness');
    return url;
  }

  afterAll(async () => {
    for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.exited));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(pluginsDir, { recursive: true, force: true });
  });

  it('marks jobs running at a SIGKILL failed with HOST_RESTARTED and resumes queued ones', async () => {
    const url1 = await start();
    const running = await submitJob(url1, 'ok', 'slow', { ms: 60_000 });
    const queued1 = await submitJob(url1, 'ok', 'echo', { text: 'resumed 1' });
    const queued2 = await submitJob(url1, 'ok', 'bytes', { file: Buffer.from([5, 6, 7]).toString('base64') });
    expect([running.status, queued1.status, queued2.status]).toEqual([202, 202, 202]);
    await waitJob(url1, running.body.job_id, (j) => j.status === 'running');
    expect((await getJob(url1, queued1.body.job_id)).status).toBe('queued');

    const first = runs[0] as CliRun;
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const url2 = await start();
    const failed = await getJob(url2, running.body.job_id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'HOST_RESTARTED' } });
    expect(failed.finished_at).not.toBeNull();
    const r1 = await waitJob(url2, queued1.body.job_id, isFinished);
    expect(r1).toMatchObject({ status: 'succeeded', result: { text: 'resumed 1' } });
    // Binary input survives the restart as a file under the data dir.
    const r2 = await waitJob(url2, queued2.body.job_id, isFinished);
    expect(r2).toMatchObject({ status: 'succeeded', result: { bytes: 3, first: 5 } });
  });

  it('on a clean stop (SIGTERM) a job still running after the grace period is failed with HOST_RESTARTED', async () => {
    const url = await start();
    const job = await submitJob(url, 'ok', 'slow', { ms: 60_000 });
    await waitJob(url, job.body.job_id, (j) => j.status === 'running');
    const run = runs.at(-1) as CliRun;
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    const url2 = await start();
    expect(await getJob(url2, job.body.job_id)).toMatchObject({ status: 'failed', error: { code: 'HOST_RESTARTED' } });
  });
});
