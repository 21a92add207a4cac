// Tracing overhead (bench/README.md): node bench/tracing.mjs [--base DIR] [--rounds N] [--http-rounds N]
// 1. The trivial call in-process (runner and HTTP inject, as in core.mjs), each round in a fresh process, alternating:
//    this tree with tracing off, --base (another checkout, built, e.g. the main branch) with no tracing code at all,
//    and this tree with tracing on (OTLP/HTTP to a loopback sink in its own process, batch processor).
// 2. POST ok/echo over HTTP against the real CLI with autocannon (-c 32), tracing off and on, alternating.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { autocannon } from './lib/autocannon.mjs';
import { root, startCli, subset, tmp } from './lib/server.mjs';
import { machineLine, ms, pct } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'http-rounds': { type: 'string', default: '2' },
    child: { type: 'string' },
  },
});

const cpuUs = ({ user, system }) => user + system;

/** One in-process measurement (run in a child process): medians of the runner and of HTTP inject. */
async function measure(tree) {
  const dist = (p) => pathToFileURL(path.join(tree, 'apps/server/dist', p)).href;
  const { createServer } = await import(dist('server.js'));
  const { serverConfigSchema } = await import(dist('config/schema.js'));
  const { pino } = await import('pino');
  const config = serverConfigSchema.parse({
    port: 0,
    bundledPlugins: false,
    pluginsDirs: [subset(['ok'])],
    dataDir: tmp('data'),
  });
  const server = await createServer(config, { logger: pino({ level: 'silent' }) });
  await server.loaded;
  const run = () =>
    server.ctx.runner.run(server.ctx.runner.prepare('ok', 'echo', { text: 'hello' }), { mode: 'direct' });
  const inject = () =>
    server.app.inject({ method: 'POST', url: '/v1/plugins/ok/tools/echo/run', payload: { args: { text: 'hello' } } });
  for (let i = 0; i < 500; i++) await run();
  for (let i = 0; i < 200; i++) await inject();
  const runner = [];
  const http = [];
  // CPU time of this process per call too: less swayed than wall time by other processes on a busy machine.
  let cpu = process.cpuUsage();
  for (let i = 0; i < 3000; i++) {
    const t = performance.now();
    await run();
    runner.push(performance.now() - t);
  }
  const runnerCpu = cpuUs(process.cpuUsage(cpu)) / 3000;
  cpu = process.cpuUsage();
  for (let i = 0; i < 1500; i++) {
    const t = performance.now();
    await inject();
    http.push(performance.now() - t);
  }
  const httpCpu = cpuUs(process.cpuUsage(cpu)) / 1500;
  await server.close();
  return { runner: pct(runner, 50), http: pct(http, 50), runnerCpu, httpCpu, tracing: Boolean(server.ctx.tracing) };
}

if (values.child) {
  process.stdout.write(JSON.stringify(await measure(values.child)));
  process.exit(0);
}

async function startSink() {
  // Its stdin is a pipe: when this process ends, however it ends, the sink sees it close and exits.
  const child = spawn(process.execPath, [path.join(root, 'bench/lib/otlp-sink.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  const [url] = await once(child.stdout, 'data');
  return {
    url: url.trim(),
    async stop() {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.kill('SIGTERM');
      await once(child, 'exit');
      return Number(/spans (\d+)/.exec(out)?.[1] ?? 0);
    },
  };
}

function inChild(tree, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bench/tracing.mjs'), '--child', tree], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

const sink = await startSink();
const on = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
const variants = [
  ['this tree, tracing off', root, {}],
  ...(values.base ? [['base tree (no tracing code)', path.resolve(values.base), {}]] : []),
  ['this tree, tracing on (OTLP to a loopback sink)', root, on],
];
const rows = new Map(variants.map(([name]) => [name, { runner: [], http: [], runnerCpu: [], httpCpu: [] }]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, tree, env] of variants) {
    const r = await inChild(tree, env);
    if (r.tracing !== (env === on)) throw new Error(`${name}: tracing ${r.tracing}`);
    for (const key of ['runner', 'http', 'runnerCpu', 'httpCpu']) rows.get(name)[key].push(r[key]);
    console.error(
      `round ${round + 1} ${name}: runner ${ms(r.runner)} (${r.runnerCpu.toFixed(1)} µs CPU), ` +
        `HTTP inject ${ms(r.http)} (${r.httpCpu.toFixed(1)} µs CPU)`,
    );
  }
}

// Over real HTTP: the CLI in its own process, autocannon in another.
const plugins = subset(['ok']);
const body = { args: { text: 'hello' } };
const cannon = { 'tracing off': [], 'tracing on': [] };
for (let round = 0; round < Number(values['http-rounds']); round++) {
  for (const [name, env] of [
    ['tracing off', {}],
    ['tracing on', on],
  ]) {
    const cli = await startCli({ pluginsDir: plugins, env });
    const url = `${cli.url}/v1/plugins/ok/tools/echo/run`;
    await autocannon(url, { method: 'POST', body, seconds: 2 });
    const r = await autocannon(url, { method: 'POST', body, seconds: 5 });
    await cli.stop();
    cannon[name].push(r);
    console.error(`round ${round + 1} HTTP ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
  }
}
const exported = await sink.stop();

const med = (xs) => pct(xs, 50);
console.log(
  `\n${machineLine()}; ${values.rounds} rounds in-process, ${values['http-rounds']} over HTTP; medians of rounds\n`,
);
console.log('| variant | runner.run: median / host CPU per call | HTTP inject: median / host CPU per call |');
console.log('|---|---|---|');
const us = (x) => `${x.toFixed(1)} µs`;
for (const [name, r] of rows)
  console.log(
    `| ${name} | ${ms(med(r.runner))} / ${us(med(r.runnerCpu))} | ${ms(med(r.http))} / ${us(med(r.httpCpu))} |`,
  );
console.log('\n| POST ok/echo, autocannon -c 32, 5 s | req/s | p50 | p99 |');
console.log('|---|---|---|---|');
for (const [name, rs] of Object.entries(cannon))
  console.log(
    `| ${name} | ${Math.round(med(rs.map((r) => r.rps)))} | ${med(rs.map((r) => r.p50))} ms | ${med(rs.map((r) => r.p99))} ms |`,
  );
console.log(`\nspans the sink received: ${exported}`);
