// OCR plugin benchmark: latency of extract_text on rendered text images, idle and peak RSS.
// Build first: npx tsc -b packages/sdk plugins/ocr
// Run:         node bench/ocr.mjs [runs=10]
// Runs the plugin in-process (as its worker does): one tesseract worker thread, calls one after another.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { paragraph, renderText, toolContext } from './lib/vision.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pluginDir = path.join(root, 'plugins', 'ocr');
const { default: plugin } = await import(path.join(pluginDir, 'dist', 'index.js'));
const runs = Number(process.argv[2] ?? 10);

const mb = (bytes) => Math.round(bytes / 1048576);
/** Peak RSS since the last reset, from the kernel (VmHWM), in bytes; null where /proc is not available. */
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
    return true;
  } catch {
    return false;
  }
}

const cases = [
  { name: 'line 800x200', image: await renderText(800, 200, ['Invoice 2024-117: total 42.50 EUR'], 36) },
  { name: 'paragraph 1200x800', image: await renderText(1200, 800, paragraph(16, 9), 28) },
  { name: 'page 2480x3508 (A4 @300dpi)', image: await renderText(2480, 3508, paragraph(60, 12), 40), runs: 3 },
];

const ctx = toolContext(pluginDir);

const rssStart = process.memoryUsage().rss;
let t = performance.now();
await plugin.init(ctx);
const initMs = performance.now() - t;
t = performance.now();
await plugin.validate(ctx);
const validateMs = performance.now() - t;
globalThis.gc?.();
const idle = process.memoryUsage().rss;
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
console.log(`init ${initMs.toFixed(0)} ms, validate ${validateMs.toFixed(0)} ms`);
console.log(`RSS before init ${mb(rssStart)} MB, idle after init+validate ${mb(idle)} MB`);

const canReset = resetPeak();
let overallPeak = 0;
for (const c of cases) {
  const n = c.runs ?? runs;
  const times = [];
  let peak = 0;
  let sample = '';
  for (let i = 0; i < n; i++) {
    resetPeak();
    let sampled = process.memoryUsage().rss;
    const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);
    const t0 = performance.now();
    const r = await plugin.tools.extract_text.handler({ image: c.image }, ctx);
    times.push(performance.now() - t0);
    clearInterval(timer);
    peak = Math.max(peak, canReset ? (peakRss() ?? sampled) : sampled);
    sample = `${r.words.length} words, conf ${r.confidence}`;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  overallPeak = Math.max(overallPeak, peak);
  console.log(
    `${c.name.padEnd(28)} median ${median.toFixed(0).padStart(5)} ms  min ${times[0].toFixed(0).padStart(5)} ms  ` +
      `max ${times[times.length - 1].toFixed(0).padStart(5)} ms  (n=${n})  peak RSS ${mb(peak)} MB  [${sample}]`,
  );
}
console.log(`RSS after the runs ${mb(process.memoryUsage().rss)} MB; overall peak ${mb(overallPeak)} MB`);
await plugin.dispose();
