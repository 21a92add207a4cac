import { describe, expect, it } from 'vitest';
import {
  PALETTE,
  asBox,
  colorFor,
  countOf,
  defaultVisibleGroups,
  extractBoxes,
  extractTimedBoxes,
  frameAt,
  textOn,
} from '../src/lib/boxes';

describe('extractBoxes', () => {
  it('finds object-detection boxes with labels and scores', () => {
    const set = extractBoxes({
      width: 640,
      height: 480,
      detections: [
        { label: 'person', class_id: 0, score: 0.91, box: { x: 1, y: 2, width: 30, height: 40 } },
        { label: 'dog', class_id: 16, score: 0.5, box: { x: 100, y: 50, width: 20, height: 10 } },
      ],
    });
    expect(set.width).toBe(640);
    expect(set.height).toBe(480);
    expect(set.groups).toEqual(['detections']);
    expect(set.boxes).toEqual([
      { x: 1, y: 2, width: 30, height: 40, group: 'detections', label: 'person', score: 0.91, index: 0, trackId: null },
      { x: 100, y: 50, width: 20, height: 10, group: 'detections', label: 'dog', score: 0.5, index: 1, trackId: null },
    ]);
  });

  it('finds OCR words and lines (confidence 0–100 becomes 0–1) and hides lines by default', () => {
    const set = extractBoxes({
      text: 'Hello world',
      confidence: 90,
      lines: [{ text: 'Hello world', confidence: 90, box: { x: 0, y: 0, width: 100, height: 20 } }],
      words: [
        { text: 'Hello', confidence: 95, box: { x: 0, y: 0, width: 45, height: 20 } },
        { text: 'world', confidence: 85, box: { x: 50, y: 0, width: 50, height: 20 } },
      ],
    });
    expect(set.groups).toEqual(['words', 'lines']);
    expect(set.boxes.filter((b) => b.group === 'words').map((b) => [b.label, b.score])).toEqual([
      ['Hello', 0.95],
      ['world', 0.85],
    ]);
    expect(defaultVisibleGroups(set)).toEqual(['words']);
  });

  it('finds motion regions and labels them by area', () => {
    const set = extractBoxes({
      motion: true,
      regions: [{ box: { x: 5, y: 5, width: 10, height: 10 }, area: 80 }],
      width: 320,
      height: 240,
    });
    expect(set.boxes[0]).toMatchObject({ group: 'regions', label: 'region · 80 px', score: null });
  });

  it('ignores invalid boxes, non-objects and results without arrays', () => {
    expect(extractBoxes(null).boxes).toEqual([]);
    expect(extractBoxes('text').boxes).toEqual([]);
    expect(extractBoxes({ text: 'x' })).toEqual({ boxes: [], groups: [], width: null, height: null });
    const set = extractBoxes({
      detections: [
        { box: { x: 1, y: 1, width: -3, height: 2 } },
        { box: { x: '1', y: 1, width: 3, height: 2 } },
        3,
        { box: { x: 0, y: 0, width: 1, height: 1 } },
      ],
    });
    expect(set.boxes).toHaveLength(1);
    expect(set.boxes[0]).toMatchObject({ index: 3, label: 'detection 4' });
    expect(asBox({ x: 0, y: 0, width: Infinity, height: 1 })).toBeNull();
  });
});

describe('video frames', () => {
  const result = {
    width: 320,
    height: 240,
    frames: [
      {
        index: 1,
        time_s: 0.5,
        tracks: [{ track_id: 2, label: 'car', score: 0.7, box: { x: 1, y: 1, width: 5, height: 5 } }],
      },
      {
        index: 0,
        time_s: 0,
        tracks: [{ track_id: 1, label: 'person', score: 0.9, box: { x: 0, y: 0, width: 5, height: 5 } }],
      },
    ],
  };

  it('extracts per-frame boxes sorted by time, with track ids', () => {
    const timed = extractTimedBoxes(result)!;
    expect(timed.width).toBe(320);
    expect(timed.frames.map((f) => f.time)).toEqual([0, 0.5]);
    expect(timed.frames[0]!.boxes[0]).toMatchObject({ label: '#1 person', trackId: 1 });
    expect(extractTimedBoxes({ frames: [] })).toBeNull();
    expect(extractTimedBoxes({})).toBeNull();
  });

  it('picks the frame shown at a playback time', () => {
    const { frames } = extractTimedBoxes(result)!;
    expect(frameAt(frames, 0.2)!.time).toBe(0);
    expect(frameAt(frames, 0.5)!.time).toBe(0.5);
    expect(frameAt(frames, 9)!.time).toBe(0.5);
    expect(frameAt(frames, -1)!.time).toBe(0);
    expect(frameAt([], 1)).toBeNull();
  });
});

it('gives each label a stable colour', () => {
  expect(colorFor('person')).toBe(colorFor('person'));
  expect(colorFor('person')).not.toBe(colorFor('car'));
  expect(colorFor('person')).toMatch(/^#[0-9a-f]{6}$/);
});

it('gives consecutive track ids distinct colours from the palette, repeating only after all of it', () => {
  const colours = Array.from({ length: PALETTE.length }, (_, i) => colorFor(`track:${i + 1}`));
  expect(new Set(colours).size).toBe(PALETTE.length);
  expect(colorFor('track:1')).toBe(colorFor(`track:${1 + PALETTE.length}`));
  // The tracks the old hue hash painted alike (1/3/5/7/9, 2/4/6/8) are all different now.
  expect(new Set([1, 3, 5, 7, 9].map((i) => colorFor(`track:${i}`))).size).toBe(5);
});

it('writes labels in black or white, whichever contrasts more with the box colour', () => {
  expect(textOn('#ffe119')).toBe('#0b0d12');
  expect(textOn('#000075')).toBe('#ffffff');
  expect(textOn('#800000')).toBe('#ffffff');
});

it('counts tracks once however many frames show them', () => {
  const b = (trackId: number | null) =>
    ({ x: 0, y: 0, width: 1, height: 1, group: 'tracks', label: 't', score: null, index: 0, trackId }) as const;
  expect(countOf([b(1), b(1), b(2), b(1), b(2)])).toBe(2);
  expect(countOf([b(null), b(null), b(3)])).toBe(3);
});
