import { describe, expect, it } from 'vitest';
import { diffMask, dilate, findRegions, labelComponents } from '../src/regions.js';

/** Parses a picture like ['#..', '.#.'] into a mask. */
function maskOf(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === '#' ? 1 : 0)));
  return { mask, width, height: rows.length };
}

describe('labelComponents', () => {
  it('labels separate blobs separately and joins diagonal neighbours (8-connectivity)', () => {
    const { mask, width, height } = maskOf(['##...#', '##...#', '......', '#.....', '.#...#']);
    const { labels, count } = labelComponents(mask, width, height);
    expect(count).toBe(4);
    expect(labels[0]).toBe(labels[width + 1]);
    expect(labels[3 * width]).toBe(labels[4 * width + 1]); // diagonal pair
    expect(new Set([labels[0], labels[5], labels[3 * width], labels[4 * width + 5]]).size).toBe(4);
    for (let i = 0; i < mask.length; i++) expect(labels[i]! > 0).toBe(mask[i] === 1);
  });

  it('merges provisional labels that meet later (U and spiral shapes)', () => {
    const u = maskOf(['#...#', '#...#', '#####']);
    expect(labelComponents(u.mask, u.width, u.height).count).toBe(1);
    const spiral = maskOf(['#######', '#.....#', '#.###.#', '#.#.#.#', '#.#...#', '#.#####', '#......']);
    expect(labelComponents(spiral.mask, spiral.width, spiral.height).count).toBe(1);
    const comb = maskOf(['#.#.#.#.#', '#.#.#.#.#', '#########']);
    const r = labelComponents(comb.mask, comb.width, comb.height);
    expect(r.count).toBe(1);
    expect(new Set(r.labels.filter((l) => l > 0))).toEqual(new Set([1]));
  });

  it('handles an empty and a full mask', () => {
    expect(labelComponents(new Uint8Array(12), 4, 3).count).toBe(0);
    expect(labelComponents(new Uint8Array(12).fill(1), 4, 3).count).toBe(1);
  });

  it('copes with more components than its initial table (checkerboard of 5000 blobs)', () => {
    const width = 200;
    const height = 100;
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y += 2) for (let x = 0; x < width; x += 2) mask[y * width + x] = 1;
    expect(labelComponents(mask, width, height).count).toBe(5000);
  });
});

describe('dilate and findRegions', () => {
  it('grows a pixel into a (2r+1)² square, clipped at the borders', () => {
    const { mask, width, height } = maskOf(['.....', '.....', '..#..', '.....', '#....']);
    const d = dilate(mask, width, height, 1);
    const on = [...d].map((v, i) => (v ? `${i % width},${Math.floor(i / width)}` : '')).filter(Boolean);
    expect(on.sort()).toEqual(
      ['0,3', '0,4', '1,1', '1,2', '1,3', '1,4', '2,1', '2,2', '2,3', '3,1', '3,2', '3,3'].sort(),
    );
    expect(dilate(mask, width, height, 0)).toEqual(mask);
  });

  it('joins parts closer than twice the merge radius, boxes from undilated pixels', () => {
    const { mask, width, height } = maskOf(['##....##.......#', '##....##.......#']);
    const apart = findRegions(mask, width, height, 0);
    expect(apart).toHaveLength(3);
    const joined = findRegions(mask, width, height, 2);
    expect(joined).toHaveLength(2);
    const big = joined.find((b) => b.minX === 0)!;
    expect(big).toEqual({ minX: 0, minY: 0, maxX: 7, maxY: 1, count: 8 });
  });

  it('diffMask thresholds the absolute difference', () => {
    const a = Uint8Array.from([0, 100, 200, 50]);
    const b = Uint8Array.from([30, 90, 170, 50]);
    const mask = new Uint8Array(4);
    expect(diffMask(a, b, 25, mask)).toBe(2);
    expect([...mask]).toEqual([1, 0, 1, 0]);
    expect(() => diffMask(a, new Uint8Array(3), 25, mask)).toThrow(/differ in size/);
  });
});
