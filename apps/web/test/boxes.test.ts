import { describe, expect, it } from 'vitest';
import { asBox, colorFor, defaultVisibleGroups, extractBoxes, extractTimedBoxes, frameAt } from '../src/lib/boxes';

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
  expect(colorFor('person')).toMatch(/^hsl\(\d+ 85% 55%\)$/);
});
