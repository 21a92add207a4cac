// Jobs and realtime benchmark: job throughput for a trivial tool (ok/echo) and realtime fan-out to N subscribers.
// Build first: npx tsc -b apps/server
// Run:         node bench/jobs.mjs [jobs=500] [subscribers=50]
//          or  node bench/jobs.mjs --url http://127.0.0.1:8000 [jobs] [subscribers]   (a running server with the
//              fixture plugin 'ok' loaded; its job history grows by the jobs submitted)
// Starts the real CLI (sandboxed workers) on the fixture plugin 'ok' in a temporary data dir unless --url is given.
import { subscribe } from './lib/realtime.mjs';
import { startCli, subset } from './lib/server.mjs';
import { pct, r1 } from './lib/stats.mjs';

const argv = process.argv.slice(2);
const urlFlag = argv.indexOf('--url');
const given = urlFlag >= 0 ? argv.splice(urlFlag, 2)[1] : null;
const JOBS = Number(argv[0] ?? 500);
const SUBSCRIBERS = Number(argv[1] ?? 50);
const SUBMIT_CONCURRENCY = 16;

async function startServer() {
  const server = await startCli({ pluginsDir: subset(['ok']) });
  return { url: server.url, stop: () => server.stop() };
}

async function submitAll(url, n, tool, args) {
  const ids = [];
  const latencies = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
      while (next < n) {
        next++;
        const t0 = performance.now();
        const res = await fetch(`${url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ plugin: 'ok', tool, args }),
        });
        latencies.push(performance.now() - t0);
        const body = await res.json();
        if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
        ids.push(body.job_id);
      }
    }),
  );
  return { ids, latencies };
}

/** Submits n jobs and waits (via one realtime subscriber) until every one has finished. */
async function throughput(url, n, subscribers) {
  const watcher = await subscribe(url, ['jobs']);
  const fans = await Promise.all(Array.from({ length: subscribers }, () => subscribe(url, ['jobs'])));
  const finished = new Set();
  let failed = 0;
  const allDone = new Promise((resolve) => {
    watcher.onStatus = (p) => {
      if (p.status === 'succeeded' || p.status === 'failed' || p.status === 'cancelled') {
        if (p.status !== 'succeeded') failed++;
        finished.add(p.job_id);
        if (finished.size === n) resolve();
      }
    };
  });
  const t0 = performance.now();
  const { latencies } = await submitAll(url, n, 'echo', { text: 'bench' });
  const submitted = performance.now() - t0;
  await allDone;
  const total = performance.now() - t0;
  // Let the fan-out subscribers receive the last messages.
  const expected = watcher.received;
  const deadline = Date.now() + 10_000;
  while (fans.some((f) => f.received < expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const fanLat = fans.flatMap((f) => f.latencies);
  for (const c of [watcher, ...fans]) c.ws.close();
  return {
    jobs: n,
    failed,
    submitMs: r1(submitted),
    totalMs: r1(total),
    jobsPerSec: r1((n / total) * 1000),
    submitP50: r1(pct(latencies, 50)),
    submitP95: r1(pct(latencies, 95)),
    subscribers,
    messagesPerSubscriber: expected,
    delivered: fans.reduce((a, f) => a + f.received, 0),
    deliveryP50: pct(fanLat, 50),
    deliveryP95: pct(fanLat, 95),
    deliveryMax: fanLat.reduce((a, b) => Math.max(a, b), 0),
  };
}

const server = given ? { url: given, stop: async () => {} } : await startServer();
try {
  // Warm up the worker and the HTTP path.
  await throughput(server.url, 20, 0);
  const solo = await throughput(server.url, JOBS, 0);
  const fan = await throughput(server.url, JOBS, SUBSCRIBERS);
  console.log(`node ${process.version}, ${JOBS} jobs of ok/echo, ${SUBMIT_CONCURRENCY} concurrent submitters`);
  console.log(
    `job throughput (1 watcher):          ${solo.jobsPerSec} jobs/s end to end (${solo.totalMs} ms), submit p50 ${solo.submitP50} ms, p95 ${solo.submitP95} ms, failed ${solo.failed}`,
  );
  console.log(
    `job throughput (+${fan.subscribers} subscribers):   ${fan.jobsPerSec} jobs/s end to end (${fan.totalMs} ms), submit p50 ${fan.submitP50} ms, p95 ${fan.submitP95} ms, failed ${fan.failed}`,
  );
  console.log(
    `realtime fan-out to ${fan.subscribers}: ${fan.delivered} messages delivered (${fan.messagesPerSubscriber} per subscriber), ` +
      `timestamp→receipt p50 ${fan.deliveryP50} ms, p95 ${fan.deliveryP95} ms, max ${fan.deliveryMax} ms`,
  );
} finally {
  await server.stop();
}
