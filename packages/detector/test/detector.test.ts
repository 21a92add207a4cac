import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  COCO_LABELS,
  Detector,
  INPUT_SIZE,
  InputError,
  backendInfo,
  decodeDetections,
  findPackageDir,
  locateModel,
  resolveClasses,
} from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const humanDir = findPackageDir('@vladmandic/human', here) as string;
const samplePath = path.join(humanDir, 'assets', 'samples.jpg');

/** A detection row in model units: [x1, y1, x2, y2, score, class]. */
const row = (x1: number, y1: number, x2: number, y2: number, score: number, cls: number) => [
  x1,
  y1,
  x2,
  y2,
  score,
  cls,
];

describe('labels', () => {
  it('are the 80 COCO labels of @vladmandic/human, in its order', () => {
    expect(COCO_LABELS).toHaveLength(80);
    const src = readFileSync(path.join(humanDir, 'src', 'object', 'labels.ts'), 'utf8');
    const upstream = [...src.matchAll(/label: '([^']+)'/g)].map((m) => m[1]);
    expect([...COCO_LABELS]).toEqual(upstream);
  });
});

describe('resolveClasses', () => {
  it('maps labels to ids, case-insensitively', () => {
    expect(resolveClasses(undefined)).toBeUndefined();
    expect(resolveClasses([])).toBeUndefined();
    expect([...resolveClasses(['person', 'Car', 'toothbrush'])!]).toEqual([0, 2, 79]);
  });
  it('throws an InputError naming the unknown and the valid labels', () => {
    expect(() => resolveClasses(['person', 'unicorn', 'yeti'])).toThrow(InputError);
    expect(() => resolveClasses(['unicorn', 'yeti'])).toThrow(/unknown classes "unicorn", "yeti".*person, bicycle/);
  });
});

describe('decodeDetections', () => {
  it('scales 512-unit boxes to the image, clamps them and sorts by score', () => {
    const rows = [...row(-10, 0, 256, 256, 0.5, 0), ...row(256, 256, 600, 512, 0.9, 2)];
    const d = decodeDetections(rows, 1024, 512);
    expect(d).toEqual([
      { label: 'car', class_id: 2, score: 0.9, box: { x: 512, y: 256, width: 512, height: 256 } },
      { label: 'person', class_id: 0, score: 0.5, box: { x: 0, y: 0, width: 512, height: 256 } },
    ]);
  });
  it('filters by min score and classes, caps the count and drops invalid rows', () => {
    const rows = [
      ...row(0, 0, 10, 10, 0.2, 0),
      ...row(100, 100, 150, 150, 0.6, 16),
      ...row(200, 200, 250, 250, 0.7, 0),
      ...row(300, 300, 350, 350, 0.8, 0),
      ...row(0, 0, 10, 10, NaN, 0),
      ...row(0, 0, 10, 10, 0.9, 80),
      ...row(20, 20, 20, 30, 0.9, 0), // zero width
    ];
    expect(decodeDetections(rows, 512, 512).map((d) => d.score)).toEqual([0.8, 0.7, 0.6]);
    expect(decodeDetections(rows, 512, 512, { minScore: 0.1 }).map((d) => d.score)).toEqual([0.8, 0.7, 0.6, 0.2]);
    expect(decodeDetections(rows, 512, 512, { classes: ['dog'] }).map((d) => d.label)).toEqual(['dog']);
    expect(decodeDetections(rows, 512, 512, { maxResults: 1 }).map((d) => d.score)).toEqual([0.8]);
  });
  it('suppresses overlapping duplicates across classes (as @vladmandic/human does) but keeps separate objects', () => {
    const rows = [
      ...row(100, 100, 200, 300, 0.8, 0),
      ...row(102, 101, 201, 298, 0.5, 27), // same box, other class → dropped
      ...row(105, 100, 205, 300, 0.6, 0), // duplicate person → dropped
      ...row(150, 150, 170, 170, 0.7, 41), // small cup inside the person → kept (IoU small)
    ];
    expect(decodeDetections(rows, 512, 512).map((d) => d.label)).toEqual(['person', 'cup']);
    expect(decodeDetections(rows, 512, 512, { iouThreshold: 0.99 })).toHaveLength(4);
  });
  it('rejects bad options', () => {
    expect(() => decodeDetections([], 1, 1, { minScore: 2 })).toThrow(/min_score/);
    expect(() => decodeDetections([], 1, 1, { maxResults: -1 })).toThrow(/max_results/);
  });
});

describe('model files', () => {
  it('are found inside @vladmandic/human', () => {
    const files = locateModel();
    expect(files.json).toBe(path.join(humanDir, 'models', 'centernet.json'));
    expect(existsSync(files.weights)).toBe(true);
  });
  it('a missing model folder gives an actionable error', () => {
    expect(() => locateModel({ modelDir: '/nonexistent' })).toThrow(/centernet\.json is missing; reinstall/);
  });
});

describe('Detector', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await Detector.load();
  });
  afterAll(() => detector.dispose());

  it('runs on the tfjs wasm backend and passes its self-test', async () => {
    expect(backendInfo().backend).toBe('wasm');
    await detector.selfTest();
  });

  it('detects people in the sample photo (encoded) and in the same photo as a raw RGB frame', async () => {
    const bytes = readFileSync(samplePath);
    const fromImage = await detector.detectImage(bytes);
    expect(fromImage.width).toBe(1280);
    expect(fromImage.detections.filter((d) => d.label === 'person').length).toBeGreaterThanOrEqual(3);

    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const fromRaw = await detector.detectRgb({ data, width: info.width, height: info.height });
    expect(fromRaw.width).toBe(1280);
    expect(fromRaw.detections.length).toBeGreaterThanOrEqual(3);
    // Same pixels, same model: the best detection agrees within a few pixels.
    const a = fromImage.detections[0]!;
    const b = fromRaw.detections[0]!;
    expect(b.label).toBe(a.label);
    expect(Math.abs(a.box.x - b.box.x)).toBeLessThan(10);
    expect(Math.abs(a.score - b.score)).toBeLessThan(0.05);
  });

  it('accepts RGBA frames and exact 512×512 frames', async () => {
    const rgba = await sharp(samplePath).resize(320, 290).ensureAlpha().raw().toBuffer();
    const r = await detector.detectRgb({ data: rgba, width: 320, height: 290, channels: 4 });
    expect(r.width).toBe(320);
    const sq = await sharp(samplePath).resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const s = await detector.detectRgb({ data: sq, width: INPUT_SIZE, height: INPUT_SIZE });
    expect(s.detections.some((d) => d.label === 'person')).toBe(true);
  });

  it('rejects a frame whose size does not match its data', async () => {
    await expect(detector.detectRgb({ data: new Uint8Array(10), width: 4, height: 4 })).rejects.toThrow(
      /expected 4×4×3/,
    );
  });

  it('rejects an image above the pixel limit before decoding it', async () => {
    const small = await Detector.load({ maxInputPixels: 1000 });
    try {
      const png = await sharp({ create: { width: 100, height: 100, channels: 3, background: 'red' } })
        .png()
        .toBuffer();
      await expect(small.detectImage(png)).rejects.toThrow(/100×100.*limit/);
    } finally {
      small.dispose();
    }
  });

  it('throws after dispose', async () => {
    const d = await Detector.load();
    d.dispose();
    await expect(d.selfTest()).rejects.toThrow(/disposed/);
  });
});
