// Cluster benchmark: jobs/s with 1, 2 and 3 `bastion serve --queue` nodes on this machine, sharing one private
// redis-server, for sleep-bound jobs (which scale with nodes even on 2 cores) and CPU-bound jobs (which stop
// scaling at the core count). Each node runs the cluster test fixture `sleeper` with concurrency 1.
// Build first: npx tsc -b apps/server      Needs Debian's redis-server on PATH.
// Run:         node bench/cluster.mjs [jobs=12] [ms=500]
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { machineLine, r1, sleep } from './lib/stats.mjs';
import { root, startCli, tmp } from './lib/server.mjs';

const JOBS = Number(process.argv[2] ?? 12);
const MS = Number(process.argv[3] ?? 500);
const NODE_COUNTS = [1, 2, 3];

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  await sleep(300);
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

function sleeperDir() {
  const dir = tmp('cluster-plugins');
  cpSync(path.join(root, 'apps/server/test/cluster/fixtures/sleeper'), path.join(dir, 'sleeper'), { recursive: true });
  return dir;
}

async function startNodes(n, redisUrl, prefix) {
  const pluginsDir = sleeperDir();
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      startCli({
        pluginsDir,
        config: { queue: { prefix, heartbeatMs: 1000, stalledIntervalMs: 5000 } },
        env: { BASTION_QUEUE_URL: redisUrl, BASTION_NODE_ID: `bench-${i}` },
      }),
    ),
  );
}

async function waitForCluster(url, n) {
  for (;;) {
    const view = await (await fetch(`${url}/v1/cluster`)).json();
    const ready = view.nodes.filter((node) =>
      node.plugins.some((p) => p.name === 'sleeper' && p.state === 'INITIALIZED'),
    );
    if (ready.length === n) return;
    await sleep(100);
  }
}

/** Submits JOBS jobs round-robin over the nodes and polls until all have finished; returns jobs/s and nodes used. */
async function run(nodes, tool) {
  const t0 = performance.now();
  const ids = [];
  for (let i = 0; i < JOBS; i++) {
    const res = await fetch(`${nodes[i % nodes.length].url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plugin: 'sleeper', tool, args: { ms: MS } }),
    });
    const body = await res.json();
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
    ids.push(body.job_id);
  }
  const used = new Set();
  for (const id of ids) {
    for (;;) {
      const job = await (await fetch(`${nodes[0].url}/v1/jobs/${id}`)).json();
      if (job.status === 'succeeded') {
        used.add(job.node);
        break;
      }
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${id} ${job.status}`);
      await sleep(20);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { jobsPerS: JOBS / seconds, seconds, used: used.size };
}

const redis = await startRedis();
const rows = [];
try {
  for (const n of NODE_COUNTS) {
    const nodes = await startNodes(n, redis.url, `bench${n}`);
    try {
      await waitForCluster(nodes[0].url, n);
      for (const tool of ['sleep', 'spin']) {
        const r = await run(nodes, tool);
        rows.push({ tool, n, ...r });
        console.error(`${tool} × ${n} node(s): ${r1(r.jobsPerS)} jobs/s (${r1(r.seconds)} s, ${r.used} node(s) used)`);
      }
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
  }
} finally {
  redis.stop();
}

console.log(`\n${machineLine()}; ${JOBS} jobs of ${MS} ms each, concurrency 1 per node\n`);
console.log('| work | nodes | jobs/s | wall time | nodes used | speed-up vs 1 node |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) {
  const base = rows.find((r) => r.tool === row.tool && r.n === 1);
  const label = row.tool === 'sleep' ? 'sleep-bound (`sleeper/sleep`)' : 'CPU-bound (`sleeper/spin`)';
  console.log(
    `| ${label} | ${row.n} | ${r1(row.jobsPerS)} | ${r1(row.seconds)} s | ${row.used} | ${(row.jobsPerS / base.jobsPerS).toFixed(2)}× |`,
  );
}
