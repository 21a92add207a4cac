import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/keys.js';
import { queueSchema } from '../../src/config/schema.js';
import { Exchanges, isFinal, PASSWORD } from './fault-helpers.js';
import { ClusterNodeProcess } from './nodes.js';
import { TestRedis } from './redis-server.js';

/**
 * How a cluster gets every job to a final status when a node or BullMQ loses track of it, and how fast: the
 * reconciler, a cancel whose node was just killed, failover with the default settings.
 */
describe('cluster recovery', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(() => redis?.stop());

  it('queues again a job left queued with no queue entry, and one left running on a node that is gone', async () => {
    const node = await ClusterNodeProcess.start({ id: 'rec-1', redisUrl: redis.url, plugins: ['sleeper'] });
    const admin = redis.client();
    const keys = new ClusterKeys('bastion');
    const x = new Exchanges();
    try {
      // As a node leaves them when it dies between writing a record and its BullMQ entry, or when BullMQ
      // completed a job whose record write Redis refused.
      const fabricate = async (fields: Record<string, string>): Promise<string> => {
        const id = randomUUID();
        const data = JSON.stringify({ tool: 'sleep', inputs: { json: { ms: 10 }, binary: {} } });
        const seq = await admin.incr(keys.jobSeq);
        await admin
          .multi()
          .hset(keys.job(id), {
            plugin: 'sleeper',
            tool: 'sleep',
            progress: '0',
            created_at: new Date().toISOString(),
            seq: String(seq),
            data,
            ...fields,
          })
          .zadd(keys.jobs, seq, id)
          .sadd(keys.open, id)
          .exec();
        return id;
      };
      const queued = await fabricate({ status: 'queued', attempts: '0' });
      const orphaned = await fabricate({
        status: 'running',
        attempts: '1',
        node: 'gone-node',
        run: 'gone-node|token',
        started_at: new Date().toISOString(),
      });
      const q = await x.job(node.url, queued, isFinal, 20_000);
      expect([q.status, q.node, q.attempts]).toEqual(['succeeded', 'rec-1', 1]);
      const o = await x.job(node.url, orphaned, isFinal, 20_000);
      expect([o.status, o.node, o.attempts]).toEqual(['succeeded', 'rec-1', 2]);
      expect(await admin.sismember(keys.open, queued)).toBe(0);
      x.expectNo500();
    } finally {
      admin.disconnect();
      await node.stop();
    }
  }, 60_000);

  it('cancels at once a running job whose node was just killed (it cannot confirm the cancel)', async () => {
    const front = await ClusterNodeProcess.start({ id: 'front', redisUrl: redis.url, plugins: [] });
    const worker = await ClusterNodeProcess.start({ id: 'worker', redisUrl: redis.url, plugins: ['sleeper'] });
    const x = new Exchanges();
    try {
      await front.waitForNodes(['front', 'worker']);
      const sub = await x.submit(front.url, 'sleep', { ms: 20_000 });
      expect(sub.status).toBe(202);
      const id = sub.body.job_id as string;
      await x.job(front.url, id, (j) => j.status === 'running');
      await worker.kill();
      // Within the request bound, not after a 10 s wait: nobody acknowledged the cancel.
      const cancelled = await x.call(`${front.url}/v1/jobs/${id}`, { method: 'DELETE' });
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
      expect((await x.job(front.url, id, isFinal)).status).toBe('cancelled');
      x.expectNo500();
    } finally {
      await Promise.all([front.stop(), worker.stop()]);
    }
  }, 60_000);

  it('moves the job of a SIGKILLed node to another within 10 s with the default lock and heartbeat settings', async () => {
    const defaults = queueSchema.parse({});
    const queue = { stalledIntervalMs: defaults.stalledIntervalMs, heartbeatMs: defaults.heartbeatMs };
    const [b, c] = await Promise.all([
      ClusterNodeProcess.start({ id: 'def-b', redisUrl: redis.url, plugins: ['sleeper'], queue }),
      ClusterNodeProcess.start({ id: 'def-c', redisUrl: redis.url, plugins: ['sleeper'], queue }),
    ]);
    const x = new Exchanges();
    try {
      const sub = await x.submit(b.url, 'sleep', { ms: 30_000 });
      const id = sub.body.job_id as string;
      const running = await x.job(b.url, id, (j) => j.status === 'running');
      const [victim, survivor] = running.node === 'def-b' ? [b, c] : [c, b];
      await victim.kill();
      const moved = await x.job(survivor.url, id, (j) => j.status === 'running' && j.node === survivor.id, 10_000);
      expect(moved.attempts).toBe(2);
      await x.call(`${survivor.url}/v1/jobs/${id}`, { method: 'DELETE' });
      x.expectNo500();
    } finally {
      await Promise.all([b.stop(), c.stop()]);
    }
  }, 60_000);

  for (const isolation of ['process', 'namespace'] as const) {
    it(`keeps the queue password out of every command line and environment a plugin can read (--isolation ${isolation})`, async () => {
      const secured = await TestRedis.start({ password: PASSWORD });
      // The password on the command line on purpose: the worst case an operator can choose.
      const node = await ClusterNodeProcess.start({
        id: `proc-${isolation}`,
        redisUrl: secured.url,
        plugins: ['proc-peek'],
        flags: ['--isolation', isolation],
      });
      const x = new Exchanges();
      try {
        const res = await x.call(`${node.url}/v1/plugins/proc-peek/tools/peek/run`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ args: {} }),
        });
        expect(res.status).toBe(200);
        const seen = res.body.result as { cmdlines: string[]; environs: string[] };
        expect(seen.cmdlines.length).toBeGreaterThan(0);
        for (const text of [...seen.cmdlines, ...seen.environs]) expect(text).not.toContain(PASSWORD);
        if (isolation === 'process') {
          // The host is visible from a plain process: its command line is there, redacted.
          expect(seen.cmdlines.some((c) => c.includes('--queue redis://:***@127.0.0.1'))).toBe(true);
        }
        expect(node.logs()).toContain('BASTION_QUEUE_URL');
      } finally {
        await node.stop();
        await secured.stop();
      }
    }, 60_000);
  }
});
