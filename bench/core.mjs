// Core host benchmarks (the numbers to meet, bench/README.md). Run after `npm run build`:  node bench/core.mjs
// Prints a Markdown table; bench/README.md keeps the last results.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'apps/server/test/fixtures/plugins');
const { createServer } = await import(pathToFileURL(path.join(root, 'apps/server/dist/server.js')).href);
const { serverConfigSchema } = await import(pathToFileURL(path.join(root, 'apps/server/dist/config/schema.js')).href);

const results = [];
const report = (what, value, target) => {
  results.push([what, value, target]);
  console.error(`${what}: ${value}`);
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (x) => `${x.toFixed(3)} ms`;

function subset(names, copies = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-bench-'));
  for (const n of names) cpSync(path.join(fixtures, n), path.join(dir, n), { recursive: true });
  for (const [n, count] of Object.entries(copies)) {
    for (let i = 0; i < count; i++) {
      const to = path.join(dir, `${n}-${i}`);
      cpSync(path.join(fixtures, n), to, { recursive: true });
      const pkg = JSON.parse(readFileSync(path.join(to, 'package.json'), 'utf8'));
      pkg.bastion.id = `${n}-${i}`;
      writeFileSync(path.join(to, 'package.json'), JSON.stringify(pkg));
    }
  }
  return dir;
}

async function start(pluginsDir, file = {}, listen = false) {
  const config = serverConfigSchema.parse({
    port: 0,
    bundledPlugins: false,
    pluginsDirs: [pluginsDir],
    dataDir: mkdtempSync(path.join(tmpdir(), 'bastion-bench-data-')),
    file,
  });
  const server = await createServer(config, { logger: pino({ level: 'silent' }) });
  await server.loaded;
  const url = listen ? await server.listen() : '';
  return { server, url };
}

// 1. Isolation overhead of a trivial call: sandbox vs in-process.
{
  const { server } = await start(subset(['ok']));
  const plugin = (await import(pathToFileURL(path.join(fixtures, 'ok/index.js')).href)).default;
  const echo = plugin.tools.echo.handler;
  const N = 3000;
  const inproc = [];
  const sandbox = [];
  for (let i = 0; i < 300; i++)
    await server.ctx.runner.run({ plugin: 'ok', tool: 'echo', args: { text: 'w' }, mode: 'direct' });
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    JSON.parse(JSON.stringify(await echo({ text: 'hello' })));
    inproc.push(performance.now() - t);
    t = performance.now();
    await server.ctx.runner.run({ plugin: 'ok', tool: 'echo', args: { text: 'hello' }, mode: 'direct' });
    sandbox.push(performance.now() - t);
  }
  const http = [];
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await server.app.inject({
      method: 'POST',
      url: '/v1/plugins/ok/tools/echo/run',
      payload: { args: { text: 'hello' } },
    });
    http.push(performance.now() - t);
  }
  report('trivial call in-process, median', ms(pct(inproc, 50)), '');
  report('trivial call through the sandbox (runner → IPC → worker → back), median', ms(pct(sandbox, 50)), '');
  report('isolation overhead, median', ms(pct(sandbox, 50) - pct(inproc, 50)), 'well under 1 ms');
  report('same call through HTTP (inject), median / p99', `${ms(pct(http, 50))} / ${ms(pct(http, 99))}`, '');
  await server.close();
}

// 2. Health latency over real HTTP while one plugin hangs in a CPU loop and another crash-loops.
{
  const { server, url } = await start(
    subset(['ok', 'hangs-sync', 'exits']),
    { restartPolicy: 'never', plugins: { 'hangs-sync': { timeoutMs: 4000 } } },
    true,
  );
  const hang = fetch(`${url}/v1/plugins/hangs-sync/tools/run/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  let crashing = true;
  const crashLoop = (async () => {
    while (crashing) {
      await fetch(`${url}/v1/plugins/exits/tools/run/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await fetch(`${url}/v1/plugins/exits/restart`, { method: 'POST' });
    }
  })();
  const lat = [];
  const end = Date.now() + 3500;
  while (Date.now() < end) {
    for (const p of ['/v1/plugins', '/v1/plugins/hangs-sync/health', '/v1/plugins/exits/health']) {
      const t = performance.now();
      const res = await fetch(url + p);
      await res.arrayBuffer();
      lat.push(performance.now() - t);
    }
  }
  crashing = false;
  await crashLoop;
  const hung = await hang;
  report(
    `health latency while a plugin hangs and another crash-loops (n=${lat.length}), p50 / p99`,
    `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))}`,
    'p99 < 50 ms',
  );
  report('hung call answered', `${hung.status} ${(await hung.json()).error.code}`, '504 PLUGIN_TIMEOUT');
  await server.close();
}

// 3. Timeout detection: time past the limit until the answer.
{
  const { server } = await start(subset(['ok', 'hangs-sync', 'hangs-promise']), {
    plugins: { 'hangs-sync': { timeoutMs: 1000 }, 'hangs-promise': { timeoutMs: 1000 } },
  });
  const over = [];
  for (let i = 0; i < 6; i++) {
    const name = i % 2 ? 'hangs-sync' : 'hangs-promise';
    const t = performance.now();
    await server.ctx.runner.run({ plugin: name, tool: 'run', args: {}, mode: 'direct' }).catch(() => {});
    over.push(performance.now() - t - 1000);
    await server.ctx.manager.restart(name);
  }
  report('timeout answered after the limit, max over 6', ms(Math.max(...over)), '< 1000 ms');
  await server.close();
}

// 4. Memory breach: peak RSS relative to the limit (memoryMb 160).
{
  const { server } = await start(subset(['ok', 'heap-leak', 'native-leak']));
  for (const name of ['native-leak', 'heap-leak']) {
    const ratios = [];
    const detect = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const res = await server.app.inject({ method: 'POST', url: `/v1/plugins/${name}/tools/run/run`, payload: {} });
      detect.push(performance.now() - t);
      const code = res.json().error.code;
      if (code !== 'PLUGIN_MEMORY_LIMIT') throw new Error(`${name}: ${code}`);
      ratios.push(server.ctx.registry.health(name).memory_peak_mb / 160);
      await server.ctx.manager.restart(name);
    }
    report(
      `${name}: peak / limit over 5 runs, max`,
      `${Math.max(...ratios).toFixed(2)}× (min ${Math.min(...ratios).toFixed(2)}×)`,
      '< 1.5×',
    );
    report(`${name}: call start → PLUGIN_MEMORY_LIMIT answer, median`, ms(pct(detect, 50)), '');
  }
  await server.close();
}

// 5. Startup: 20 trivial plugins to INITIALIZED.
{
  const dir = subset([], { ok: 20 });
  const t = performance.now();
  const { server } = await start(dir);
  const took = performance.now() - t;
  const states = server.ctx.registry.list().map((h) => h.state);
  report(
    '20 trivial plugins → INITIALIZED',
    `${(took / 1000).toFixed(2)} s (${states.filter((s) => s === 'INITIALIZED').length}/20)`,
    '< 10 s',
  );
  await server.close();
}

// 6. Load: 50 calls/s for 20 s over real HTTP, mixed healthy and faulty, with crashes restarted by the policy.
{
  const { server, url } = await start(
    subset(['ok', 'throws', 'unserialisable-output', 'exits', 'hangs-promise']),
    { restartPolicy: 'on-failure', plugins: { 'hangs-promise': { timeoutMs: 300 } } },
    true,
  );
  const targets = [
    ['ok', 'echo', { text: 'x' }],
    ['ok', 'echo', { text: 'y' }],
    ['ok', 'echo', { text: 'z' }],
    ['throws', 'run', {}],
    ['unserialisable-output', 'run', {}],
    ['exits', 'run', {}],
    ['hangs-promise', 'run', {}],
  ];
  const counts = {};
  const pending = [];
  const seconds = 20;
  const rate = 50;
  const t0 = Date.now();
  for (let i = 0; i < seconds * rate; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [p, tool, args] = targets[i % targets.length];
    pending.push(
      fetch(`${url}/v1/plugins/${p}/tools/${tool}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args }),
      })
        .then(async (res) => {
          const body = await res.json();
          const key = `${res.status} ${body.ok ? 'ok' : body.error.code}`;
          counts[key] = (counts[key] ?? 0) + 1;
        })
        .catch((err) => {
          counts[`network error ${err.code ?? err.message}`] =
            (counts[`network error ${err.code ?? err.message}`] ?? 0) + 1;
        }),
    );
  }
  await Promise.all(pending);
  const elapsed = (Date.now() - t0) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const fiveHundreds = Object.entries(counts)
    .filter(([k]) => k.startsWith('500'))
    .reduce((a, [, n]) => a + n, 0);
  report(
    `load: ${total} calls in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(1)}/s)`,
    Object.entries(counts)
      .sort()
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
    '0 × 500',
  );
  report('load: 500 answers', String(fiveHundreds), '0');
  await server.close();
}

console.log('| measurement | result | target |\n|---|---|---|');
for (const [what, value, target] of results) console.log(`| ${what} | ${value} | ${target} |`);
process.exit(0);
