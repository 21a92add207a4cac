import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveArgs, startCli } from '../helpers/cli.js';
import { until } from '../helpers/ws.js';
import {
  Exchanges,
  expectCleanLogs,
  expectQueueUnavailable,
  isFinal,
  MARKER,
  PASSWORD,
  sleep,
  TRACE,
} from './fault-helpers.js';
import { ClusterNodeProcess } from './nodes.js';
import { freePort, TestRedis } from './redis-server.js';

/**
 * Fault injection: each scenario has its own real redis-server and real `bastion serve --queue` nodes logging at
 * `trace`, and checks that no request hangs past its deadline or answers 500, that every job reaches a final
 * status, and that nothing sensitive (the queue password, job payloads) is logged. Cluster intervals are the
 * test defaults of nodes.ts (job lock 1 s, heartbeat 250 ms): these scenarios are not about them.
 */
describe('cluster mode under Redis faults', () => {
  it('a frozen Redis (SIGSTOP): 503 QUEUE_UNAVAILABLE with Retry-After within the deadline, /readyz 503, health 200; after SIGCONT the job ends; SIGTERM stops a node whose Redis is frozen', async () => {
    const redis = await TestRedis.start({ password: PASSWORD });
    const node = await ClusterNodeProcess.start({
      id: 'frozen-1',
      redisUrl: redis.url,
      plugins: ['sleeper'],
      urlVia: 'env',
      env: TRACE,
    });
    const x = new Exchanges();
    try {
      const sub = await x.submit(node.url, 'echo', { text: MARKER, times: 10, ms: 1500 });
      expect(sub.status).toBe(202);
      const id = sub.body.job_id as string;
      await x.job(node.url, id, (j) => j.status === 'running');

      redis.pause();
      expectQueueUnavailable(await x.call(`${node.url}/v1/jobs/${id}`));
      expectQueueUnavailable(await x.call(`${node.url}/v1/jobs`));
      expectQueueUnavailable(await x.submit(node.url, 'sleep', { ms: 10 }));
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 503 ? true : undefined), 5000);
      expect((await x.call(`${node.url}/readyz`)).code).toBe('QUEUE_UNAVAILABLE');
      expect((await x.call(`${node.url}/healthz`)).status).toBe(200);
      expect((await x.call(`${node.url}/v1/plugins`)).status).toBe(200);
      const view = await x.call(`${node.url}/v1/cluster`);
      expect(view.status).toBe(200);
      expect((view.body.queue as { connected: boolean }).connected).toBe(false);
      // Direct calls do not need Redis.
      const direct = await x.call(`${node.url}/v1/plugins/sleeper/tools/sleep/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args: { ms: 10 } }),
      });
      expect(direct.status).toBe(200);
      await sleep(1500); // the job's run ends while Redis is frozen: its outcome waits

      redis.resume();
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 200 ? true : undefined), 10_000);
      const done = await x.job(node.url, id, isFinal);
      expect(done.status).toBe('succeeded');
      expect(done.result).toEqual({ echo: MARKER.repeat(10) });

      redis.pause();
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 503 ? true : undefined), 5000);
      expect((await node.stop()).code).toBe(0);
      x.expectNo500();
      expectCleanLogs(node);
    } finally {
      await node.stop();
      await redis.stop();
    }
  }, 60_000);

  it('Redis at maxmemory (noeviction): a result Redis refuses lands once memory is freed; one too large for it fails the job with QUEUE_UNAVAILABLE; no payload in the log', async () => {
    const redis = await TestRedis.start();
    const admin = redis.client();
    const node = await ClusterNodeProcess.start({ id: 'oom-1', redisUrl: redis.url, plugins: ['sleeper'], env: TRACE });
    const x = new Exchanges();
    try {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      // Full: every write is refused while the job's run ends.
      const sub = await x.submit(node.url, 'echo', { text: MARKER, times: 100, ms: 1000 });
      const id = sub.body.job_id as string;
      await x.job(node.url, id, (j) => j.status === 'running');
      await admin.config('SET', 'maxmemory', '1');
      await sleep(2000);
      const meanwhile = await x.call(`${node.url}/v1/jobs/${id}`);
      expect([meanwhile.status, (meanwhile.body as { status?: string }).status]).toEqual([200, 'running']);
      expectQueueUnavailable(await x.submit(node.url, 'sleep', { ms: 10 }));
      // An upload Redis refuses: the refused command (and its 140 KB argument) must not reach the log.
      const upload = Buffer.from(MARKER.repeat(10_000)).toString('base64');
      expectQueueUnavailable(await x.submit(node.url, 'size', { file: upload }));
      await admin.config('SET', 'maxmemory', '0');
      const landed = await x.job(node.url, id, isFinal, 15_000);
      expect(landed.status).toBe('succeeded');
      expect(landed.result).toEqual({ echo: MARKER.repeat(100) });

      // A 2 MB margin and a 10 MB result: Redis refuses that write (and only that one) for good.
      const info = await admin.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
      await admin.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
      const big = await x.submit(node.url, 'echo', { text: `${MARKER}${'x'.repeat(986)}`, times: 10_000, ms: 10 });
      expect(big.status).toBe(202);
      const failed = await x.job(node.url, big.body.job_id as string, isFinal, 25_000);
      expect([failed.status, failed.error?.code]).toEqual(['failed', 'QUEUE_UNAVAILABLE']);
      // The node took the next job: nothing is stuck.
      await admin.config('SET', 'maxmemory', '0');
      const after = await x.submit(node.url, 'sleep', { ms: 10 });
      expect((await x.job(node.url, after.body.job_id as string, isFinal)).status).toBe('succeeded');
      x.expectNo500();
      expectCleanLogs(node);
    } finally {
      admin.disconnect();
      await node.stop();
      await redis.stop();
    }
  }, 90_000);

  it('a password change: the node is unavailable (503, /readyz 503) and says why without the password, then recovers when the password is back; a node started with a wrong password exits 2', async () => {
    const redis = await TestRedis.start({ password: PASSWORD });
    const admin = redis.client();
    const node = await ClusterNodeProcess.start({
      id: 'auth-1',
      redisUrl: redis.url,
      plugins: ['sleeper'],
      urlVia: 'env',
      env: TRACE,
    });
    const x = new Exchanges();
    const changed = `${PASSWORD}-new`;
    try {
      await admin.config('SET', 'requirepass', changed);
      await admin.client('KILL', 'TYPE', 'normal');
      await admin.client('KILL', 'TYPE', 'pubsub');
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 503 ? true : undefined), 10_000);
      expectQueueUnavailable(await x.call(`${node.url}/v1/jobs`));
      const view = await x.call(`${node.url}/v1/cluster`);
      expect(JSON.stringify(view.body)).not.toContain(PASSWORD);
      expect(JSON.stringify(view.body)).toContain('***');
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toMatch(/^bastion_queue_connected 0$/m);
      expect(metrics).not.toContain(PASSWORD);

      const scratch = mkdtempSync(path.join(tmpdir(), 'bastion-auth-'));
      const wrong = startCli(serveArgs(scratch, path.join(scratch, 'data')), {
        BASTION_QUEUE_URL: redis.url,
        ...TRACE,
      });
      const exit = await wrong.exited;
      rmSync(scratch, { recursive: true, force: true });
      expect(exit.code).toBe(2);
      expect(wrong.output().stderr).toContain('credentials');
      expect(wrong.output().stderr + wrong.output().stdout).not.toContain(PASSWORD);

      await admin.config('SET', 'requirepass', PASSWORD);
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 200 ? true : undefined), 15_000);
      const sub = await x.submit(node.url, 'sleep', { ms: 10 });
      expect(sub.status).toBe(202);
      expect((await x.job(node.url, sub.body.job_id as string, isFinal)).status).toBe('succeeded');
      x.expectNo500();
      expectCleanLogs(node, [PASSWORD, changed]);
    } finally {
      admin.disconnect();
      await node.stop();
      await redis.stop();
    }
  }, 60_000);

  it('refuses at start (exit 2, a clear message, promptly): a peer that is not Redis, a database the server does not have, a live node id', async () => {
    const echo: Server = createServer((s) => s.pipe(s));
    const echoPort = await freePort();
    await new Promise<void>((r) => echo.listen(echoPort, '127.0.0.1', r));
    const redis = await TestRedis.start();
    const data = mkdtempSync(path.join(tmpdir(), 'bastion-refuse-'));
    const refused = async (url: string, ...flags: string[]) => {
      const run = startCli(serveArgs(data, path.join(data, 'data'), '--queue', url, ...flags), TRACE);
      const exit = await Promise.race([run.exited, sleep(20_000).then(() => null)]);
      if (exit === null) run.child.kill('SIGKILL');
      return { code: exit?.code ?? null, stderr: run.output().stderr };
    };
    let first: ClusterNodeProcess | null = null;
    try {
      const notRedis = await refused(`redis://127.0.0.1:${echoPort}`);
      expect(notRedis.code).toBe(2);
      expect(notRedis.stderr).toMatch(/Redis server/);

      const db = await refused(`${redis.url}/42`);
      expect(db.code).toBe(2);
      expect(db.stderr).toContain('database 42');

      first = await ClusterNodeProcess.start({ id: 'twin', redisUrl: redis.url, plugins: [] });
      const twin = await refused(redis.url, '--node-id', 'twin');
      expect(twin.code).toBe(2);
      expect(twin.stderr).toContain("already uses the id 'twin'");
      // The first node is unaffected and still the only 'twin'.
      expect((await first.cluster()).nodes.map((n) => [n.id, n.url])).toEqual([['twin', first.url]]);
    } finally {
      await first?.stop();
      echo.close();
      await redis.stop();
      rmSync(data, { recursive: true, force: true });
    }
  }, 90_000);

  it('Redis replaced at run time by a peer that is not Redis: the node marks the queue unavailable, keeps serving, reads no garbage as jobs and stops on SIGTERM', async () => {
    const redis = await TestRedis.start();
    const node = await ClusterNodeProcess.start({
      id: 'swap-1',
      redisUrl: redis.url,
      plugins: ['sleeper'],
      env: TRACE,
    });
    const x = new Exchanges();
    let echo: Server | null = null;
    try {
      await redis.stop();
      echo = createServer((s) => {
        s.on('error', () => {});
        s.pipe(s);
      });
      await new Promise<void>((r) => echo?.listen(redis.port, '127.0.0.1', r));
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 503 ? true : undefined), 10_000);
      await sleep(3000); // long enough for a worker loop to spin, were it polling the echo
      for (let i = 0; i < 5; i++) expect((await x.call(`${node.url}/healthz`)).status).toBe(200);
      expectQueueUnavailable(await x.call(`${node.url}/v1/jobs`));
      expect((await node.stop()).code).toBe(0);
      expect(node.logs()).not.toContain('unexpected error');
      x.expectNo500();
    } finally {
      await node.stop();
      echo?.close();
    }
  }, 60_000);

  it('Redis killed mid-write and started again from its append-only file: every job reaches a final status', async () => {
    const aof = mkdtempSync(path.join(tmpdir(), 'bastion-aof-'));
    const redis = await TestRedis.start({ aofDir: aof });
    const node = await ClusterNodeProcess.start({ id: 'aof-1', redisUrl: redis.url, plugins: ['sleeper'], env: TRACE });
    const x = new Exchanges();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const sub = await x.submit(node.url, 'echo', { text: MARKER, times: 50, ms: 700 });
        expect(sub.status).toBe(202);
        ids.push(sub.body.job_id as string);
      }
      await x.job(node.url, ids[0] as string, (j) => j.status === 'running');
      await redis.stop();
      expectQueueUnavailable(await x.call(`${node.url}/v1/jobs/${ids[0]}`));
      await sleep(1200); // the running job ends while Redis is down
      await redis.start();
      for (const id of ids) {
        const done = await x.job(node.url, id, isFinal, 30_000);
        expect([id, done.status]).toEqual([id, 'succeeded']);
      }
      x.expectNo500();
      expectCleanLogs(node);
    } finally {
      await node.stop();
      await redis.stop();
      rmSync(aof, { recursive: true, force: true });
    }
  }, 90_000);

  it('Redis restarted empty: jobs it lost answer 404, the node joins again and runs new jobs', async () => {
    const redis = await TestRedis.start();
    const node = await ClusterNodeProcess.start({
      id: 'empty-1',
      redisUrl: redis.url,
      plugins: ['sleeper'],
      env: TRACE,
    });
    const x = new Exchanges();
    try {
      const sub = await x.submit(node.url, 'echo', { text: MARKER, times: 5, ms: 1000 });
      const id = sub.body.job_id as string;
      await x.job(node.url, id, (j) => j.status === 'running');
      await redis.stop();
      await redis.start();
      await until(async () => ((await x.call(`${node.url}/readyz`)).status === 200 ? true : undefined), 10_000);
      await node.waitForNodes(['empty-1']);
      await sleep(1000); // the lost job's run ends; its outcome has no record to land in
      expect((await x.call(`${node.url}/v1/jobs/${id}`)).code).toBe('JOB_NOT_FOUND');
      const again = await x.submit(node.url, 'sleep', { ms: 10 });
      expect((await x.job(node.url, again.body.job_id as string, isFinal)).status).toBe('succeeded');
      x.expectNo500();
      expectCleanLogs(node);
    } finally {
      await node.stop();
      await redis.stop();
    }
  }, 60_000);
});
