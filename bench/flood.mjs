// Floods from a hostile plugin against the host's health endpoints. Run after `npm run build`:
//   node bench/flood.mjs [--seconds 4]
// The server is the real CLI in its own process with the `wire-attacker` fixture (apps/server/test/fixtures/
// hostile-plugins), whose tools write frames straight to the worker's socket, around the worker runtime and its
// limits, and `schema-huge`, whose schemas take seconds to compile. For each attack, for --seconds: restart the
// attacker and attack again, as fast as it dies, while one client polls GET /healthz and another GET /v1/plugins
// back to back. Reports p50 / p99 / max latency of each poller (DESIGN §11: p99 < 50 ms under any flood) and how
// many attack rounds ran. `--only log_flood,schema` runs a subset ('none' always runs).
import { cpSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root, startCli, tmp } from './lib/server.mjs';
import { machineLine, pct, r1, sleep } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    // A comma-separated subset of the attacks (e.g. to compare with a tree that does not survive all of them).
    only: { type: 'string', default: '' },
  },
});
const SECONDS = Number(opts.seconds);
const only = opts.only ? new Set(opts.only.split(',')) : null;
const wanted = (name) => !only || only.has(name);

const hostile = path.join(root, 'apps/server/test/fixtures/hostile-plugins');
const pluginsDir = tmp('flood');
cpSync(path.join(hostile, 'wire-attacker'), path.join(pluginsDir, 'wire-attacker'), { recursive: true });

async function poll(url, pathname, until) {
  const times = [];
  while (Date.now() < until) {
    const t = performance.now();
    const res = await fetch(`${url}${pathname}`);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return times;
}

const post = (url, pathname) => fetch(`${url}${pathname}`, { method: 'POST' }).then((r) => r.arrayBuffer());

/** Attack rounds until `until`: restart the attacker, then call the attacking tool (it dies of it, or hangs). */
async function attack(url, tool, until) {
  let rounds = 0;
  while (Date.now() < until) {
    await post(url, '/v1/plugins/wire-attacker/restart');
    const call = fetch(`${url}/v1/plugins/wire-attacker/tools/${tool}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"args":{}}',
    }).then((r) => r.arrayBuffer());
    // A flood that does not end the worker (stderr) is cut by the next restart.
    await Promise.race([call, sleep(tool === 'stderr_flood' ? 3000 : 10_000)]);
    rounds++;
  }
  return rounds;
}

/** Restarts of a plugin whose schemas take seconds to compile (the compile runs off the event loop). */
async function recompile(url, until) {
  let rounds = 0;
  while (Date.now() < until) {
    await post(url, '/v1/plugins/schema-huge/restart');
    rounds++;
  }
  return rounds;
}

/** Both pollers for SECONDS while `load(url, until)` runs. */
async function measure(url, scenario, load) {
  const until = Date.now() + SECONDS * 1000;
  const [healthz, list, rounds] = await Promise.all([
    poll(url, '/healthz', until),
    poll(url, '/v1/plugins', until),
    load(url, until),
  ]);
  return { scenario, rounds, healthz, list };
}

const rows = [];
const bastion = await startCli({ pluginsDir, logLevel: 'info' });
rows.push(await measure(bastion.url, 'none', async () => 0));
for (const tool of [
  'log_flood',
  'progress_flood',
  'partial_flood',
  'ready_flood',
  'load_error_flood',
  'deep_header',
  'stderr_flood',
].filter(wanted)) {
  rows.push(await measure(bastion.url, tool, (url, until) => attack(url, tool, until)));
  await post(bastion.url, '/v1/plugins/wire-attacker/restart');
  await sleep(300);
}
await bastion.stop();

// The schema-compile case loads its own plugin: each restart recompiles 300 properties with patterns.
if (wanted('schema')) {
  cpSync(path.join(hostile, 'schema-huge'), path.join(pluginsDir, 'schema-huge'), { recursive: true });
  const second = await startCli({ pluginsDir, logLevel: 'info' });
  rows.push(await measure(second.url, 'schema compile (300 properties)', recompile));
  await second.stop();
}

const fmt = (xs) => `${r1(pct(xs, 50))} / ${r1(pct(xs, 99))} / ${r1(Math.max(...xs))}`;
console.log(machineLine());
console.log(`| attack | rounds in ${SECONDS} s | /healthz p50 / p99 / max ms | GET /v1/plugins p50 / p99 / max ms |`);
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.rounds} | ${fmt(r.healthz)} | ${fmt(r.list)} |`);
