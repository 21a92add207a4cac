// Cluster recovery times under faults, with the DEFAULT queue settings (stalledIntervalMs 5000, heartbeatMs 5000):
// failover after a node's SIGKILL, a frozen Redis (SIGSTOP/SIGCONT), Redis restarted empty, Redis at maxmemory,
// SIGTERM of a node whose Redis is frozen. Each node is a real `bastion serve` with the cluster fixture `sleeper`.
// Build first: npx tsc -b apps/server      Needs Debian's redis-server on PATH.
// Run:         node bench/cluster-faults.mjs [rounds=3]
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { machineLine, median, r1, sleep } from './lib/stats.mjs';
import { root, startCli, tmp } from './lib/server.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis(port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  await sleep(300);
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function sleeperDir() {
  const dir = tmp('cluster-plugins');
  cpSync(path.join(root, 'apps/server/test/cluster/fixtures/sleeper'), path.join(dir, 'sleeper'), { recursive: true });
  return dir;
}

const node = (redisUrl, id) =>
  startCli({ pluginsDir: sleeperDir(), env: { BASTION_QUEUE_URL: redisUrl, BASTION_NODE_ID: id } });

async function json(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const submit = (base, tool, args) =>
  json(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plugin: 'sleeper', tool, args }),
  });

/** Milliseconds from `t0` until `pred()` holds (polled every 50 ms). */
async function until(t0, pred, limitMs = 120_000) {
  for (;;) {
    if (await pred().catch(() => false)) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) throw new Error('gave up waiting');
    await sleep(50);
  }
}

const jobIs = (base, id, pred) => async () => {
  const r = await json(`${base}/v1/jobs/${id}`);
  return r.status === 200 && pred(r.body);
};
const readyIs = (base, status) => async () => (await fetch(`${base}/readyz`)).status === status;

async function waitCluster(base, ids) {
  await until(performance.now(), async () => {
    const view = (await json(`${base}/v1/cluster`)).body;
    return ids.every((id) => view.nodes.some((n) => n.id === id && n.plugins.length));
  });
}

const results = {};
const add = (name, v) => (results[name] ??= []).push(v);

for (let round = 0; round < ROUNDS; round++) {
  const redis = await startRedis(await freePort());
  // 1. Failover after SIGKILL.
  {
    const [b, c] = await Promise.all([node(redis.url, `b${round}`), node(redis.url, `c${round}`)]);
    await waitCluster(b.url, [`b${round}`, `c${round}`]);
    const { body } = await submit(b.url, 'sleep', { ms: 60_000 });
    await until(
      performance.now(),
      jobIs(b.url, body.job_id, (j) => j.status === 'running'),
    );
    const running = (await json(`${b.url}/v1/jobs/${body.job_id}`)).body;
    const [victim, survivor, survivorId] = running.node === `b${round}` ? [b, c, `c${round}`] : [c, b, `b${round}`];
    process.kill(victim.pid, 'SIGKILL');
    const t0 = performance.now();
    add(
      'failover: SIGKILL → job running on another node',
      await until(
        t0,
        jobIs(survivor.url, body.job_id, (j) => j.status === 'running' && j.node === survivorId),
      ),
    );
    add(
      'failover: SIGKILL → dead node leaves /v1/cluster',
      await until(t0, async () => (await json(`${survivor.url}/v1/cluster`)).body.nodes.length === 1),
    );
    await json(`${survivor.url}/v1/jobs/${body.job_id}`, { method: 'DELETE' });
    await Promise.all([victim.stop(), survivor.stop()]);
  }
  // 2. Frozen Redis.
  const n = await node(redis.url, `f${round}`);
  {
    const { body } = await submit(n.url, 'sleep', { ms: 1000 });
    await until(
      performance.now(),
      jobIs(n.url, body.job_id, (j) => j.status === 'running'),
    );
    redis.pause();
    const t0 = performance.now();
    const read = await fetch(`${n.url}/v1/jobs/${body.job_id}`);
    add('frozen: first GET /v1/jobs/:id answers (503)', performance.now() - t0);
    if (read.status !== 503) throw new Error(`expected 503, got ${read.status}`);
    add('frozen: SIGSTOP → /readyz 503', await until(t0, readyIs(n.url, 503)));
    await sleep(Math.max(0, 2000 - (performance.now() - t0)));
    redis.resume();
    const t1 = performance.now();
    add('frozen: SIGCONT → /readyz 200', await until(t1, readyIs(n.url, 200)));
    add(
      'frozen: SIGCONT → job that ended meanwhile succeeded',
      await until(
        t1,
        jobIs(n.url, body.job_id, (j) => j.status === 'succeeded'),
      ),
    );
  }
  // 3. Redis at maxmemory: a result written once memory is freed.
  {
    const admin = spawn('redis-cli', ['-u', redis.url, 'CONFIG', 'SET', 'maxmemory', '1'], { stdio: 'ignore' });
    await new Promise((r) => admin.once('exit', r));
    const { body } = await submit(n.url, 'sleep', { ms: 10 });
    if (body?.error?.code !== 'QUEUE_UNAVAILABLE') throw new Error('expected QUEUE_UNAVAILABLE at maxmemory');
    const free = spawn('redis-cli', ['-u', redis.url, 'CONFIG', 'SET', 'maxmemory', '0'], { stdio: 'ignore' });
    await new Promise((r) => free.once('exit', r));
    const t0 = performance.now();
    await until(t0, async () => (await submit(n.url, 'sleep', { ms: 10 })).status === 202);
    add('maxmemory: memory freed → submissions accepted', performance.now() - t0);
  }
  // 4. Redis restarted empty.
  {
    const port = Number(new URL(redis.url).port);
    await redis.stop();
    const again = await startRedis(port);
    const t0 = performance.now();
    add('restarted empty: → /readyz 200', await until(t0, readyIs(n.url, 200)));
    const { body } = await submit(n.url, 'sleep', { ms: 10 });
    add(
      'restarted empty: → a new job succeeded',
      await until(
        t0,
        jobIs(n.url, body.job_id, (j) => j.status === 'succeeded'),
      ),
    );
    // 5. SIGTERM while Redis is frozen.
    again.pause();
    await until(performance.now(), readyIs(n.url, 503));
    const t1 = performance.now();
    const status = await n.stop();
    add(`frozen: SIGTERM → exit (code ${status.code})`, performance.now() - t1);
    await again.stop();
  }
}

console.log(machineLine());
console.log(`${ROUNDS} rounds, default queue settings (stalledIntervalMs 5000, heartbeatMs 5000)\n`);
console.log('| what | median | min | max |');
console.log('|---|---|---|---|');
for (const [name, xs] of Object.entries(results)) {
  const s = (v) => `${r1(v / 1000)} s`;
  console.log(`| ${name} | ${s(median(xs))} | ${s(Math.min(...xs))} | ${s(Math.max(...xs))} |`);
}
