import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TestWs, until } from '../helpers/ws.js';
import { getJob, http, isFinished, submitJob, waitJob } from '../jobs/helpers.js';
import { ClusterNodeProcess } from './nodes.js';
import { TestRedis } from './redis-server.js';

/**
 * Cluster mode end to end: a real redis-server and real `bastion serve --queue` processes. Node A has no
 * plugins (it only takes requests); B and C have the `sleeper` fixture. Intervals are shrunk (stalled check
 * 500 ms, heartbeat 250 ms) so node deaths are noticed in about a second.
 */
describe('cluster mode', () => {
  let redis: TestRedis;
  let a: ClusterNodeProcess;
  let b: ClusterNodeProcess;
  let c: ClusterNodeProcess;
  let shared: string;

  beforeAll(async () => {
    redis = await TestRedis.start();
    shared = mkdtempSync(path.join(tmpdir(), 'bastion-shared-'));
    // Inputs over 16 KB need the shared dir, which only B and C have.
    const queue = { maxInlineInputMb: 16 / 1024 };
    [a, b, c] = await Promise.all([
      ClusterNodeProcess.start({ id: 'node-a', redisUrl: redis.url, plugins: [], queue }),
      ClusterNodeProcess.start({
        id: 'node-b',
        redisUrl: redis.url,
        plugins: ['sleeper'],
        queue: { ...queue, sharedDir: shared },
      }),
      ClusterNodeProcess.start({
        id: 'node-c',
        redisUrl: redis.url,
        plugins: ['sleeper'],
        queue: { ...queue, sharedDir: shared },
      }),
    ]);
    await a.waitForNodes(['node-a', 'node-b', 'node-c']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a, b, c].filter(Boolean).map((n) => n.stop()));
    await redis?.stop();
    rmSync(shared, { recursive: true, force: true });
  });

  it('lists every node with its plugins in GET /v1/cluster', async () => {
    const view = await a.cluster();
    expect(view.mode).toBe('cluster');
    expect(view.node_id).toBe('node-a');
    expect(view.queue?.connected).toBe(true);
    const byId = Object.fromEntries(view.nodes.map((n) => [n.id, n]));
    expect(byId['node-a']?.plugins).toEqual([]);
    expect(byId['node-b']?.plugins).toEqual([{ name: 'sleeper', state: 'INITIALIZED' }]);
    expect(byId['node-b']?.url).toBe(b.url);
  });

  it('runs a job submitted to a node without the plugin on a node with it; the first node pushes its events', async () => {
    const ws = await TestWs.open(`${a.url}/v1/realtime`);
    try {
      await ws.request({ type: 'subscribe', payload: { topics: ['jobs'] } }, 'subscribed');
      const sub = await submitJob(a.url, 'sleeper', 'sleep', { ms: 400 });
      expect(sub.status).toBe(202);
      const id = sub.body.job_id;
      const done = await waitJob(a.url, id, isFinished);
      expect(done.status).toBe('succeeded');
      expect(['node-b', 'node-c']).toContain(done.node);
      expect(done.attempts).toBe(1);
      expect(done.result).toMatchObject({ slept: 400 });
      await ws.waitFor((m) => m.type === 'job_progress' && m.payload.job_id === id);
      await ws.waitFor((m) => m.type === 'partial_result' && m.payload.job_id === id);
      await ws.waitFor((m) => m.type === 'job_status' && m.payload.job_id === id && m.payload.status === 'running');
      await ws.waitFor((m) => m.type === 'job_status' && m.payload.job_id === id && m.payload.status === 'succeeded');
      // Every node answers for every job.
      expect((await getJob(b.url, id)).status).toBe('succeeded');
      const list = await http<{ jobs: JobRecord[] }>(`${c.url}/v1/jobs?plugin=sleeper&status=succeeded`);
      expect(list.body.jobs.map((j) => j.job_id)).toContain(id);
      // Cluster nodes keep no job inputs for reading back: GET /v1/jobs/:id/input says so instead of guessing.
      const input = await http(`${b.url}/v1/jobs/${id}/input`);
      expect(input.status).toBe(200);
      expect(input.body).toEqual({ job_id: id, kept: false, args: null, files: [], preview: null });
    } finally {
      ws.close();
    }
  });

  it('validates a submission for a plugin the receiving node lacks, and knows unknown plugins', async () => {
    const bad = await submitJob(a.url, 'sleeper', 'sleep', { ms: 'soon' });
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'INVALID_INPUT']);
    const tool = await submitJob(a.url, 'sleeper', 'nap', { ms: 1 });
    expect([tool.status, tool.body.error?.code]).toEqual([404, 'TOOL_NOT_FOUND']);
    const plugin = await submitJob(a.url, 'nowhere', 'sleep', { ms: 1 });
    expect([plugin.status, plugin.body.error?.code]).toEqual([404, 'PLUGIN_NOT_FOUND']);
  });

  it('spreads jobs over the nodes that have the plugin, running them at the same time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await submitJob(a.url, 'sleeper', 'sleep', { ms: 1000 })).body.job_id);
    const jobs = await Promise.all(ids.map((id) => waitJob(a.url, id, isFinished)));
    expect(jobs.map((j) => j.status)).toEqual(Array(6).fill('succeeded'));
    expect(new Set(jobs.map((j) => j.node))).toEqual(new Set(['node-b', 'node-c']));
    const span = (j: JobRecord) => [Date.parse(j.started_at ?? ''), Date.parse(j.finished_at ?? '')] as const;
    const onB = jobs.filter((j) => j.node === 'node-b').map(span);
    const onC = jobs.filter((j) => j.node === 'node-c').map(span);
    const overlapping = onB.some(([s1, e1]) => onC.some(([s2, e2]) => s1 < e2 && s2 < e1));
    expect(overlapping).toBe(true);
  }, 30_000);

  it('keeps small uploads in Redis, large ones in queue.sharedDir, and refuses large ones where neither fits', async () => {
    const small = Buffer.alloc(1000, 7).toString('base64');
    const big = Buffer.alloc(64 * 1024, 9).toString('base64');
    const viaRedis = await submitJob(a.url, 'sleeper', 'size', { file: small });
    expect((await waitJob(a.url, viaRedis.body.job_id, isFinished)).result).toEqual({ bytes: 1000, first: 7 });
    const tooBig = await submitJob(a.url, 'sleeper', 'size', { file: big });
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(tooBig.body.error?.message).toContain('queue.sharedDir');
    const viaShared = await submitJob(b.url, 'sleeper', 'size', { file: big });
    expect(viaShared.status).toBe(202);
    expect((await waitJob(a.url, viaShared.body.job_id, isFinished)).result).toEqual({ bytes: 64 * 1024, first: 9 });
  });

  it('cancels from one node a job running on another', async () => {
    const sub = await submitJob(a.url, 'sleeper', 'sleep', { ms: 20_000 });
    const running = await waitJob(a.url, sub.body.job_id, (j) => j.status === 'running');
    const cancelled = await http<JobRecord>(`${a.url}/v1/jobs/${sub.body.job_id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.node).toBe(running.node);
    // Cancelling is not a plugin failure: the plugin stays available on its node.
    const owner = running.node === 'node-b' ? b : c;
    const health = await http<{ state: string; crash_count: number }>(`${owner.url}/v1/plugins/sleeper/health`);
    expect(health.body.state === 'INITIALIZED' || health.body.state === 'RUNNING').toBe(true);
    // A queued job is cancelled at once and never runs.
    const q1 = await submitJob(a.url, 'sleeper', 'sleep', { ms: 5000 });
    const q2 = await submitJob(a.url, 'sleeper', 'sleep', { ms: 5000 });
    const q3 = await submitJob(a.url, 'sleeper', 'sleep', { ms: 5000 });
    const q3Cancel = await http<JobRecord>(`${c.url}/v1/jobs/${q3.body.job_id}`, { method: 'DELETE' });
    expect(q3Cancel.body.status).toBe('cancelled');
    for (const q of [q1, q2]) await http(`${a.url}/v1/jobs/${q.body.job_id}`, { method: 'DELETE' });
    expect((await getJob(a.url, q3.body.job_id)).started_at).toBeNull();
  }, 30_000);

  it('fails a job whose plugin crashed without retry; a node where the plugin FAILED leaves its queue to others until restarted', async () => {
    const crashed = await waitJob(a.url, (await submitJob(a.url, 'sleeper', 'crash', {})).body.job_id, isFinished);
    expect([crashed.status, crashed.error?.code, crashed.attempts]).toEqual(['failed', 'PLUGIN_CRASHED', 1]);
    const [broken, healthy] = crashed.node === 'node-b' ? [b, c] : [c, b];
    const state = async (n: ClusterNodeProcess) =>
      (await http<{ state: string }>(`${n.url}/v1/plugins/sleeper/health`)).body.state;
    expect(await state(broken)).toBe('FAILED');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await submitJob(a.url, 'sleeper', 'sleep', { ms: 300 })).body.job_id);
    const jobs = await Promise.all(ids.map((id) => waitJob(a.url, id, isFinished)));
    expect(jobs.map((j) => [j.status, j.node])).toEqual(Array(4).fill(['succeeded', healthy.id]));
    // Back after a restart: it takes jobs again.
    const restart = await http(`${broken.url}/v1/plugins/sleeper/restart`, { method: 'POST' });
    expect(restart.status).toBe(200);
    await until(async () => ((await state(broken)) === 'INITIALIZED' ? true : undefined));
    const more: string[] = [];
    for (let i = 0; i < 4; i++) more.push((await submitJob(a.url, 'sleeper', 'sleep', { ms: 500 })).body.job_id);
    const after = await Promise.all(more.map((id) => waitJob(a.url, id, isFinished)));
    expect(new Set(after.map((j) => j.node))).toEqual(new Set(['node-b', 'node-c']));
  }, 30_000);

  it('hands the job of a SIGKILLed node to another node; the dead node leaves the list', async () => {
    const sub = await submitJob(a.url, 'sleeper', 'sleep', { ms: 3000 });
    const running = await waitJob(a.url, sub.body.job_id, (j) => j.status === 'running');
    const [victim, survivor] = running.node === 'node-b' ? [b, c] : [c, b];
    await victim.kill();
    const done = await waitJob(a.url, sub.body.job_id, isFinished, 30_000);
    expect(done.status).toBe('succeeded');
    expect(done.node).toBe(survivor.id);
    expect(done.attempts).toBe(2);
    await a.waitForNodes(['node-a', survivor.id]);
  }, 40_000);

  it('hands the running job of a node stopped cleanly (SIGTERM) back to the queue at once', async () => {
    const before = (await a.cluster()).nodes.map((n) => n.id);
    const d = await ClusterNodeProcess.start({
      id: 'node-d',
      redisUrl: redis.url,
      plugins: ['sleeper'],
      file: { shutdownGraceMs: 200 },
    });
    await a.waitForNodes([...before, 'node-d']);
    const first = await submitJob(a.url, 'sleeper', 'sleep', { ms: 3000 });
    const second = await submitJob(a.url, 'sleeper', 'sleep', { ms: 3000 });
    const both = await Promise.all(
      [first, second].map((s) => waitJob(a.url, s.body.job_id, (j) => j.status === 'running')),
    );
    const onD = both.find((j) => j.node === 'node-d');
    expect(onD).toBeDefined();
    expect((await d.stop()).code).toBe(0);
    // Handed back, not left for the stalled check (which would still show it running on node-d).
    const back = await getJob(a.url, onD?.job_id ?? '');
    expect(back.node).not.toBe('node-d');
    expect(['queued', 'running']).toContain(back.status);
    const done = await waitJob(a.url, back.job_id, isFinished, 30_000);
    expect(done.status).toBe('succeeded');
    expect(before).toContain(done.node);
    expect(done.attempts).toBe(2);
    expect((await a.cluster()).nodes.map((n) => n.id)).not.toContain('node-d');
  }, 40_000);

  it('keeps direct calls working while Redis is down, refuses jobs with a code, and recovers by itself', async () => {
    const worker = (await a.cluster()).nodes.find((n) => n.id !== 'node-a');
    const node = worker?.id === 'node-b' ? b : c;
    await redis.stop();
    await until(async () => ((await fetch(`${node.url}/readyz`)).status === 503 ? true : undefined));
    const ready = await http(`${node.url}/readyz`);
    expect(ready.body.error?.code).toBe('QUEUE_UNAVAILABLE');
    const direct = await http(`${node.url}/v1/plugins/sleeper/tools/sleep/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args: { ms: 10 } }),
    });
    expect(direct.status).toBe(200);
    const refused = await submitJob(node.url, 'sleeper', 'sleep', { ms: 10 });
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
    const read = await http(`${node.url}/v1/jobs`);
    expect([read.status, read.body.error?.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
    const view = await node.cluster();
    expect(view.queue?.connected).toBe(false);
    expect(view.queue?.error?.code).toBe('QUEUE_UNAVAILABLE');
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(/^bastion_queue_connected 0$/m);

    await redis.start();
    await until(async () => ((await fetch(`${a.url}/readyz`)).status === 200 ? true : undefined), 20_000);
    await until(async () => ((await fetch(`${node.url}/readyz`)).status === 200 ? true : undefined), 20_000);
    // Redis came back empty: the nodes announce themselves again.
    await a.waitForNodes(['node-a', node.id]);
    const again = await submitJob(a.url, 'sleeper', 'sleep', { ms: 100 });
    expect(again.status).toBe(202);
    expect((await waitJob(a.url, again.body.job_id, isFinished, 30_000)).status).toBe('succeeded');
  }, 60_000);

  it('refuses a bad queue URL at startup with a clear error', async () => {
    const res = await runCli(['serve', '--port', '0', '--no-bundled-plugins', '--queue', 'http://localhost:6379']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('queueUrl');
  });
});
