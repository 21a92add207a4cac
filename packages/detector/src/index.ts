/**
 * @bastion/detector — COCO object detection shared by the object-detection and video-tracker plugins.
 *
 * Model: MB3-CenterNet (MobileNetV3 backbone, 80 COCO classes, 512×512 input) as shipped, converted to a
 * TensorFlow.js graph model, in `@vladmandic/human` (`models/centernet.json` + `models/centernet.bin`).
 * Runtime: `@tensorflow/tfjs-core` + `@tensorflow/tfjs-converter` on the WebAssembly backend (CPU, SIMD).
 * Images are decoded and resized by `sharp`.
 *
 * Pre/post-processing follows `@vladmandic/human`'s `src/object/centernet.ts`: the RGB image is stretched to
 * 512×512 as float32 in 0..255 (no normalisation), the graph's `tower_0/detections` output holds 100 rows of
 * `[x1, y1, x2, y2, score, class]` in 512-pixel units, and a class-agnostic non-maximum suppression (IoU 0.4)
 * removes duplicates before boxes are scaled back to the input image.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';

import { COCO_LABELS } from './labels.js';

export { COCO_LABELS, type CocoLabel } from './labels.js';

/** Side of the square model input, in pixels. */
export const INPUT_SIZE = 512;
/** npm package that ships the model files. */
export const MODEL_PACKAGE = '@vladmandic/human';
/** Model files, relative to {@link MODEL_PACKAGE}'s folder. */
export const MODEL_JSON = 'models/centernet.json';
export const MODEL_WEIGHTS = 'models/centernet.bin';
/** Default cap on decoded image size (width × height), against decompression bombs. */
export const DEFAULT_MAX_INPUT_PIXELS = 25_000_000;

const OUTPUT_NODE = 'tower_0/detections';
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

import { iou as intersectionOverUnion, type Box } from './box.js';

export type { Box } from './box.js';

export interface Detection {
  label: string;
  /** 0-based index into {@link COCO_LABELS}. */
  class_id: number;
  /** 0..1 */
  score: number;
  box: Box;
}

export interface DetectionResult {
  width: number;
  height: number;
  detections: Detection[];
}

export interface DetectOptions {
  /** Minimum score, 0..1 (default 0.3). */
  minScore?: number;
  /** Maximum number of detections returned, best first (default 50; the model yields at most 100). */
  maxResults?: number;
  /** Keep only these COCO labels (validated with {@link resolveClasses}). */
  classes?: readonly string[];
  /** IoU above which the lower-scored of two boxes is dropped (default 0.4, as in `@vladmandic/human`). */
  iouThreshold?: number;
}

/** A raw, tightly packed RGB (3 channels) or RGBA (4 channels) frame, e.g. from ffmpeg `-pix_fmt rgb24`. */
export interface RawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  channels?: 3 | 4;
}

export interface DetectorOptions {
  /** Folder holding `centernet.json` + `centernet.bin`; default: `models/` of the installed `@vladmandic/human`. */
  modelDir?: string;
  /** Largest accepted image, in pixels (width × height); default {@link DEFAULT_MAX_INPUT_PIXELS}. */
  maxInputPixels?: number;
  /** Where to start looking for `node_modules` (default: this module's folder). */
  resolveFrom?: string;
}

/** An input the detector cannot use (not an image, truncated, too large…). The message says what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Finds an installed npm package's folder by walking `node_modules` upward from `fromDir`, like Node does
 * (and like the host's requirement check), without importing it and without relying on its `exports` map.
 */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = path.resolve(fromDir);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute paths of the model files (throws an actionable error when the package is missing). */
export function locateModel(options: Pick<DetectorOptions, 'modelDir' | 'resolveFrom'> = {}): {
  json: string;
  weights: string;
} {
  let dir = options.modelDir;
  if (!dir) {
    const pkg = findPackageDir(MODEL_PACKAGE, options.resolveFrom ?? here);
    if (!pkg) throw new Error(`npm package '${MODEL_PACKAGE}' not found; run 'npm install ${MODEL_PACKAGE}'`);
    dir = path.join(pkg, 'models');
  }
  const json = path.join(dir, path.basename(MODEL_JSON));
  const weights = path.join(dir, path.basename(MODEL_WEIGHTS));
  for (const f of [json, weights]) {
    if (!existsSync(f) || !statSync(f).isFile()) {
      throw new Error(`model file ${f} is missing; reinstall '${MODEL_PACKAGE}' (npm install ${MODEL_PACKAGE})`);
    }
  }
  return { json, weights };
}

/** Maps label names to class ids; an unknown label throws an {@link InputError} naming the valid ones. */
export function resolveClasses(classes: readonly string[] | undefined): Set<number> | undefined {
  if (!classes || classes.length === 0) return undefined;
  const ids = new Set<number>();
  const unknown: string[] = [];
  for (const c of classes) {
    const id = (COCO_LABELS as readonly string[]).indexOf(c.trim().toLowerCase());
    if (id < 0) unknown.push(c);
    else ids.add(id);
  }
  if (unknown.length > 0) {
    throw new InputError(
      `unknown class${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}; ` +
        `valid COCO labels are: ${COCO_LABELS.join(', ')}`,
    );
  }
  return ids;
}

let backendReady: Promise<void> | undefined;

/** Selects the tfjs wasm backend once per process, with the `.wasm` files read from the installed package. */
export function initBackend(): Promise<void> {
  backendReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(wasmDir + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
  })();
  backendReady.catch(() => (backendReady = undefined));
  return backendReady;
}

/** The tfjs backend in use and whether wasm SIMD is on (for logs and docs). */
export function backendInfo(): { backend: string; simd: boolean; threads: boolean } {
  return {
    backend: tf.getBackend(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}

function checkOptions(opts: DetectOptions): {
  minScore: number;
  maxResults: number;
  iou: number;
  classes: Set<number> | undefined;
} {
  const minScore = opts.minScore ?? 0.3;
  const maxResults = opts.maxResults ?? 50;
  const iou = opts.iouThreshold ?? 0.4;
  if (!(minScore >= 0 && minScore <= 1)) throw new InputError(`min_score must be between 0 and 1, got ${minScore}`);
  if (!Number.isInteger(maxResults) || maxResults < 0) {
    throw new InputError(`max_results must be a non-negative integer, got ${maxResults}`);
  }
  if (!(iou > 0 && iou <= 1)) throw new InputError(`iou threshold must be in (0, 1], got ${iou}`);
  return { minScore, maxResults, iou, classes: resolveClasses(opts.classes) };
}

/**
 * Decodes rows of `[x1, y1, x2, y2, score, class]` (512-pixel units) into detections in a `width`×`height` image:
 * score/class filter, class-agnostic greedy NMS, clamping, rounding. Exported for tests.
 */
export function decodeDetections(
  rows: ArrayLike<number>,
  width: number,
  height: number,
  opts: DetectOptions = {},
): Detection[] {
  const { minScore, maxResults, iou, classes } = checkOptions(opts);
  const sx = width / INPUT_SIZE;
  const sy = height / INPUT_SIZE;
  const candidates: Detection[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    const score = rows[i + 4] as number;
    const cls = rows[i + 5] as number;
    if (!Number.isFinite(score) || !Number.isInteger(cls) || cls < 0 || cls >= COCO_LABELS.length) continue;
    if (score < minScore || (classes && !classes.has(cls))) continue;
    const x1 = Math.min(Math.max((rows[i] as number) * sx, 0), width);
    const y1 = Math.min(Math.max((rows[i + 1] as number) * sy, 0), height);
    const x2 = Math.min(Math.max((rows[i + 2] as number) * sx, 0), width);
    const y2 = Math.min(Math.max((rows[i + 3] as number) * sy, 0), height);
    if (!(x2 > x1 && y2 > y1)) continue;
    candidates.push({
      label: COCO_LABELS[cls] as string,
      class_id: cls,
      score,
      box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 },
    });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const c of candidates) {
    if (kept.length >= maxResults) break;
    if (kept.some((k) => intersectionOverUnion(k.box, c.box) > iou)) continue;
    kept.push(c);
  }
  return kept.map((d) => ({
    ...d,
    score: Math.round(d.score * 1000) / 1000,
    box: {
      x: Math.round(d.box.x),
      y: Math.round(d.box.y),
      width: Math.round(d.box.width),
      height: Math.round(d.box.height),
    },
  }));
}

function describeSharpError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(msg))
    return 'the data is not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF)';
  if (/pixel limit/i.test(msg)) return 'the image has too many pixels';
  if (/premature end|truncated|corrupt|unexpected end|read error|damaged/i.test(msg)) {
    return `the image is truncated or corrupt (${msg.trim()}); re-upload the complete file`;
  }
  return `the image could not be decoded (${msg.trim()})`;
}

/** A loaded CenterNet model. Load once (e.g. in a plugin's `init()`), then call {@link detectImage} per image. */
export class Detector {
  private constructor(
    private model: GraphModel | undefined,
    readonly maxInputPixels: number,
  ) {}

  /** Initialises the wasm backend and loads the model from disk (no network). */
  static async load(options: DetectorOptions = {}): Promise<Detector> {
    const files = locateModel(options);
    await initBackend();
    // Keep native memory low in a memory-capped worker: no libvips operation cache.
    sharp.cache(false);
    const json = JSON.parse(await readFile(files.json, 'utf8')) as tf.io.ModelJSON;
    const weights = await readFile(files.weights);
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const specs = manifest.flatMap((group) => group.weights);
      const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
      return [specs, buffer as ArrayBuffer];
    });
    const model = await loadGraphModel({ load: () => Promise.resolve(artifacts) });
    return new Detector(model, options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS);
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }

  /** Runs the graph on a 512×512×3 RGB buffer; returns the 100×6 detection rows. */
  private infer(rgb512: Uint8Array): Float32Array {
    const model = this.model;
    if (!model) throw new Error('detector has been disposed');
    if (rgb512.length !== INPUT_SIZE * INPUT_SIZE * 3) throw new Error('internal: bad model input size');
    const input = tf.tensor4d(Float32Array.from(rgb512), [1, INPUT_SIZE, INPUT_SIZE, 3], 'float32');
    try {
      const out = model.execute(input, OUTPUT_NODE) as tf.Tensor;
      try {
        return out.dataSync() as Float32Array;
      } finally {
        out.dispose();
      }
    } finally {
      input.dispose();
    }
  }

  /**
   * Detects objects in an encoded image (JPEG, PNG, WebP, GIF first frame, TIFF, AVIF). EXIF orientation is
   * applied, and width/height/boxes refer to the upright image. Bad input throws an {@link InputError}.
   */
  async detectImage(bytes: Uint8Array, opts: DetectOptions = {}): Promise<DetectionResult> {
    checkOptions(opts);
    if (bytes.length === 0) throw new InputError('the image is empty (0 bytes); upload a JPEG, PNG or WebP file');
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sharpOpts = { limitInputPixels: this.maxInputPixels, failOn: 'truncated' as const };
    let meta: sharp.Metadata;
    try {
      // Header only (no pixel decoding), so no pixel limit here: the size is checked below with a clearer message.
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new InputError(describeSharpError(err));
    }
    if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) {
      throw new InputError(
        `unsupported image format '${meta.format ?? 'unknown'}'; upload a JPEG, PNG, WebP, GIF, TIFF or AVIF image`,
      );
    }
    const w0 = meta.width ?? 0;
    const h0 = meta.height ?? 0;
    if (w0 < 1 || h0 < 1) throw new InputError('the image has no pixels');
    if (w0 * h0 > this.maxInputPixels) {
      throw new InputError(
        `the image is ${w0}×${h0} (${((w0 * h0) / 1e6).toFixed(1)} MP), above the ${(this.maxInputPixels / 1e6).toFixed(0)} MP ` +
          `limit; downscale it first (or raise the plugin's maxInputPixels option)`,
      );
    }
    const rotated = (meta.orientation ?? 1) >= 5;
    const width = rotated ? h0 : w0;
    const height = rotated ? w0 : h0;
    let rgb: Buffer;
    try {
      rgb = await sharp(input, sharpOpts)
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer();
    } catch (err) {
      throw new InputError(describeSharpError(err));
    }
    return { width, height, detections: decodeDetections(this.infer(rgb), width, height, opts) };
  }

  /** Detects objects in a raw RGB/RGBA frame (e.g. a decoded video frame). Boxes are in the frame's pixels. */
  async detectRgb(frame: RawFrame, opts: DetectOptions = {}): Promise<DetectionResult> {
    checkOptions(opts);
    const channels = frame.channels ?? 3;
    const { width, height } = frame;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new InputError(`bad frame size ${width}×${height}`);
    }
    if (frame.data.length !== width * height * channels) {
      throw new InputError(`frame has ${frame.data.length} bytes, expected ${width}×${height}×${channels}`);
    }
    let rgb: Uint8Array;
    if (width === INPUT_SIZE && height === INPUT_SIZE && channels === 3) {
      rgb = frame.data;
    } else {
      const input = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
      rgb = await sharp(input, { raw: { width, height, channels }, limitInputPixels: this.maxInputPixels })
        .removeAlpha()
        .resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer();
    }
    return { width, height, detections: decodeDetections(this.infer(rgb), width, height, opts) };
  }

  /** A tiny real inference that proves the model and backend work (for a plugin's `validate()`). */
  async selfTest(): Promise<void> {
    const size = 64;
    const data = new Uint8Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
    const raw = this.infer(
      await sharp(Buffer.from(data), { raw: { width: size, height: size, channels: 3 } })
        .resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill' })
        .raw()
        .toBuffer(),
    );
    if (raw.length !== 600) throw new Error(`model self-test: expected 100×6 outputs, got ${raw.length}`);
    for (let i = 0; i < raw.length; i += 6) {
      const score = raw[i + 4] as number;
      if (!Number.isFinite(score) || score < 0 || score > 1) {
        throw new Error(`model self-test: score ${score} out of range; the model or the wasm backend is broken`);
      }
    }
  }
}
