// Motion plugin benchmark: detect_motion latency per 640×480 frame (JPEG and PNG), idle and peak RSS.
// Build first: npx tsc -b packages/sdk plugins/motion
// Run:         node bench/motion.mjs [frames=200]
// Runs the plugin in-process (as its worker does), frames one after another.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pluginDir = path.join(root, 'plugins', 'motion');
const { default: plugin } = await import(path.join(pluginDir, 'dist', 'index.js'));
const frames = Number(process.argv[2] ?? 200);
const mb = (bytes) => Math.round(bytes / 1048576);
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
function resetPeak() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not Linux */
  }
}

// A textured 640×480 scene (noise background, so JPEG artefacts are realistic) with a bright square moving right.
const W = 640;
const H = 480;
const noise = Buffer.alloc(W * H * 3);
let seed = 7;
for (let i = 0; i < noise.length; i++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  noise[i] = 60 + (seed % 60);
}
async function frame(i, format) {
  const img = sharp(noise, { raw: { width: W, height: H, channels: 3 } }).composite([
    {
      input: { create: { width: 90, height: 90, channels: 3, background: '#f0f0f0' } },
      left: 20 + ((i * 7) % 500),
      top: 180,
    },
  ]);
  return format === 'jpeg' ? img.jpeg({ quality: 80 }).toBuffer() : img.png().toBuffer();
}

const ctx = { signal: new AbortController().signal, progress() {}, partial() {}, log() {}, pluginDir, config: {} };
await plugin.init(ctx);
await plugin.validate(ctx);
globalThis.gc?.();
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
console.log(`idle RSS after init+validate ${mb(process.memoryUsage().rss)} MB`);

for (const format of ['jpeg', 'png']) {
  const inputs = [];
  for (let i = 0; i < 30; i++) inputs.push(await frame(i, format));
  const session_id = `bench-${format}`;
  await plugin.tools.detect_motion.handler({ image: inputs[0], session_id }, ctx);
  resetPeak();
  const times = [];
  let withMotion = 0;
  let regions = 0;
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    const r = await plugin.tools.detect_motion.handler({ image: inputs[(i + 1) % inputs.length], session_id }, ctx);
    times.push(performance.now() - t0);
    if (r.motion) withMotion++;
    regions += r.regions.length;
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(2);
  console.log(
    `640x480 ${format.padEnd(4)} (${(inputs[1].length / 1024).toFixed(0)} KB): ` +
      `median ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${q(1)} ms  (n=${frames}, ${withMotion} with motion, ${(regions / frames).toFixed(2)} regions/frame)  peak RSS ${mb(peakRss() ?? 0)} MB`,
  );
}

// Session memory: 256 sessions (the default cap) of 640×480 frames.
resetPeak();
const img = await frame(0, 'jpeg');
for (let i = 0; i < 300; i++) await plugin.tools.detect_motion.handler({ image: img, session_id: `s${i}` }, ctx);
globalThis.gc?.();
console.log(
  `after 300 sessions (capped at 256): RSS ${mb(process.memoryUsage().rss)} MB, peak ${mb(peakRss() ?? 0)} MB`,
);
await plugin.dispose();
