// Bundled plugins measured through the real host and sandbox: memory of each worker after load and after calls
// (memory_peak_mb, VmHWM of the worker's process tree), and latency of each tool over HTTP (inject).
// Run after `npm run build`:  node bench/plugins.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import sharp from 'sharp';
import { renderText } from './lib/vision.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createServer } = await import(pathToFileURL(path.join(root, 'apps/server/dist/server.js')).href);
const { serverConfigSchema } = await import(pathToFileURL(path.join(root, 'apps/server/dist/config/schema.js')).href);
const sample = path.join(root, 'node_modules/@vladmandic/human/assets/samples.jpg');

const config = serverConfigSchema.parse({
  port: 0,
  dataDir: mkdtempSync(path.join(tmpdir(), 'bastion-bench-')),
  file: { plugins: { 'video-tracker': { allowCpu: true } } },
});
const t0 = performance.now();
const server = await createServer(config, { logger: pino({ level: 'silent' }) });
await server.loaded;
const loadS = (performance.now() - t0) / 1000;
const health = (n) => server.ctx.registry.health(n);
const afterLoad = Object.fromEntries(
  ['ocr', 'object-detection', 'motion', 'video-tracker'].map((n) => [n, health(n).memory_peak_mb]),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(plugin, tool, args, n) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await server.app.inject({
      method: 'POST',
      url: `/v1/plugins/${plugin}/tools/${tool}/run`,
      payload: { args },
    });
    ms.push(performance.now() - t);
    if (res.statusCode !== 200) throw new Error(`${plugin}: ${res.body}`);
  }
  return median(ms);
}

const line = (await renderText(800, 120, ['Bastion reads this line of text'], 32)).toString('base64');
const para = (
  await renderText(
    1200,
    800,
    Array.from({ length: 16 }, (_, i) => `Line ${i + 1}: the quick brown fox jumps over the lazy dog`),
    32,
  )
).toString('base64');
const photo = readFileSync(sample).toString('base64');
const frame = async (x) =>
  (
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#333' } })
      .composite([{ input: { create: { width: 80, height: 80, channels: 3, background: '#eee' } }, left: x, top: 200 }])
      .jpeg()
      .toBuffer()
  ).toString('base64');
const dir = mkdtempSync(path.join(tmpdir(), 'bastion-bench-video-'));
const video = path.join(dir, 'pan.mp4');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-y',
  '-loop',
  '1',
  '-i',
  sample,
  '-vf',
  "scale=960:-2,crop=640:360:'t*60':0",
  '-t',
  '5',
  '-r',
  '25',
  '-pix_fmt',
  'yuv420p',
  video,
]);

const rows = [];
rows.push(['ocr', 'extract_text, one line 800×120', await time('ocr', 'extract_text', { image: line }, 10)]);
rows.push([
  'ocr',
  'extract_text, paragraph 1200×800 (16 lines)',
  await time('ocr', 'extract_text', { image: para }, 5),
]);
rows.push([
  'object-detection',
  'detect, samples.jpg 1280×1158',
  await time('object-detection', 'detect', { image: photo }, 10),
]);
const frames = await Promise.all([0, 40, 80, 120, 160, 200, 240, 280, 320, 360].map(frame));
let i = 0;
const motionMs = [];
for (const f of frames) {
  const t = performance.now();
  await server.app.inject({
    method: 'POST',
    url: '/v1/plugins/motion/tools/detect_motion/run',
    payload: { args: { image: f, session_id: 'b' } },
  });
  if (i++ > 0) motionMs.push(performance.now() - t);
}
rows.push(['motion', 'detect_motion, 640×480 JPEG', median(motionMs)]);
const vt = performance.now();
const res = await server.app.inject({
  method: 'POST',
  url: '/v1/plugins/video-tracker/tools/track_video/run',
  payload: { args: { video: readFileSync(video).toString('base64') } },
});
const vtMs = performance.now() - vt;
const frameCount = res.json().result.frame_count;
rows.push([
  'video-tracker',
  `track_video, 5 s 640×360 25 fps (${frameCount} frames): ${(frameCount / (vtMs / 1000)).toFixed(1)} frames/s`,
  vtMs,
]);

console.log(`All four loaded in ${loadS.toFixed(1)} s.\n`);
console.log('| plugin | call | median latency (HTTP, through the sandbox) |\n|---|---|---|');
for (const [p, what, ms] of rows) console.log(`| ${p} | ${what} | ${ms.toFixed(0)} ms |`);
console.log(
  '\n| plugin | worker RSS after load (peak so far) | peak after the calls above | limits.memoryMb |\n|---|---|---|---|',
);
for (const [name, mb] of Object.entries(afterLoad)) {
  console.log(
    `| ${name} | ${mb} MB | ${health(name).memory_peak_mb} MB | ${server.ctx.registry.limits(name).memoryMb} |`,
  );
}
await server.close();
process.exit(0);
