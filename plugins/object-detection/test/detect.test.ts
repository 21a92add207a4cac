import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { DetectionResult } from '@bastion/detector';

import plugin, { type DetectArgs } from '../src/index.js';
import { makeCtx, pluginDir, pngBomb, samplePhoto } from './helpers.js';

const ctx = makeCtx(pluginDir);
const detect = (args: DetectArgs) => plugin.tools.detect.handler(args, ctx) as Promise<DetectionResult>;

beforeAll(async () => {
  await plugin.init?.(ctx);
  await plugin.validate?.(ctx);
});
afterAll(async () => {
  await plugin.dispose?.();
});

describe('detect', () => {
  it('finds people with sensible boxes in the sample group photo', async () => {
    const photo = samplePhoto();
    const result = await detect({ image: new Uint8Array(photo) });
    expect(result.width).toBe(1280);
    expect(result.height).toBe(1158);
    const people = result.detections.filter((d) => d.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(3);
    for (const d of result.detections) {
      expect(d.class_id).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeGreaterThanOrEqual(0.3);
      expect(d.box.x).toBeGreaterThanOrEqual(0);
      expect(d.box.y).toBeGreaterThanOrEqual(0);
      expect(d.box.x + d.box.width).toBeLessThanOrEqual(result.width);
      expect(d.box.y + d.box.height).toBeLessThanOrEqual(result.height);
    }
    // The group photo's people stand in the lower part: at least one tall (standing) person box there.
    const standing = people.filter((d) => d.box.height > 400 && d.box.y > 300 && d.box.height > 2 * d.box.width);
    expect(standing.length).toBeGreaterThanOrEqual(1);
    // Sorted best first.
    const scores = result.detections.map((d) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('finds a single person in a crop, boxed around them, in the crop coordinates', async () => {
    // First thumbnail of the sample sheet: one standing figure on a white background.
    const crop = await sharp(samplePhoto()).extract({ left: 0, top: 0, width: 158, height: 158 }).png().toBuffer();
    const result = await detect({ image: new Uint8Array(crop) });
    expect(result).toMatchObject({ width: 158, height: 158 });
    const best = result.detections[0];
    expect(best?.label).toBe('person');
    expect(best?.box.height).toBeGreaterThan(100);
    expect(best!.box.x + best!.box.width / 2).toBeGreaterThan(50);
    expect(best!.box.x + best!.box.width / 2).toBeLessThan(110);
  });

  it('applies min_score, max_results and classes', async () => {
    const image = new Uint8Array(samplePhoto());
    const all = await detect({ image, min_score: 0.05, max_results: 100 });
    expect(all.detections.length).toBeGreaterThan(7);
    expect(all.detections.some((d) => d.label !== 'person')).toBe(true);
    const two = await detect({ image, min_score: 0.05, max_results: 2 });
    expect(two.detections).toEqual(all.detections.slice(0, 2));
    const strict = await detect({ image, min_score: 0.45 });
    expect(strict.detections.every((d) => d.score >= 0.45)).toBe(true);
    const people = await detect({ image, min_score: 0.05, max_results: 100, classes: ['person'] });
    expect(people.detections.length).toBeGreaterThan(0);
    expect(people.detections.every((d) => d.label === 'person' && d.class_id === 0)).toBe(true);
    const none = await detect({ image, classes: ['giraffe'] });
    expect(none.detections).toEqual([]);
  });

  it('rejects an unknown class, naming the valid labels', async () => {
    const image = new Uint8Array(samplePhoto());
    await expect(detect({ image, classes: ['person', 'unicorn'] })).rejects.toThrow(
      /unknown class "unicorn".*valid COCO labels are: person, bicycle, car/,
    );
  });

  it('honours EXIF orientation: width/height are those of the upright image', async () => {
    const crop = await sharp(samplePhoto()).extract({ left: 0, top: 0, width: 300, height: 158 }).jpeg().toBuffer();
    const rotated = await sharp(crop).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const result = await detect({ image: new Uint8Array(rotated) });
    expect(result).toMatchObject({ width: 158, height: 300 });
  });

  describe('bad input fails fast with a clear error', () => {
    it('0-byte file', async () => {
      await expect(detect({ image: new Uint8Array(0) })).rejects.toThrow(/empty \(0 bytes\)/);
    });
    it('not an image', async () => {
      const text = new TextEncoder().encode('hello, this is plain text and not a picture at all');
      await expect(detect({ image: text })).rejects.toThrow(/not a supported image/);
    });
    it('truncated JPEG', async () => {
      const photo = samplePhoto();
      const truncated = new Uint8Array(photo.subarray(0, Math.floor(photo.length / 3)));
      await expect(detect({ image: truncated })).rejects.toThrow(/truncated or corrupt/);
    });
    it('a 20000×20000 PNG header (decompression bomb)', async () => {
      const bomb = pngBomb(20000, 20000);
      expect(bomb.length).toBeLessThan(10_000);
      const before = process.memoryUsage().rss;
      await expect(detect({ image: new Uint8Array(bomb) })).rejects.toThrow(/20000×20000.*limit/);
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    });
    it('an SVG is refused (not a raster photo)', async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
      await expect(detect({ image: new Uint8Array(svg) })).rejects.toThrow(/unsupported image format 'svg'/);
    });
  });
});
