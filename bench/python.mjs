// Python plugins beside Node ones, in one process and one run (rounds alternating): a trivial call's round trip
// through the sandbox (runner → frames on fd 3 → worker → back), a worker's idle RSS and a plugin's load time
// (restart → INITIALIZED), and face detection over HTTP (app.inject, base64 JSON) against the same OpenCV call in
// a plain Python process. Run after `npm run build`: node bench/python.mjs [--rounds 5] [--calls 400]
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { root, startInProcess, subset, tmp } from './lib/server.mjs';
import { descendants, machineLine, median, procMemoryMb, r1, treeCpuMs } from './lib/stats.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '400' } },
});
const rounds = Number(values.rounds);
const calls = Number(values.calls);

const dir = subset(['ok']);
cpSync(path.join(root, 'apps/server/test/fixtures/python-plugins/py-ok'), path.join(dir, 'py-ok'), { recursive: true });
cpSync(path.join(root, 'plugins/face-detection'), path.join(dir, 'face-detection'), { recursive: true });
const { server } = await startInProcess(dir);
const run = (plugin, tool, args) =>
  server.ctx.runner.run(server.ctx.runner.prepare(plugin, tool, args), { mode: 'direct' });
console.log(machineLine());

// --- trivial round trip ---------------------------------------------------------------------------------------
async function roundTrip(plugin) {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await run(plugin, 'echo', { text: 'hello' });
  return (performance.now() - t0) / calls;
}
for (let i = 0; i < 200; i++) {
  await run('ok', 'echo', { text: 'w' });
  await run('py-ok', 'echo', { text: 'w' });
}
const rt = { ok: [], 'py-ok': [] };
for (let r = 0; r < rounds; r++)
  for (const p of r % 2 ? ['py-ok', 'ok'] : ['ok', 'py-ok']) rt[p].push(await roundTrip(p));
const fmt = (xs) => `${median(xs).toFixed(3)} ms (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
console.log(`trivial call round trip, sequential, median of ${rounds} rounds × ${calls} calls`);
console.log(`  node   ok/echo     ${fmt(rt.ok)}`);
console.log(`  python py-ok/echo  ${fmt(rt['py-ok'])}`);
console.log(`  python / node      ${(median(rt['py-ok']) / median(rt.ok)).toFixed(2)}×   (target ≤ 1.5×)`);

// --- idle RSS and load time -----------------------------------------------------------------------------------
function workerRss(marker) {
  const pids = descendants(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((a) => a.endsWith(marker));
    } catch {
      return false;
    }
  });
  return pids.map((p) => procMemoryMb(p)?.rss ?? NaN);
}
async function loadMs(name) {
  const t0 = performance.now();
  await server.ctx.manager.restart(name);
  const took = performance.now() - t0;
  if (server.ctx.registry.health(name).state !== 'INITIALIZED') throw new Error(`${name} did not come back`);
  return took;
}
const loads = { ok: [], 'py-ok': [], 'face-detection': [] };
for (let r = 0; r < rounds; r++) for (const p of Object.keys(loads)) loads[p].push(await loadMs(p));
await new Promise((res) => setTimeout(res, 1000));
const nodeRss = workerRss('worker/main.js');
const pyRss = workerRss('python/worker.py');
console.log('idle worker RSS (VmRSS of the interpreter process, after load and 1 s idle)');
console.log(`  node worker (ok)                         ${nodeRss.join(', ')} MB`);
console.log(`  python workers (py-ok numpy+pydantic, face-detection cv2)  ${pyRss.join(', ')} MB`);
console.log(`load time (restart → INITIALIZED: dependency checks, spawn, import, init, validate), median of ${rounds}`);
for (const [p, xs] of Object.entries(loads)) console.log(`  ${p.padEnd(16)} ${fmt(xs)}`);

// --- face detection vs in-process OpenCV -----------------------------------------------------------------------
const photo = path.join(root, 'node_modules/@vladmandic/human/assets/samples.jpg');
const images = tmp('faces');
const inputs = [
  ['samples.jpg 1280×1158', readFileSync(photo)],
  ['samples.jpg at 640×579', await sharp(photo).resize(640).jpeg({ quality: 90 }).toBuffer()],
];
const script = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(path.join(root, 'plugins/face-detection'))})
from face_detection import plugin
cascade = plugin.load_cascade()
out = {}
for name in sys.argv[2:]:
    data = open(name, 'rb').read()
    plugin.detect(cascade, plugin.decode(data), 30, 1.1, 5)  # warm-up
    times = []
    for _ in range(int(sys.argv[1])):
        t0 = time.perf_counter()
        gray = plugin.decode(data)
        faces = plugin.detect(cascade, gray, 30, 1.1, 5)
        times.append((time.perf_counter() - t0) * 1000)
    c0 = time.process_time()
    for _ in range(int(sys.argv[1])):
        plugin.detect(cascade, plugin.decode(data), 30, 1.1, 5)
    cpu = (time.process_time() - c0) * 1000 / int(sys.argv[1])
    out[name] = {"times": times, "faces": len(faces), "cpu": cpu}
print(json.dumps(out))
`;
const files = inputs.map(([, buf], i) => {
  const f = path.join(images, `${i}.jpg`);
  writeFileSync(f, buf);
  return f;
});
console.log(
  `face detection per image (decode + cascade, min_size 30, scale 1.1), median of ${rounds} runs after one warm-up`,
);
for (let i = 0; i < inputs.length; i++) {
  const [label, buf] = inputs[i];
  const b64 = buf.toString('base64');
  const viaHost = [];
  let found = 0;
  await server.app.inject({
    method: 'POST',
    url: '/v1/plugins/face-detection/tools/detect_faces/run',
    payload: { args: { image: b64 } },
  });
  const local = JSON.parse(
    spawnSync('/usr/bin/python3', ['-I', '-c', script, String(rounds), files[i]], { encoding: 'utf8' }).stdout,
  )[files[i]];
  const [facePid] = descendants(process.pid).filter((pid) => {
    try {
      return (
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('python/worker.py') &&
        readlinkSync(`/proc/${pid}/cwd`).endsWith('face-detection')
      );
    } catch {
      return false;
    }
  });
  const cpu0 = treeCpuMs(facePid);
  if (!facePid) console.log('  (face-detection worker not found: CPU not measured)');
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/plugins/face-detection/tools/detect_faces/run',
      payload: { args: { image: b64 } },
    });
    viaHost.push(performance.now() - t0);
    found = res.json().result.faces.length;
  }
  const workerCpu = (treeCpuMs(facePid) - cpu0) / rounds;
  const m = median(viaHost);
  const l = median(local.times);
  console.log(
    `  ${label.padEnd(24)} Bastion over HTTP ${r1(m)} ms (${found} faces) | in-process ${r1(l)} ms (${local.faces} faces) | ${(m / l).toFixed(2)}×   (target ≤ 1.1×)`,
  );
  console.log(
    `  ${''.padEnd(24)} CPU per image: worker ${r1(workerCpu)} ms | in-process ${r1(local.cpu)} ms | ${(workerCpu / local.cpu).toFixed(2)}×`,
  );
}
await server.close();
