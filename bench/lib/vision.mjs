// Images and in-process baselines for the vision benchmarks: tesseract.js called directly (as an application
// would, without Bastion) and the object-detection plugin's handler called in this process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';
export { root };
import { root } from './server.mjs';

const require = createRequire(path.join(root, 'plugins/ocr/package.json'));
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Black text lines (DejaVu Sans) on white, as a PNG. */
export function renderText(width, height, lines, fontSize) {
  const lh = Math.round(fontSize * 1.45);
  const text = lines
    .map(
      (t, i) =>
        `<text x="30" y="${fontSize + 20 + i * lh}" font-family="DejaVu Sans" font-size="${fontSize}">${esc(t)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const words = 'the quick brown fox jumps over a lazy dog while bastion reads every word on this page'.split(' ');
/** n lines of perLine words, deterministic. */
export const paragraph = (n, perLine, seed = 1) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: perLine }, (_, j) => words[(i * 7 + j * 3 + seed) % words.length]).join(' '),
  );

/** A line of text, a paragraph and a full page (A4 at 150 and at 300 dpi). */
export async function ocrImages() {
  return [
    { name: 'line 800×200', image: await renderText(800, 200, ['Invoice 2024-117: total 42.50 EUR'], 36) },
    { name: 'paragraph 1200×800', image: await renderText(1200, 800, paragraph(16, 9), 28) },
    { name: 'page 1240×1754 (A4 @150 dpi)', image: await renderText(1240, 1754, paragraph(44, 9), 24), runs: 3 },
    { name: 'page 2480×3508 (A4 @300 dpi)', image: await renderText(2480, 3508, paragraph(60, 12), 40), runs: 2 },
  ];
}

export const humanAssets = path.join(root, 'node_modules/@vladmandic/human/assets');

/** The package's group photo, and the same photo upscaled to 12 MP. */
export async function detectionImages() {
  const photo = readFileSync(path.join(humanAssets, 'samples.jpg'));
  const large = await sharp(photo).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  return [
    { name: 'samples.jpg 1280×1158', image: photo },
    { name: 'samples.jpg upscaled 4000×3000', image: large },
  ];
}

/** tesseract.js in this process with the options the ocr plugin uses (LSTM, bundled English data, no cache). */
export async function ocrInProcess() {
  const { default: Tesseract } = await import(require.resolve('tesseract.js'));
  const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
  const worker = await Tesseract.createWorker('eng', 1, { langPath, cacheMethod: 'none', gzip: true });
  return {
    what: 'tesseract.js recognize() in-process',
    run: (image) => worker.recognize(image, {}, { text: true, blocks: true }),
    close: () => worker.terminate(),
  };
}

/** A tool context for calling a plugin's handler directly. */
export const toolContext = (pluginDir, config = {}) => ({
  signal: new AbortController().signal,
  progress() {},
  partial() {},
  log() {},
  pluginDir,
  config,
});

/** The object-detection plugin (its detector library, model and image decoding) called in this process. */
export async function detectorInProcess() {
  const pluginDir = path.join(root, 'plugins/object-detection');
  const { default: plugin } = await import(path.join(pluginDir, 'dist/index.js'));
  const ctx = toolContext(pluginDir);
  await plugin.init(ctx);
  await plugin.validate?.(ctx);
  return {
    what: 'the plugin handler in-process',
    run: (image) => plugin.tools.detect.handler({ image: new Uint8Array(image) }, ctx),
    close: () => plugin.dispose?.(),
  };
}
