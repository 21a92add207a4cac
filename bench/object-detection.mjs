// Benchmark of the object-detection plugin, in-process (no sandbox): detection latency and memory.
// Build first: npx tsc -b packages/sdk packages/detector plugins/object-detection
// Run:         node bench/object-detection.mjs [runs=10]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { default: plugin } = await import(path.join(root, 'plugins/object-detection/dist/index.js'));
const { findPackageDir } = await import(path.join(root, 'packages/detector/dist/index.js'));
const runs = Number(process.argv[2] ?? 10);

const mb = (kb) => Math.round(kb / 1024);
const status = () => readFileSync('/proc/self/status', 'utf8');
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(status())[1]);
const hwmKb = () => Number(/VmHWM:\s+(\d+)/.exec(status())[1]);
/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, so the next read is the peak of what follows. */
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ctx = {
  signal: new AbortController().signal,
  progress() {},
  partial() {},
  log: (...a) => console.log('[plugin]', ...a),
  pluginDir: path.join(root, 'plugins/object-detection'),
  config: {},
};

const rss0 = rssKb();
let t = performance.now();
await plugin.init(ctx);
await plugin.validate(ctx);
const loadMs = performance.now() - t;
global.gc?.();
const idle = rssKb();
console.log(`node ${process.version}; RSS before init ${mb(rss0)} MB; init+validate ${loadMs.toFixed(0)} ms`);
console.log(`idle RSS after init: ${mb(idle)} MB`);

const human = findPackageDir('@vladmandic/human', root);
const sample = readFileSync(path.join(human, 'assets', 'samples.jpg'));
const big = readFileSync(path.join(human, 'assets', 'facemesh.png'));
// Near the default 25 MP input limit (6000×4000): a noisy JPEG, and a worst-case noisy RGBA PNG (~100 MB file).
const noise = { width: 6000, height: 4000, noise: { type: 'gaussian', mean: 128, sigma: 40 } };
// Generated only when their turn comes, so that they do not inflate the earlier measurements.
const hugeJpeg = () =>
  sharp({ create: { ...noise, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
const hugePng = () =>
  sharp({ create: { ...noise, channels: 4 } })
    .png({ compressionLevel: 1 })
    .toBuffer();

async function bench(name, bytes, n) {
  const meta = await sharp(bytes).metadata();
  const times = [];
  let peak = 0;
  let count = 0;
  for (let i = 0; i < n + 2; i++) {
    resetPeak();
    t = performance.now();
    const r = await plugin.tools.detect.handler({ image: new Uint8Array(bytes) }, ctx);
    const ms = performance.now() - t;
    if (i >= 2) times.push(ms); // 2 warm-up calls
    peak = Math.max(peak, hwmKb());
    count = r.detections.length;
  }
  console.log(
    `${name.padEnd(34)} ${meta.width}×${meta.height} ${meta.format.padEnd(4)} ${(bytes.length / 1024).toFixed(0).padStart(6)} KB: ` +
      `median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, n=${n}), ` +
      `${count} detections, peak RSS ${mb(peak)} MB`,
  );
}

await bench('samples.jpg (group photo)', sample, runs);
await bench('facemesh.png (large PNG)', big, Math.max(3, Math.floor(runs / 3)));
await bench('synthetic 24 MP JPEG (near limit)', await hugeJpeg(), 3);
global.gc?.();
await bench('synthetic 24 MP RGBA PNG (worst)', await hugePng(), 3);
console.log(`RSS at end: ${mb(rssKb())} MB; peak RSS of the whole run: ${mb(hwmKb())} MB`);
await plugin.dispose();
