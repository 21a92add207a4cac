// CPU profile of the trivial-call hot path under load, host and one worker at the same time: where each call's
// time goes. Run after `npm run build`:
//   node bench/profile.mjs [--seconds 10] [--top 25] [--out DIR] [--mcp] [--rate N]
// Starts the CLI with the fixture plugin 'ok' (concurrency 2, isolation 'process' so the worker's inspector is
// reachable), profiles the host (inspector on 127.0.0.1:9230) and one worker (SIGUSR1 → 127.0.0.1:9229) while
// autocannon (own process, 32 connections) posts ok/echo calls (or, with --upload-kb N, ok/bytes calls with an
// N KB binary argument over 4 connections), and prints self time per call by module and by
// function. The .cpuprofile files are written to --out for Chrome DevTools / speedscope.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { autocannon } from './lib/autocannon.mjs';
import { MCP_ACCEPT, mcpPost, openMcpSession, toolsCall } from './lib/mcp.mjs';
import { byModule, connectInspector, selfTimes, startProfile, totalTimes } from './lib/cdp.mjs';
import { postJson, startCli, subset, tmp } from './lib/server.mjs';
import { machineLine, nodeWorkers, sleep } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    out: { type: 'string' },
    // Profile calls of ok/bytes carrying a binary argument of this many KB (4 connections) instead of ok/echo.
    'upload-kb': { type: 'string' },
    // Profile GET requests of this path (e.g. /v1/plugins) instead of tool calls.
    get: { type: 'string' },
    // Profile the same ok/echo call over MCP (tools/call ok__echo in one session) instead of REST.
    mcp: { type: 'boolean', default: false },
    // Requests per second over all connections (default: as fast as the server answers); the same rate for two
    // profiles compares per-call costs without the differences that saturation brings.
    rate: { type: 'string' },
  },
});
const SECONDS = Number(opts.seconds);
const TOP = Number(opts.top);
const out = opts.out ? path.resolve(opts.out) : tmp('profile');
mkdirSync(out, { recursive: true });

const bastion = await startCli({
  pluginsDir: subset(['ok']),
  config: { plugins: { ok: { concurrency: 2, maxQueue: 64 } } },
  nodeArgs: ['--inspect=127.0.0.1:9230'],
  env: { BASTION_ISOLATION: 'process' },
});
let host = null;
let child = null;
try {
  const uploadKb = Number(opts['upload-kb'] ?? 0);
  const tool = uploadKb ? 'bytes' : 'echo';
  const args = uploadKb ? { file: randomBytes(uploadKb * 1024).toString('base64') } : { text: 'hello' };
  const connections = uploadKb ? 4 : 32;
  const rate = opts.rate ? Number(opts.rate) : undefined;
  const session = opts.mcp && !opts.get ? await openMcpSession(bastion.url, 'bench-profile') : null;
  // What autocannon sends, and one such request for the warm-up: over MCP a tools/call with a fresh JSON-RPC id
  // each (autocannon -I).
  let url, request, warmUp;
  if (opts.get) {
    url = `${bastion.url}${opts.get}`;
    request = {};
    warmUp = () => fetch(url).then((r) => r.arrayBuffer());
  } else if (session) {
    url = `${bastion.url}/mcp`;
    const headers = { accept: MCP_ACCEPT, ...session.headers };
    request = { method: 'POST', body: toolsCall(`ok__${tool}`, args, '[<id>]'), idReplacement: true, headers };
    let id = 0;
    warmUp = () => mcpPost(bastion.url, toolsCall(`ok__${tool}`, args, ++id), session.headers);
  } else {
    url = `${bastion.url}/v1/plugins/ok/tools/${tool}/run`;
    request = { method: 'POST', body: { args } };
    warmUp = () => postJson(url, { args });
  }
  for (let i = 0; i < (uploadKb ? 20 : 500); i++) await warmUp();
  const workers = nodeWorkers(bastion.pid);
  const worker = workers[0];
  if (!worker) throw new Error(`no worker process found below ${bastion.pid}`);
  process.kill(worker, 'SIGUSR1');
  host = await connectInspector(9230);
  child = await connectInspector(9229);
  await sleep(200);
  const stops = [await startProfile(host), await startProfile(child)];
  const load = await autocannon(url, { connections, seconds: SECONDS, rate, ...request });
  const [hostProfile, workerProfile] = await Promise.all(stops.map((stop) => stop()));

  const calls = load.requests;
  // Each of the `concurrency` workers served about half of the calls.
  const workerCalls = calls / workers.length;
  console.log(machineLine());
  console.log(
    `${calls} ${opts.get ? `GET ${opts.get}` : `ok/${tool}`} calls${uploadKb ? ` with ${uploadKb} KB of binary argument` : ''} in ${SECONDS} s (${Math.round(load.rps)} req/s, p99 ${load.p99} ms), ` +
      `${workers.length} workers; profiles in ${out}\n`,
  );
  for (const [name, profile, n] of [
    ['host', hostProfile, calls],
    ['worker', workerProfile, workerCalls],
  ]) {
    writeFileSync(path.join(out, `${name}.cpuprofile`), JSON.stringify(profile));
    const rows = selfTimes(profile);
    const busy = rows.reduce((a, r) => a + r.selfMs, 0);
    const perCall = (msTotal) => ((msTotal * 1000) / n).toFixed(1);
    console.log(`### ${name}: ${busy.toFixed(0)} ms busy over ${SECONDS} s, ${perCall(busy)} µs per call\n`);
    console.log('| module | µs per call | share |\n|---|---|---|');
    for (const m of byModule(rows).slice(0, 15)) {
      console.log(`| ${m.module} | ${perCall(m.selfMs)} | ${((m.selfMs / busy) * 100).toFixed(1)} % |`);
    }
    console.log('\n| function | where | µs per call | share |\n|---|---|---|---|');
    for (const r of rows.slice(0, TOP)) {
      const where = r.where.replace(/^.*\/(apps|packages)\//, '$1/');
      console.log(`| ${r.name} | ${where} | ${perCall(r.selfMs)} | ${((r.selfMs / busy) * 100).toFixed(1)} % |`);
    }
    console.log('\n| Bastion function, inclusive | where | µs per call | share |\n|---|---|---|---|');
    const ours = (w) => w.includes('/apps/server/dist/') || w.includes('/packages/');
    for (const r of totalTimes(profile, ours).slice(0, TOP)) {
      const where = r.where.replace(/^.*\/(apps|packages)\//, '$1/');
      console.log(`| ${r.name} | ${where} | ${perCall(r.totalMs)} | ${((r.totalMs / busy) * 100).toFixed(1)} % |`);
    }
    console.log('');
  }
} finally {
  // The host waits for attached debuggers before it exits.
  host?.close();
  child?.close();
  await bastion.stop();
}
process.exit(0);
