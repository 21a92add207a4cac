/**
 * Video tracking results: per-frame boxes with track ids (`frames[].tracks[]`), the track list and the trails
 * drawn behind each track. Pure, so the video view only renders what this computes.
 */
import { colorFor, type LabeledBox, type TimedFrame } from './boxes';

export interface Trail {
  trackId: string | number;
  color: string;
  /** Box centres, oldest first, in the boxes' pixel space. */
  points: Array<[number, number]>;
}

export interface TrackRow {
  trackId: string | number;
  label: string;
  firstTime: number;
  lastTime: number;
  frames: number;
  /** Best score seen, 0–1, when the boxes have scores. */
  bestScore: number | null;
}

/** Index of the frame shown at `t` seconds: the last one at or before it (the first one before any). */
export function frameIndexAt(frames: TimedFrame[], t: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid]!.time <= t + 1e-6) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Label without the `#id ` prefix the box extraction adds. */
const bareLabel = (b: LabeledBox): string => b.label.replace(/^#\S+\s/, '');

/** Trails of the tracks present in frame `index`, over at most `maxFrames` frames up to it. */
export function trailsAt(
  frames: TimedFrame[],
  index: number,
  keep: (b: LabeledBox) => boolean,
  maxFrames = 30,
): Trail[] {
  const current = frames[index];
  if (!current) return [];
  const ids = new Set(current.boxes.filter((b) => b.trackId !== null && keep(b)).map((b) => b.trackId!));
  const points = new Map<string | number, Array<[number, number]>>();
  for (let i = Math.max(0, index - maxFrames + 1); i <= index; i++) {
    for (const b of frames[i]!.boxes) {
      if (b.trackId === null || !ids.has(b.trackId)) continue;
      const list = points.get(b.trackId) ?? [];
      list.push([b.x + b.width / 2, b.y + b.height / 2]);
      points.set(b.trackId, list);
    }
  }
  return [...points.entries()]
    .filter(([, pts]) => pts.length > 1)
    .map(([trackId, pts]) => ({ trackId, color: colorFor(`track:${String(trackId)}`), points: pts }));
}

/** One row per track id, in order of first appearance. */
export function trackRows(frames: TimedFrame[]): TrackRow[] {
  const rows = new Map<string | number, TrackRow>();
  for (const f of frames) {
    for (const b of f.boxes) {
      if (b.trackId === null) continue;
      const row = rows.get(b.trackId);
      if (!row) {
        rows.set(b.trackId, {
          trackId: b.trackId,
          label: bareLabel(b),
          firstTime: f.time,
          lastTime: f.time,
          frames: 1,
          bestScore: b.score,
        });
      } else {
        row.lastTime = f.time;
        row.frames++;
        if (b.score !== null) row.bestScore = Math.max(row.bestScore ?? 0, b.score);
      }
    }
  }
  return [...rows.values()];
}
