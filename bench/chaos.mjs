// Chaos soak: R calls/s for N s over healthy and faulty plugins under restartPolicy on-failure, with a health
// poller and a realtime subscriber watching jobs. Run after `npm run build`:
//   npm run bench:chaos -- --seconds 300 --rps 50
// The server is the real CLI in its own process. Faulty fixtures: exits (crash), hangs-promise (hang, 300 ms
// timeout), heap-leak and native-leak (memoryMb 160), throws. Healthy calls go to ok/echo, directly and as jobs.
// Reports outcomes by code, 500s (must be 0), host restarts (must be 0), health latency, host RSS, and job results
// lost or duplicated (must be 0).
import { parseArgs } from 'node:util';
import { Outcomes, paced } from './lib/paced.mjs';
import { subscribe } from './lib/realtime.mjs';
import { startCli, subset } from './lib/server.mjs';
import { machineLine, pct, procMemoryMb, r1, sleep } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    rps: { type: 'string', default: '50' },
    // Quarantined plugins are restarted by an admin this often (0 = never), so faults go on all through the soak.
    revive: { type: 'string', default: '10' },
  },
});
const SECONDS = Number(opts.seconds);
const RPS = Number(opts.rps);
const REVIVE_S = Number(opts.revive);

const FAULTY = ['exits', 'hangs-promise', 'heap-leak', 'native-leak', 'throws'];
const bastion = await startCli({
  pluginsDir: subset(['ok', ...FAULTY]),
  config: {
    restartPolicy: 'on-failure',
    plugins: { ok: { concurrency: 2, maxQueue: 64 }, 'hangs-promise': { timeoutMs: 300 } },
  },
});
const { url, pid } = bastion;
const rssStart = procMemoryMb(pid);

// Jobs: every final job_status seen, by id.
const watcher = await subscribe(url, ['jobs']);
const finals = new Map();
watcher.onStatus = (p) => {
  if (['succeeded', 'failed', 'cancelled'].includes(p.status)) finals.set(p.job_id, (finals.get(p.job_id) ?? 0) + 1);
};

// Health poller: one GET /v1/plugins in flight at a time, every 20 ms.
const health = [];
const healthCodes = new Outcomes();
let polling = true;
const poller = (async () => {
  while (polling) {
    const t = performance.now();
    try {
      const res = await fetch(`${url}/v1/plugins`);
      await res.arrayBuffer();
      healthCodes.add(String(res.status));
    } catch (err) {
      healthCodes.add(`network error ${err.cause?.code ?? err.message}`);
    }
    health.push(performance.now() - t);
    await sleep(20);
  }
})();

// Admin restarts of quarantined plugins.
let revived = 0;
const reviver = REVIVE_S
  ? setInterval(async () => {
      for (const h of await (await fetch(`${url}/v1/plugins`)).json()) {
        if (h.state !== 'FAILED') continue;
        const res = await fetch(`${url}/v1/plugins/${h.name}/restart`, { method: 'POST' });
        await res.arrayBuffer();
        if (res.status === 200) revived++;
      }
    }, REVIVE_S * 1000)
  : null;

// Mix per 10 calls: 3 direct ok/echo, 2 ok/echo jobs, 1 each of the faulty plugins.
const mix = ['ok', 'ok', 'ok', 'job', 'job', ...FAULTY];
const direct = new Outcomes();
const submitted = new Outcomes();
const jobIds = [];
const post = (path, body) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const elapsed = await paced(RPS, SECONDS, async (i) => {
  const target = mix[i % mix.length];
  if (target === 'job') {
    const body = await submitted.record(post('/v1/jobs', { plugin: 'ok', tool: 'echo', args: { text: `job ${i}` } }));
    if (body?.job_id) jobIds.push(body.job_id);
  } else if (target === 'ok') {
    await direct.record(post('/v1/plugins/ok/tools/echo/run', { args: { text: `call ${i}` } }));
  } else {
    await direct.record(post(`/v1/plugins/${target}/tools/run/run`, {}));
  }
});

clearInterval(reviver);

// Let the last jobs finish, then check each one's record.
const deadline = Date.now() + 30_000;
while (jobIds.some((id) => !finals.has(id)) && Date.now() < deadline) await sleep(100);
polling = false;
await poller;
let lost = 0;
let wrong = 0;
for (const id of jobIds) {
  const job = await (await fetch(`${url}/v1/jobs/${id}`)).json();
  if (!finals.has(id) || job.status !== 'succeeded') lost++;
  else if (!job.result || typeof job.result.text !== 'string' || !job.result.text.startsWith('job ')) wrong++;
}
const duplicated = [...finals.values()].filter((n) => n > 1).length;
const rssEnd = procMemoryMb(pid);
const states = Object.fromEntries(
  (await (await fetch(`${url}/v1/plugins`)).json()).map((h) => [h.name, `${h.state} (crash ${h.crash_count})`]),
);
const crashed = bastion.exited();
watcher.ws.close();
await bastion.stop();

const all = [direct, submitted];
const fiveHundreds = all.reduce((a, o) => a + o.count('500'), 0) + healthCodes.count('500');
const rows = [
  [
    'calls sent',
    `${direct.total + submitted.total} in ${elapsed.toFixed(1)} s (${r1((direct.total + submitted.total) / elapsed)}/s)`,
    `${RPS}/s`,
  ],
  ['direct calls by outcome', String(direct), ''],
  ['job submissions by outcome', String(submitted), ''],
  ['500 answers', String(fiveHundreds), '0'],
  ['quarantined plugins restarted by an admin', String(revived), ''],
  ['host restarts', crashed ? `1 (exited ${JSON.stringify(crashed)})` : '0', '0'],
  [
    `health GET /v1/plugins (n=${health.length}) p50 / p99 / max`,
    `${r1(pct(health, 50))} / ${r1(pct(health, 99))} / ${r1(Math.max(...health))} ms; ${healthCodes}`,
    'p99 < 50 ms',
  ],
  ['host RSS start → end', `${rssStart.rss} → ${rssEnd?.rss} MB (peak ${rssEnd?.hwm} MB)`, ''],
  ['jobs lost (no final status, or not succeeded)', `${lost} of ${jobIds.length}`, '0'],
  ['job results duplicated / wrong', `${duplicated} / ${wrong}`, '0 / 0'],
  [
    'plugin states at the end',
    Object.entries(states)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    '',
  ],
];
console.log(machineLine());
console.log(
  `chaos soak: ${SECONDS} s at ${RPS} calls/s, restartPolicy on-failure, quarantined plugins restarted every ${REVIVE_S || '∞'} s\n`,
);
console.log('| measurement | result | target |\n|---|---|---|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
process.exit(fiveHundreds || crashed || lost || duplicated || wrong ? 1 : 0);
