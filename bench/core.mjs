// Core host benchmarks (the numbers to meet, bench/README.md). Run after `npm run build`:  node bench/core.mjs
// Prints a Markdown table; bench/README.md keeps the last results.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixtures, startInProcess, subset } from './lib/server.mjs';
import { Outcomes, paced } from './lib/paced.mjs';
import { ms, pct } from './lib/stats.mjs';

const results = [];
const report = (what, value, target) => {
  results.push([what, value, target]);
  console.error(`${what}: ${value}`);
};
const start = (pluginsDir, file = {}, listen = false) => startInProcess(pluginsDir, file, { listen });

// 1. Isolation overhead of a trivial call: sandbox vs in-process.
{
  const { server } = await start(subset(['ok']));
  const plugin = (await import(pathToFileURL(path.join(fixtures, 'ok/index.js')).href)).default;
  const echo = plugin.tools.echo.handler;
  const N = 3000;
  const inproc = [];
  const sandbox = [];
  for (let i = 0; i < 300; i++)
    await server.ctx.runner.run(server.ctx.runner.prepare('ok', 'echo', { text: 'w' }), { mode: 'direct' });
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    JSON.parse(JSON.stringify(await echo({ text: 'hello' })));
    inproc.push(performance.now() - t);
    t = performance.now();
    await server.ctx.runner.run(server.ctx.runner.prepare('ok', 'echo', { text: 'hello' }), { mode: 'direct' });
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
    await Promise.resolve()
      .then(() => server.ctx.runner.run(server.ctx.runner.prepare(name, 'run', {}), { mode: 'direct' }))
      .catch(() => {});
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
  const outcomes = new Outcomes();
  const elapsed = await paced(50, 20, (i) => {
    const [p, tool, args] = targets[i % targets.length];
    return outcomes.record(
      fetch(`${url}/v1/plugins/${p}/tools/${tool}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args }),
      }),
    );
  });
  const total = outcomes.total;
  const fiveHundreds = outcomes.count('500');
  report(
    `load: ${total} calls in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(1)}/s)`,
    String(outcomes),
    '0 × 500',
  );
  report('load: 500 answers', String(fiveHundreds), '0');
  await server.close();
}

console.log('| measurement | result | target |\n|---|---|---|');
for (const [what, value, target] of results) console.log(`| ${what} | ${value} | ${target} |`);
process.exit(0);
