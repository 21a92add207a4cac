// The call pipeline per surface: the same tool call over REST and over MCP (small and large results), and jobs
// (reading a finished job, submit → succeeded). One running server, rounds alternating between the surfaces.
// Run after `npm run build`:
//   node bench/pipeline.mjs [--rounds 3] [--seconds 5] [--only trivial,large,jobs] [--sizes 256,1024]
//                           [--connections 32] [--large-connections 4] [--samples 20]
// Rows:
//   trivial  ok/echo: POST /v1/plugins/ok/tools/echo/run vs POST /mcp tools/call ok__echo, --connections each
//   large    sized/sized ({kb}, bench/fixtures/plugins/sized): median latency of --samples sequential calls, and
//            throughput at --large-connections, per size in --sizes (KB of result JSON)
//   jobs     GET /v1/jobs/:id of a succeeded job with a 1 MB result and with a trivial one (--large-connections),
//            and submit → succeeded of a trivial job (median of --samples sequential, seen on the realtime socket)
// Bastion runs as the real CLI in its own process with sandboxed workers; autocannon runs in its own process.
// Host CPU per call is the server process's CPU time (all its threads, from /proc) over the run divided by the
// answers: less disturbed by other work on the machine than req/s. Prints Markdown tables; exits 1 when a warm-up
// check fails (a surface answering something else than the result) or a measured run had errors.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { autocannon } from './lib/autocannon.mjs';
import { subscribe } from './lib/realtime.mjs';
import { MCP_ACCEPT, mcpPost, openMcpSession, rpcAnswer, toolsCall } from './lib/mcp.mjs';
import { root, startCli, subset } from './lib/server.mjs';
import { machineLine, median, pct, procCpuMs, ratio, sleep, treeCpuMs } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string', default: 'trivial,large,jobs' },
    sizes: { type: 'string', default: '256,1024' },
    connections: { type: 'string', default: '32' },
    'large-connections': { type: 'string', default: '4' },
    samples: { type: 'string', default: '20' },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const CONNECTIONS = Number(opts.connections);
const LARGE_CONNECTIONS = Number(opts['large-connections']);
const SAMPLES = Number(opts.samples);
const SIZES = opts.sizes.split(',').map(Number);
const only = new Set(opts.only.split(','));
const JOB_KB = 1024;

class CheckFailed extends Error {}
const check = (ok, what) => {
  if (!ok) throw new CheckFailed(`warm-up check failed: ${what}`);
};
let runProblems = 0;

// ---- the server: ok and the sized fixture, both taking 2 calls at a time like bench/peers.mjs -------------------
const pluginsDir = subset(['ok']);
cpSync(path.join(root, 'bench/fixtures/plugins/sized'), path.join(pluginsDir, 'sized'), { recursive: true });
const config = {
  plugins: { ok: { concurrency: 2, maxQueue: 64 }, sized: { concurrency: 2, maxQueue: 64, timeoutMs: 30_000 } },
};
let server = null;
const cleanUp = async () => {
  const s = server;
  server = null;
  if (s) await s.stop();
  rmSync(pluginsDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

// ---- the two surfaces -------------------------------------------------------------------------------------------
const restPath = (plugin, tool) => `/v1/plugins/${plugin}/tools/${tool}/run`;
let mcp = null; // { session, version, headers }
let nextId = 1;

/** One REST call, checked; returns the answer's body size and the result. */
async function restOnce(url, plugin, tool, args) {
  const res = await fetch(url + restPath(plugin, tool), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  const text = await res.text();
  check(res.status === 200, `REST ${plugin}/${tool} answered ${res.status}: ${text.slice(0, 300)}`);
  return { bytes: Buffer.byteLength(text), result: JSON.parse(text).result };
}

/** One MCP tools/call, checked; returns the answer's body size, its content type and the call result. */
async function mcpOnce(url, name, args) {
  const answer = await mcpPost(url, toolsCall(name, args, nextId++), mcp.headers);
  check(answer.status === 200, `MCP tools/call ${name} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const reply = rpcAnswer(answer);
  check(reply.result && !reply.result.isError, `MCP ${name} failed: ${answer.text.slice(0, 300)}`);
  return { bytes: answer.bytes, type: answer.type, result: reply.result };
}

/** autocannon against the server, with the server's CPU per answer over the run. */
async function load(url, o) {
  const host0 = procCpuMs(server.pid);
  const tree0 = treeCpuMs(server.pid);
  const r = await autocannon(url, { seconds: SECONDS, ...o });
  const host = procCpuMs(server.pid) - host0;
  const workers = treeCpuMs(server.pid) - tree0 - host;
  if (r.errors || r.timeouts || r.non2xx || !r.requests) {
    runProblems++;
    console.error(`  ${url}: errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`, r.statusCodes);
  }
  const per = (cpuMs) => (r.requests ? (cpuMs * 1000) / r.requests : NaN);
  return { value: r.rps, p99: r.p99, hostUs: per(host), workerUs: per(workers) };
}

/** Median latency (ms) of SAMPLES sequential calls; each answer read to its end. */
async function sequential(call) {
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return { value: median(times) };
}

const restLoad = (url, plugin, tool, args, connections) =>
  load(url + restPath(plugin, tool), { method: 'POST', body: { args }, connections });
const mcpLoad = (url, name, args, connections) =>
  load(`${url}/mcp`, {
    method: 'POST',
    body: toolsCall(name, args, '[<id>]'), // a fresh JSON-RPC id per request (autocannon -I)
    idReplacement: true,
    headers: { accept: MCP_ACCEPT, ...mcp.headers },
    connections,
  });

// ---- rounds and tables ------------------------------------------------------------------------------------------
/** Runs `a` and `b` ROUNDS times, alternating which goes first. */
async function alternate(label, a, b, [nameA, nameB] = ['REST', 'MCP']) {
  const as = [];
  const bs = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2) {
      bs.push(await b());
      as.push(await a());
    } else {
      as.push(await a());
      bs.push(await b());
    }
    console.error(`${label} round ${i + 1}: ${nameA} ${show(as.at(-1))}, ${nameB} ${show(bs.at(-1))}`);
  }
  return { as, bs };
}
const round1 = (x) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));
const show = (r) => `${round1(r.value)}${r.p99 !== undefined ? ` (p99 ${r.p99} ms)` : ''}`;
const med = (xs, k = 'value') => median(xs.map((x) => x[k]));
const best = (xs, higherIsBetter) => (higherIsBetter ? Math.max : Math.min)(...xs.map((x) => x.value));

function throughputCell(xs) {
  return (
    `${Math.round(med(xs))} req/s (best ${Math.round(best(xs, true))}), p99 ${med(xs, 'p99')} ms, ` +
    `host ${Math.round(med(xs, 'hostUs'))} µs/call, workers ${Math.round(med(xs, 'workerUs'))}`
  );
}
const latencyCell = (xs) => `${med(xs).toFixed(1)} ms (best ${best(xs, false).toFixed(1)})`;

const callRows = [];
const jobRows = [];
const notes = [];
/** A REST vs MCP row; the ratio is MCP's speed over REST's (higher = MCP faster), medians (and bests). */
function callRow(what, { as, bs }, higherIsBetter) {
  const speed = (x, y) => (higherIsBetter ? x / y : y / x);
  const cell = higherIsBetter ? throughputCell : latencyCell;
  const medianRatio = speed(med(bs), med(as));
  const bestRatio = speed(best(bs, higherIsBetter), best(as, higherIsBetter));
  const hostRatio = higherIsBetter ? `; host CPU per call ${ratio(med(bs, 'hostUs') / med(as, 'hostUs'))}` : '';
  callRows.push(`| ${what} | ${cell(as)} | ${cell(bs)} | ${ratio(medianRatio)} (${ratio(bestRatio)})${hostRatio} |`);
}

const kbLabel = (kb) => (kb >= 1024 && kb % 1024 === 0 ? `${kb / 1024} MB` : `${kb} KB`);

// ---- the measurements -------------------------------------------------------------------------------------------
async function trivial(url) {
  const rest = await restOnce(url, 'ok', 'echo', { text: 'hello' });
  check(rest.result?.text === 'hello', `REST ok/echo result ${JSON.stringify(rest.result)}`);
  const m = await mcpOnce(url, 'ok__echo', { text: 'hello' });
  check(m.result.structuredContent?.text === 'hello', `MCP ok__echo structuredContent ${JSON.stringify(m.result)}`);
  check(JSON.parse(m.result.content?.[0]?.text ?? 'null')?.text === 'hello', 'MCP ok__echo text content');
  notes.push(`MCP answers \`${m.type}\`; a trivial answer is ${rest.bytes} B over REST, ${m.bytes} B over MCP`);
  for (let i = 0; i < 100; i++) {
    await restOnce(url, 'ok', 'echo', { text: 'hello' });
    await mcpOnce(url, 'ok__echo', { text: 'hello' });
  }
  // Both surfaces warm under concurrent load first (paths that only run under load are cold otherwise).
  await autocannon(url + restPath('ok', 'echo'), {
    method: 'POST',
    body: { args: { text: 'hello' } },
    connections: CONNECTIONS,
    seconds: 2,
  });
  await mcpLoad(url, 'ok__echo', { text: 'hello' }, CONNECTIONS);
  const res = await alternate(
    'trivial',
    () => restLoad(url, 'ok', 'echo', { text: 'hello' }, CONNECTIONS),
    () => mcpLoad(url, 'ok__echo', { text: 'hello' }, CONNECTIONS),
  );
  callRow(`trivial call (\`ok/echo\`), ${CONNECTIONS} connections`, res, true);
}

async function large(url) {
  for (const kb of SIZES) {
    const args = { kb };
    const rest = await restOnce(url, 'sized', 'sized', args);
    const n = rest.result?.items?.length;
    check(n > 0 && JSON.stringify(rest.result).length >= kb * 1024, `REST sized ${kb} KB: ${n} items`);
    const m = await mcpOnce(url, 'sized__sized', args);
    check(m.result.structuredContent?.items?.length === n, `MCP sized ${kb} KB structuredContent`);
    check(JSON.parse(m.result.content?.[0]?.text ?? 'null')?.items?.length === n, `MCP sized ${kb} KB text content`);
    notes.push(
      `a ${kbLabel(kb)} result (${JSON.stringify(rest.result).length} B of JSON, ${n} items): ` +
        `${rest.bytes} B answer over REST, ${m.bytes} B over MCP`,
    );
    for (let i = 0; i < 5; i++) {
      await restOnce(url, 'sized', 'sized', args);
      await mcpOnce(url, 'sized__sized', args);
    }
    const seq = await alternate(
      `${kb} KB sequential`,
      () => sequential(() => restOnce(url, 'sized', 'sized', args)),
      () => sequential(() => mcpOnce(url, 'sized__sized', args)),
    );
    callRow(`${kbLabel(kb)} result, sequential, median latency of ${SAMPLES}`, seq, false);
    const thr = await alternate(
      `${kb} KB throughput`,
      () => restLoad(url, 'sized', 'sized', args, LARGE_CONNECTIONS),
      () => mcpLoad(url, 'sized__sized', args, LARGE_CONNECTIONS),
    );
    callRow(`${kbLabel(kb)} result, ${LARGE_CONNECTIONS} connections`, thr, true);
  }
}

async function submit(url, plugin, tool, args) {
  const res = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plugin, tool, args }),
  });
  const body = await res.json();
  check(res.status === 202 && body.job_id, `POST /v1/jobs answered ${res.status}: ${JSON.stringify(body)}`);
  return body.job_id;
}

async function waitSucceeded(url, id) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await (await fetch(`${url}/v1/jobs/${id}`)).json();
    if (job.status === 'succeeded') return job;
    check(job.status === 'queued' || job.status === 'running', `job ${id} ended ${job.status}: ${JSON.stringify(job)}`);
    check(Date.now() < deadline, `job ${id} still ${job.status} after 30 s`);
    await sleep(20);
  }
}

async function jobs(url) {
  const bigId = await submit(url, 'sized', 'sized', { kb: JOB_KB });
  const smallId = await submit(url, 'ok', 'echo', { text: 'hello' });
  const big = await waitSucceeded(url, bigId);
  const small = await waitSucceeded(url, smallId);
  check(big.result?.items?.length > 0, `job ${bigId} has no items`);
  check(small.result?.text === 'hello', `job ${smallId} result ${JSON.stringify(small.result)}`);
  const bytes = async (id) => Buffer.byteLength(await (await fetch(`${url}/v1/jobs/${id}`)).text());
  const [bigBytes, smallBytes] = [await bytes(bigId), await bytes(smallId)];
  await autocannon(`${url}/v1/jobs/${bigId}`, { connections: LARGE_CONNECTIONS, seconds: 1 });
  await autocannon(`${url}/v1/jobs/${smallId}`, { connections: LARGE_CONNECTIONS, seconds: 1 });
  const gets = await alternate(
    'GET job',
    () => load(`${url}/v1/jobs/${bigId}`, { connections: LARGE_CONNECTIONS }),
    () => load(`${url}/v1/jobs/${smallId}`, { connections: LARGE_CONNECTIONS }),
    ['large', 'trivial'],
  );
  jobRows.push(
    `| \`GET /v1/jobs/:id\`, succeeded with a ${kbLabel(JOB_KB)} result (${bigBytes} B answer), ` +
      `${LARGE_CONNECTIONS} connections | ${throughputCell(gets.as)} |`,
    `| \`GET /v1/jobs/:id\`, succeeded with a trivial result (${smallBytes} B answer), ` +
      `${LARGE_CONNECTIONS} connections | ${throughputCell(gets.bs)} |`,
  );

  // Submit → succeeded of a trivial job, one at a time, the end seen as the realtime `jobs` event.
  const watcher = await subscribe(url, ['jobs']);
  try {
    const ended = new Map(); // job_id → { status, at }
    const waiting = new Map(); // job_id → resolve
    watcher.onStatus = (p) => {
      if (!['succeeded', 'failed', 'cancelled'].includes(p.status)) return;
      const end = { status: p.status, at: performance.now() };
      ended.set(p.job_id, end);
      waiting.get(p.job_id)?.(end);
    };
    const once = async () => {
      const t = performance.now();
      const id = await submit(url, 'ok', 'echo', { text: 'hello' });
      const end =
        ended.get(id) ??
        (await Promise.race([
          new Promise((resolve) => waiting.set(id, resolve)),
          sleep(30_000).then(() => ({ status: 'no event in 30 s' })),
        ]));
      waiting.delete(id);
      check(end.status === 'succeeded', `job ${id}: ${end.status}`);
      return end.at - t;
    };
    for (let i = 0; i < 10; i++) await once();
    const all = [];
    for (let i = 0; i < ROUNDS; i++) {
      const times = [];
      for (let j = 0; j < SAMPLES; j++) times.push(await once());
      all.push(...times);
      console.error(`submit → succeeded round ${i + 1}: median ${median(times).toFixed(1)} ms`);
    }
    jobRows.push(
      `| trivial job (\`ok/echo\`) submit → succeeded (realtime event), ${all.length} sequential | ` +
        `median ${median(all).toFixed(1)} ms, p90 ${pct(all, 90).toFixed(1)} ms, min ${Math.min(...all).toFixed(1)} ms |`,
    );
  } finally {
    watcher.ws.close();
  }
}

// ---- main -------------------------------------------------------------------------------------------------------
let status = 0;
try {
  console.log(machineLine());
  server = await startCli({ pluginsDir, config });
  const url = server.url;
  if (only.has('trivial') || only.has('large')) mcp = await openMcpSession(url, 'bench-pipeline');
  console.log(
    `rounds ${ROUNDS} × ${SECONDS} s, autocannon in its own process; the CLI with sandboxed workers` +
      (mcp ? `; MCP protocol ${mcp.version}, initialize answered \`${mcp.initType}\`` : '') +
      '\n',
  );
  if (only.has('trivial')) await trivial(url);
  if (only.has('large')) await large(url);
  if (only.has('jobs')) await jobs(url);

  if (callRows.length) {
    console.log('| measurement | REST | MCP | MCP / REST, speed: medians (bests) |\n|---|---|---|---|');
    for (const r of callRows) console.log(r);
    console.log('');
  }
  if (jobRows.length) {
    console.log('| jobs | result |\n|---|---|');
    for (const r of jobRows) console.log(r);
    console.log('');
  }
  for (const n of notes) console.log(`- ${n}`);
  console.log(`\n${machineLine()}`);
  if (runProblems) {
    console.error(`${runProblems} measured run(s) had errors, timeouts or non-2xx answers`);
    status = 1;
  }
} catch (err) {
  console.error(err instanceof CheckFailed ? err.message : err);
  status = 1;
} finally {
  await cleanUp();
}
process.exit(status);
