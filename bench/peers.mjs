// Bastion side by side with its peers, in one run with alternating rounds (the machine's load drifts; ratios
// of neighbouring rounds are what to read). Run after `npm run build`:
//   node bench/peers.mjs [--rounds 3] [--seconds 5] [--only http,list,busy,runner,vision]
// Rows:
//   http    trivial tool call over HTTP (ok/echo, concurrency 2)  vs fastify + Piscina (2 threads)
//   list    GET /v1/plugins (one plugin)                          vs fastify sending a constant of the same bytes
//   busy    GET /v1/plugins p99 while one plugin is under load and another hangs (absolute target, < 10 ms)
//   runner  trivial call through the runner API, 32 in flight     vs Piscina run(), 32 in flight
//   upload  a 2 MB binary argument (JSON, base64) to a trivial tool vs fastify decoding it for a Piscina thread
//   vision  OCR and detection per image over HTTP                 vs the same library called in-process
// autocannon runs in its own process, Bastion runs as the real CLI in its own (the runner row is in-process by
// definition). Prints Markdown tables.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { autocannon } from './lib/autocannon.mjs';
import { ocrInProcess, detectorInProcess, ocrImages, detectionImages } from './lib/vision.mjs';
import { plugins, postJson, startCli, startInProcess, startPeer, subset } from './lib/server.mjs';
import { machineLine, median, ratio, sleep, treeCpuMs } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string', default: 'http,list,busy,upload,runner,vision' },
    runs: { type: 'string', default: '5' },
    // For before/after comparisons of a plugin: serve this plugins dir instead of the bundled plugins.
    'vision-plugins-dir': { type: 'string' },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const RUNS = Number(opts.runs);
const only = new Set(opts.only.split(','));
const CONNECTIONS = 32;
const okConfig = { plugins: { ok: { concurrency: 2, maxQueue: 64 } } };
const echoBody = { args: { text: 'hello' } };

const tables = [];
/** Alternates `ours` and `peer` rounds; reports best and median of each and their ratios (higher = Bastion faster). */
async function alternate(label, ours, peer, { unit = 'req/s', higherIsBetter = true } = {}) {
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await ours());
    b.push(await peer());
    console.error(`${label} round ${i + 1}: bastion ${fmt(a.at(-1))}, peer ${fmt(b.at(-1))}`);
  }
  const best = (xs) => (higherIsBetter ? Math.max(...xs.map((x) => x.value)) : Math.min(...xs.map((x) => x.value)));
  const med = (xs) => median(xs.map((x) => x.value));
  const rel = (x, y) => (higherIsBetter ? x / y : y / x);
  return { label, unit, a, b, bestRatio: rel(best(a), best(b)), medianRatio: rel(med(a), med(b)), best, med };
}
const fmt = (r) => `${Math.round(r.value)}${r.p99 !== undefined ? ` (p99 ${r.p99} ms)` : ''}`;
const load = async (url, o) => {
  const r = await autocannon(url, { connections: CONNECTIONS, seconds: SECONDS, ...o });
  if (r.errors || r.timeouts || r.non2xx) console.error(`  ${url}: ${JSON.stringify(r)}`);
  return { value: r.rps, p99: r.p99 };
};

function row(res, what, peerWhat) {
  const p99 = (xs) => median(xs.map((x) => x.p99));
  tables.push(
    `| ${what} | ${Math.round(res.med(res.a))} ${res.unit} (best ${Math.round(res.best(res.a))})` +
      `${res.a[0].p99 !== undefined ? `, p99 ${p99(res.a)} ms` : ''} | ${peerWhat}: ${Math.round(res.med(res.b))} ${res.unit} ` +
      `(best ${Math.round(res.best(res.b))})${res.b[0].p99 !== undefined ? `, p99 ${p99(res.b)} ms` : ''} | ` +
      `${ratio(res.medianRatio)} (best ${ratio(res.bestRatio)}) |`,
  );
}

console.log(machineLine());
console.log(`rounds ${ROUNDS} × ${SECONDS} s, autocannon -c ${CONNECTIONS} in its own process\n`);

if (only.has('http') || only.has('list') || only.has('upload')) {
  const bastion = await startCli({ pluginsDir: subset(['ok']), config: okConfig });
  const listBody = await (await fetch(`${bastion.url}/v1/plugins`)).text();
  const peer = await startPeer(2, listBody);
  try {
    for (let i = 0; i < 200; i++) await postJson(`${bastion.url}/v1/plugins/ok/tools/echo/run`, echoBody);
    // Both sides warm under the same concurrent load first: sequential calls leave the paths that only run under
    // load (calls waiting in a busy worker, Piscina's queue) cold for the first round.
    if (only.has('http')) {
      await load(`${bastion.url}/v1/plugins/ok/tools/echo/run`, { method: 'POST', body: echoBody, seconds: 2 });
      await load(`${peer.url}/run`, { method: 'POST', body: echoBody, seconds: 2 });
    }
    if (only.has('http')) {
      const res = await alternate(
        'http',
        () => load(`${bastion.url}/v1/plugins/ok/tools/echo/run`, { method: 'POST', body: echoBody }),
        () => load(`${peer.url}/run`, { method: 'POST', body: echoBody }),
      );
      row(res, 'trivial tool call over HTTP, `concurrency: 2`', 'fastify + Piscina (2 threads)');
    }
    if (only.has('list')) {
      const res = await alternate(
        'list',
        () => load(`${bastion.url}/v1/plugins`),
        () => load(`${peer.url}/constant`),
      );
      row(res, `\`GET /v1/plugins\` (one plugin, ${Buffer.byteLength(listBody)} B)`, 'fastify sending the same bytes');
    }
    if (only.has('upload')) {
      // Sequential calls: the latency a large image adds before and after the plugin's own work.
      const file = randomBytes(2 * 1024 * 1024).toString('base64');
      const body = { args: { file } };
      const once = async (url) => {
        const t = performance.now();
        const res = await postJson(url, body);
        if (res.status !== 200 || res.body.result.bytes !== 2 * 1024 * 1024) throw new Error(JSON.stringify(res.body));
        return performance.now() - t;
      };
      const rounds = async (url) => {
        const times = [];
        for (let i = 0; i < 20; i++) times.push(await once(url));
        return { value: median(times), p99: undefined };
      };
      await rounds(`${bastion.url}/v1/plugins/ok/tools/bytes/run`);
      const res = await alternate(
        'upload',
        () => rounds(`${bastion.url}/v1/plugins/ok/tools/bytes/run`),
        () => rounds(`${peer.url}/bytes`),
        { unit: 'ms', higherIsBetter: false },
      );
      row(res, '2 MB binary argument (2.8 MB JSON) to a trivial tool, median latency', 'fastify + Piscina, same body');
    }
  } finally {
    await peer.stop();
    await bastion.stop();
  }
}

const extra = [];
if (only.has('busy')) {
  // ok under full load while hangs-sync spins in a CPU loop (re-issued each time it times out) and hangs-promise
  // never answers: the list must stay fast.
  const bastion = await startCli({
    pluginsDir: subset(['ok', 'hangs-sync', 'hangs-promise']),
    config: {
      plugins: {
        ...okConfig.plugins,
        'hangs-sync': { timeoutMs: 60_000 },
        'hangs-promise': { timeoutMs: 60_000, maxQueue: 64 },
      },
    },
  });
  const hangs = [];
  try {
    hangs.push(
      ...['hangs-sync', 'hangs-promise'].map((p) => postJson(`${bastion.url}/v1/plugins/${p}/tools/run/run`, {})),
    );
    await sleep(300);
    const results = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [calls, list] = await Promise.all([
        autocannon(`${bastion.url}/v1/plugins/ok/tools/echo/run`, {
          connections: CONNECTIONS,
          seconds: SECONDS,
          method: 'POST',
          body: echoBody,
        }),
        autocannon(`${bastion.url}/v1/plugins`, { connections: 4, seconds: SECONDS }),
      ]);
      results.push({ calls, list });
      console.error(
        `busy round ${i + 1}: list p99 ${list.p99} ms (${Math.round(list.rps)} req/s), calls ${Math.round(calls.rps)} req/s`,
      );
    }
    const p99s = results.map((r) => r.list.p99);
    extra.push(
      `| \`GET /v1/plugins\` (3 plugins, 4 connections) while ok/echo takes ${CONNECTIONS} connections and two plugins hang (one in a CPU loop) | ` +
        `p99 median ${median(p99s)} ms (best ${Math.min(...p99s)}, worst ${Math.max(...p99s)}); ` +
        `${Math.round(median(results.map((r) => r.list.rps)))} req/s; calls ${Math.round(median(results.map((r) => r.calls.rps)))} req/s | p99 < 10 ms |`,
    );
  } finally {
    await bastion.stop();
  }
  await Promise.allSettled(hangs);
}

if (only.has('runner')) {
  const { server } = await startInProcess(subset(['ok']), okConfig);
  const pool = new Piscina({
    filename: new URL('./lib/peer-task.mjs', import.meta.url).href,
    minThreads: 2,
    maxThreads: 2,
  });
  /** calls/s of `call` with 32 always in flight for SECONDS. */
  const saturate = async (call) => {
    const end = performance.now() + SECONDS * 1000;
    let n = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          await call();
          n++;
        }
      }),
    );
    return { value: (n / (performance.now() - t0)) * 1000 };
  };
  const run = () =>
    server.ctx.runner.run(server.ctx.runner.prepare('ok', 'echo', { text: 'hello' }), { mode: 'direct' });
  const piscina = () => pool.run({ text: 'hello' });
  for (let i = 0; i < 2000; i++) await Promise.all([run(), piscina()]);
  const res = await alternate(
    'runner',
    () => saturate(run),
    () => saturate(piscina),
    { unit: 'calls/s' },
  );
  row(res, `trivial call through the runner API (no HTTP), ${CONNECTIONS} in flight`, 'Piscina `run()`');
  await pool.destroy();
  await server.close();
}

const vision = [];
if (only.has('vision')) {
  const dir = opts['vision-plugins-dir'];
  const bastion = await startCli(
    dir
      ? { pluginsDir: path.resolve(dir) }
      : { config: { plugins: { motion: { enabled: false }, 'video-tracker': { enabled: false } } } },
  );
  const served = new Set((await plugins(bastion.url)).filter((h) => h.state === 'INITIALIZED').map((h) => h.name));
  const ocr = await ocrInProcess();
  const det = served.has('object-detection') ? await detectorInProcess() : null;
  try {
    const cases = [
      ...(await ocrImages()).map((c) => ({ ...c, plugin: 'ocr', tool: 'extract_text', local: ocr })),
      ...(await detectionImages()).map((c) => ({ ...c, plugin: 'object-detection', tool: 'detect', local: det })),
    ];
    for (const c of cases.filter((x) => served.has(x.plugin))) {
      const body = { args: { image: c.image.toString('base64') } };
      const http = [];
      const local = [];
      // CPU time per image is less disturbed by other work on the machine than wall time.
      const httpCpu = [];
      const localCpu = [];
      const runs = c.runs ?? RUNS;
      for (let i = 0; i < runs + 1; i++) {
        const cpu0 = treeCpuMs(bastion.pid);
        let t = performance.now();
        const res = await postJson(`${bastion.url}/v1/plugins/${c.plugin}/tools/${c.tool}/run`, body);
        if (res.status !== 200) throw new Error(`${c.plugin}: ${JSON.stringify(res.body)}`);
        const h = performance.now() - t;
        const hc = treeCpuMs(bastion.pid) - cpu0;
        const own = process.cpuUsage();
        t = performance.now();
        await c.local.run(c.image);
        const l = performance.now() - t;
        const { user, system } = process.cpuUsage(own);
        const lc = (user + system) / 1000;
        if (i === 0) continue; // the first pair warms up
        http.push(h);
        local.push(l);
        httpCpu.push(hc);
        localCpu.push(lc);
      }
      const r = median(http) / median(local);
      console.error(
        `vision ${c.plugin} ${c.name}: http ${median(http).toFixed(0)} ms, in-process ${median(local).toFixed(0)} ms`,
      );
      vision.push(
        `| ${c.plugin} ${c.name} (${(c.image.length / 1024).toFixed(0)} KB) | ${Math.round(Math.min(...http))}–${Math.round(Math.max(...http))} ms, median ${Math.round(median(http))} | ` +
          `${c.local.what}: ${Math.round(Math.min(...local))}–${Math.round(Math.max(...local))} ms, median ${Math.round(median(local))} | ${r.toFixed(2)}× | ` +
          `${Math.round(median(httpCpu))} / ${Math.round(median(localCpu))} ms = ${(median(httpCpu) / median(localCpu)).toFixed(2)}× |`,
      );
    }
  } finally {
    await ocr.close();
    await det?.close();
    await bastion.stop();
  }
}

if (tables.length) {
  console.log(
    '| measurement | Bastion (median of rounds) | peer | Bastion / peer: ratio of medians (ratio of bests) |\n|---|---|---|---|',
  );
  for (const t of tables) console.log(t);
}
if (extra.length) {
  console.log('\n| under load | result | target |\n|---|---|---|');
  for (const t of extra) console.log(t);
}
if (vision.length) {
  console.log(
    `\n| per image, ${RUNS} runs alternating | over HTTP (through the sandbox) | in-process | latency ratio (target ≤ 1.2×) | CPU per image, host + worker / in-process |\n|---|---|---|---|---|`,
  );
  for (const t of vision) console.log(t);
}
process.exit(0);
