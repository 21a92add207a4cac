// Memory and process limits (docs/security.md): how far past its limit each hostile fixture gets under each
// enforcement, and what one sample of a worker's process tree costs as the tree grows.
//   node bench/limits.mjs [--only peaks,tree] [--sizes 10,100,300,1000]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { root, startInProcess, subset } from './lib/server.mjs';
import { machineLine, median, r1, sleep } from './lib/stats.mjs';

const { values } = parseArgs({
  options: { only: { type: 'string', default: 'peaks,tree' }, sizes: { type: 'string', default: '10,100,300,1000' } },
});
const only = new Set(values.only.split(','));
const dist = (p) => import(pathToFileURL(path.join(root, 'apps/server/dist', p)).href);
console.log(machineLine());

const CASES = [
  ['thread-child-leak', {}],
  ['many-processes', {}],
  ['tmpfs-fill', { dir: '/tmp' }],
  ['tmpfs-fill', { dir: '/dev/shm' }],
  ['fork-bomb', {}],
  ['heap-leak', {}],
  ['native-leak', {}],
];

if (only.has('peaks')) {
  const { detectCgroups } = await dist('sandbox/cgroups/host.js');
  const modes = detectCgroups().host ? [true, false] : [false];
  const names = [...new Set(CASES.map(([n]) => n))];
  console.log('\n| fixture | limit | enforcement | answer | peak MB | peak / limit | ms to the answer |');
  console.log('|---|---|---|---|---|---|---|');
  for (const cgroups of modes) {
    const { server } = await startInProcess(subset(names), {}, { cgroups });
    const inject = (o) => server.app.inject(o);
    for (const [name, args] of CASES) {
      await inject({ method: 'POST', url: `/v1/plugins/${name}/restart` });
      const manifest = (await inject({ url: `/v1/plugins/${name}/manifest` })).json();
      const t0 = performance.now();
      const res = await inject({ method: 'POST', url: `/v1/plugins/${name}/tools/run/run`, payload: { args } });
      const took = performance.now() - t0;
      const h = (await inject({ url: `/v1/plugins/${name}/health` })).json();
      const body = res.json();
      const limit = name === 'fork-bomb' ? `${manifest.limits.maxProcesses} procs` : `${manifest.limits.memoryMb} MB`;
      const peak = h.memory_peak_mb ?? 0;
      console.log(
        `| ${name}${args.dir ? ` ${args.dir}` : ''} | ${limit} | ${h.memory_enforcement} | ${res.statusCode} ${body.error?.code ?? 'ok'} | ${r1(peak)} | ${(peak / manifest.limits.memoryMb).toFixed(2)}× | ${Math.round(took)} |`,
      );
    }
    await server.close();
  }
}

if (only.has('tree')) {
  const { TreeMemory } = await dist('sandbox/proc-memory.js');
  console.log(
    '\n| processes in the tree | one async sample, median (min) | event loop blocked, max | sync walk (as before: main thread only, 256 cap), median |',
  );
  console.log('|---|---|---|---|');
  for (const n of values.sizes.split(',').map(Number)) {
    // A node process (like a worker) with n sleeping children.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const {spawn}=require('child_process');for(let i=0;i<${n};i++)spawn('sleep',['120'],{stdio:'ignore'});console.log('up');setInterval(()=>{},1000)`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((r) => parent.stdout.once('data', r));
    await sleep(500);
    const tree = new TreeMemory(parent.pid, { maxProcesses: 100_000, namespaced: false });
    const times = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let seen = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      seen = (await tree.sample()).processes.length;
      times.push(performance.now() - t0);
    }
    delay.disable();
    const sync = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      syncWalk(parent.pid);
      sync.push(performance.now() - t0);
    }
    console.log(
      `| ${seen} | ${median(times).toFixed(2)} ms (${Math.min(...times).toFixed(2)}) | ${(delay.max / 1e6).toFixed(2)} ms | ${median(sync).toFixed(2)} ms |`,
    );
    spawn('pkill', ['-KILL', '-P', String(parent.pid)]).on('exit', () => parent.kill('SIGKILL'));
    await sleep(300);
  }
}

/** The walk main had: sync reads, children of the main thread only, at most 256 processes. */
function syncWalk(rootPid) {
  const pids = [];
  const stack = [rootPid];
  let rss = 0;
  while (stack.length && pids.length < 256) {
    const pid = stack.pop();
    pids.push(pid);
    try {
      stack.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').split(' ').filter(Boolean).map(Number));
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return rss;
}
