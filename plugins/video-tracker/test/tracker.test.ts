import { describe, expect, it } from 'vitest';

import { Tracker, hungarian, iou, type TrackerDetection, type TrackedObject } from '../src/tracker.js';

function det(x: number, y: number, label = 'person', score = 0.9, size = 40): TrackerDetection {
  return { label, score, box: { x, y, width: size, height: size } };
}

/** Runs the tracker over a list of frames and returns the per-frame outputs. */
function run(tracker: Tracker, frames: TrackerDetection[][]): TrackedObject[][] {
  return frames.map((dets, i) => tracker.update(dets, i));
}

function idNear(objs: TrackedObject[], x: number): number | undefined {
  return objs.find((o) => Math.abs(o.box.x - x) < 1)?.track_id;
}

describe('iou', () => {
  it('is 1 for equal boxes, 0 for disjoint ones and 1/3 for half-overlapping squares', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 20, y: 0, width: 10, height: 10 })).toBe(0);
    expect(iou(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3);
  });
});

describe('hungarian', () => {
  it('finds the optimal assignment where greedy fails', () => {
    // Greedy would take (0,0)=1 then (1,1)=10 → 11; optimal is (0,1)+(1,0) = 2+2 = 4.
    expect(
      hungarian([
        [1, 2],
        [2, 10],
      ]),
    ).toEqual([1, 0]);
  });
  it('handles rectangular matrices both ways and empty input', () => {
    expect(hungarian([[5, 1, 3]])).toEqual([1]);
    expect(hungarian([[5], [1], [3]])).toEqual([-1, 0, -1]);
    expect(hungarian([])).toEqual([]);
    const m = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    expect(hungarian(m)).toEqual([1, 0, 2]);
  });
});

describe('Tracker', () => {
  it('confirms a track after minHits and keeps one id while the object moves', () => {
    const tracker = new Tracker({ minHits: 2 });
    const out = run(
      tracker,
      Array.from({ length: 10 }, (_, i) => [det(10 + i * 8, 50)]),
    );
    expect(out[0]).toEqual([]); // tentative
    const ids = new Set(out.slice(1).flatMap((o) => o.map((t) => t.track_id)));
    expect([...ids]).toEqual([1]);
    expect(tracker.summary()).toEqual([
      { track_id: 1, label: 'person', first_frame: 1, last_frame: 9, frames_seen: 9 },
    ]);
  });

  it('keeps distinct ids for two same-class objects that cross each other', () => {
    const tracker = new Tracker();
    // A moves right, B moves left on the same row; they fully overlap around frame 10.
    const frames = Array.from({ length: 21 }, (_, i) => [det(0 + i * 10, 100), det(200 - i * 10, 100)]);
    const out = run(tracker, frames);
    const first = out[2] as TrackedObject[];
    const idA = idNear(first, 20);
    const idB = idNear(first, 180);
    expect(idA).toBeDefined();
    expect(idB).toBeDefined();
    expect(idA).not.toBe(idB);
    // Well after the crossing, A (now on the right) and B (now on the left) keep their ids.
    for (const i of [14, 17, 20]) {
      const o = out[i] as TrackedObject[];
      expect(idNear(o, i * 10)).toBe(idA);
      expect(idNear(o, 200 - i * 10)).toBe(idB);
    }
    expect(tracker.summary().map((s) => s.track_id)).toEqual([1, 2]);
  });

  it('keeps distinct ids for crossing objects moving diagonally at different speeds', () => {
    const tracker = new Tracker();
    const frames = Array.from({ length: 16 }, (_, i) => [det(i * 12, i * 6), det(180 - i * 12, i * 6)]);
    const out = run(tracker, frames);
    const idA = idNear(out[2] as TrackedObject[], 24);
    const idB = idNear(out[2] as TrackedObject[], 156);
    expect(idA).not.toBe(idB);
    expect(idNear(out[15] as TrackedObject[], 180)).toBe(idA);
    expect(idNear(out[15] as TrackedObject[], 0)).toBe(idB);
  });

  it('keeps the id through a one- and a two-frame miss, and predicts motion meanwhile', () => {
    const tracker = new Tracker({ maxMisses: 3 });
    const frames = Array.from({ length: 16 }, (_, i) => (i === 5 || i === 9 || i === 10 ? [] : [det(i * 15, 40)]));
    const out = run(tracker, frames);
    expect(out[5]).toEqual([]);
    expect(out[9]).toEqual([]);
    // After the gaps the object, which moved 15–45 px meanwhile, continues the same track.
    for (const i of [6, 11, 15]) expect((out[i] as TrackedObject[]).map((t) => t.track_id)).toEqual([1]);
    expect(tracker.summary()).toHaveLength(1);
    expect(tracker.summary()[0]?.frames_seen).toBe(12);
  });

  it('drops a track after maxMisses and gives a reappearing object a new id', () => {
    const tracker = new Tracker({ maxMisses: 2 });
    const frames = [det(10, 10), det(10, 10), det(10, 10)].map((d) => [d]);
    frames.push([], [], [], [det(10, 10)], [det(10, 10)]);
    const out = run(tracker, frames);
    expect(out[2]?.[0]?.track_id).toBe(1);
    expect(out[7]?.[0]?.track_id).toBe(2);
  });

  it('gives new objects new ids, never reusing old ones', () => {
    const tracker = new Tracker();
    const frames: TrackerDetection[][] = [];
    for (let i = 0; i < 12; i++) {
      const f = [det(10 + i * 2, 10)];
      if (i >= 4) f.push(det(300 - i * 2, 200));
      if (i >= 8) f.push(det(150, 300, 'car', 0.8, 80));
      frames.push(f);
    }
    const out = run(tracker, frames);
    expect((out[1] as TrackedObject[]).map((t) => t.track_id)).toEqual([1]);
    expect((out[5] as TrackedObject[]).map((t) => t.track_id)).toEqual([1, 2]);
    const last = out[11] as TrackedObject[];
    expect(last.map((t) => [t.track_id, t.label])).toEqual([
      [1, 'person'],
      [2, 'person'],
      [3, 'car'],
    ]);
  });

  it('does not link detections of different classes', () => {
    const tracker = new Tracker({ minHits: 1 });
    const out = run(tracker, [[det(10, 10, 'dog')], [det(12, 10, 'cat')], [det(14, 10, 'cat')]]);
    expect(out[0]?.[0]).toMatchObject({ track_id: 1, label: 'dog' });
    expect(out[1]?.[0]).toMatchObject({ track_id: 2, label: 'cat' });
    expect(out[2]?.[0]).toMatchObject({ track_id: 2, label: 'cat' });
  });

  it('continues a track with a weak detection but never starts one from it (ByteTrack)', () => {
    const tracker = new Tracker({ highScore: 0.5, lowScore: 0.1 });
    const out = run(tracker, [
      [det(10, 10, 'person', 0.9)],
      [det(12, 10, 'person', 0.9)],
      [det(14, 10, 'person', 0.2), det(300, 300, 'person', 0.2)],
      [det(16, 10, 'person', 0.2), det(300, 300, 'person', 0.2)],
    ]);
    expect(out[2]).toEqual([expect.objectContaining({ track_id: 1, score: 0.2 })]);
    expect(out[3]).toHaveLength(1);
    expect(tracker.liveTracks).toBe(1);
  });

  it('drops a tentative track that is not confirmed', () => {
    const tracker = new Tracker({ minHits: 3 });
    run(tracker, [[det(10, 10)], [det(10, 10)], [], [det(500, 500)]]);
    expect(tracker.summary()).toEqual([]);
  });
});
