/**
 * Finds boxes in tool results so the UI can draw them over the input image. Plugins report boxes as
 * `{x, y, width, height}` in input-image pixels inside arrays of items: `detections[].box` (object detection),
 * `words[].box` / `lines[].box` (OCR), `regions[].box` (motion), `frames[].tracks[].box` (video tracking).
 * Any top-level array of objects with a valid `box` is picked up, so new plugins work without UI changes.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LabeledBox extends Box {
  /** The result key the box came from, e.g. `detections`. */
  group: string;
  label: string;
  /** 0–1, when the item has a score or confidence. */
  score: number | null;
  /** Position within its group. */
  index: number;
  /** Stable identity across frames (video tracks), when known. */
  trackId: string | number | null;
}

export interface BoxSet {
  boxes: LabeledBox[];
  /** Groups in display order. */
  groups: string[];
  /** Pixel size the boxes refer to, when the result says (`width`/`height`); else the image's own size. */
  width: number | null;
  height: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function asBox(v: unknown): Box | null {
  if (!isObject(v)) return null;
  const { x, y, width, height } = v;
  if (!finite(x) || !finite(y) || !finite(width) || !finite(height) || width < 0 || height < 0) return null;
  return { x, y, width, height };
}

const GROUP_ORDER = ['detections', 'tracks', 'regions', 'words', 'lines', 'faces', 'objects'];

/** Scores may be 0–1 (detectors) or 0–100 (tesseract confidences); normalise to 0–1. */
function scoreOf(item: Record<string, unknown>): number | null {
  const s = finite(item.score) ? item.score : finite(item.confidence) ? item.confidence : null;
  if (s === null) return null;
  const n = s > 1 ? s / 100 : s;
  return Math.max(0, Math.min(1, n));
}

function labelOf(item: Record<string, unknown>, group: string, index: number): string {
  const trackId = item.track_id;
  const base =
    typeof item.label === 'string'
      ? item.label
      : typeof item.text === 'string'
        ? item.text
        : typeof item.name === 'string'
          ? item.name
          : typeof item.class === 'string'
            ? item.class
            : finite(item.area)
              ? `${group.replace(/s$/, '')} · ${item.area} px`
              : `${group.replace(/s$/, '')} ${index + 1}`;
  return trackId !== undefined && trackId !== null ? `#${String(trackId)} ${base}` : base;
}

function boxesOfArray(group: string, items: unknown[]): LabeledBox[] {
  const out: LabeledBox[] = [];
  items.forEach((item, index) => {
    if (!isObject(item)) return;
    const box = asBox(item.box ?? item.bbox);
    if (!box) return;
    const trackId = typeof item.track_id === 'string' || finite(item.track_id) ? item.track_id : null;
    out.push({ ...box, group, label: labelOf(item, group, index), score: scoreOf(item), index, trackId });
  });
  return out;
}

function sizeOf(result: Record<string, unknown>): { width: number | null; height: number | null } {
  const w = result.width ?? (isObject(result.image) ? result.image.width : undefined);
  const h = result.height ?? (isObject(result.image) ? result.image.height : undefined);
  return { width: finite(w) && w > 0 ? w : null, height: finite(h) && h > 0 ? h : null };
}

/** Every box of a result's top-level arrays, grouped by key. */
export function extractBoxes(result: unknown): BoxSet {
  if (!isObject(result)) return { boxes: [], groups: [], width: null, height: null };
  const boxes: LabeledBox[] = [];
  const groups: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (!Array.isArray(value)) continue;
    const found = boxesOfArray(key, value);
    if (found.length === 0) continue;
    groups.push(key);
    boxes.push(...found);
  }
  const rank = (g: string): number => {
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  groups.sort((a, b) => rank(a) - rank(b));
  return { boxes, groups, ...sizeOf(result) };
}

/** Groups shown at first: all, except OCR lines when words are there too (they overlap). */
export function defaultVisibleGroups(set: Pick<BoxSet, 'groups'>): string[] {
  if (set.groups.includes('words') && set.groups.includes('lines')) return set.groups.filter((g) => g !== 'lines');
  return [...set.groups];
}

export interface TimedFrame {
  time: number;
  boxes: LabeledBox[];
}

/** Per-frame boxes of a video result (`frames: [{time_s, tracks|detections: [{box}]}]`), sorted by time. */
export function extractTimedBoxes(
  result: unknown,
): { frames: TimedFrame[]; width: number | null; height: number | null } | null {
  if (!isObject(result) || !Array.isArray(result.frames)) return null;
  const frames: TimedFrame[] = [];
  for (const f of result.frames) {
    if (!isObject(f)) continue;
    const time = finite(f.time_s) ? f.time_s : finite(f.time) ? f.time : null;
    if (time === null) continue;
    const boxes = extractBoxes(f).boxes;
    frames.push({ time, boxes });
  }
  if (frames.length === 0) return null;
  frames.sort((a, b) => a.time - b.time);
  return { frames, ...sizeOf(result) };
}

/** The frame shown at `t` seconds: the last one at or before it. */
export function frameAt(frames: TimedFrame[], t: number): TimedFrame | null {
  let lo = 0;
  let hi = frames.length - 1;
  let best: TimedFrame | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = frames[mid]!;
    if (f.time <= t + 1e-6) {
      best = f;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best ?? frames[0] ?? null;
}

/**
 * Twenty colours people tell apart at a glance (after Kelly and Glasbey), most distinct first: consecutive track
 * ids never share a colour, and ids 20 apart are the first to repeat.
 */
export const PALETTE = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#bfef45',
  '#ffe119',
  '#469990',
  '#9a6324',
  '#800000',
  '#000075',
  '#fabed4',
  '#aaffc3',
  '#808000',
  '#dcbeff',
  '#ffd8b1',
  '#a9a9a9',
  '#fffac8',
] as const;

function hashOf(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** A stable colour per label or track: a numeric track id picks the palette in order, anything else by hash. */
export function colorFor(key: string): string {
  const track = /^track:(\d+)$/.exec(key);
  const i = track ? Number(track[1]) : hashOf(key);
  return PALETTE[i % PALETTE.length]!;
}

/** Black or white text, whichever reads better on a `#rrggbb` background (WCAG relative luminance). */
export function textOn(background: string): '#0b0d12' | '#ffffff' {
  const m = /^#([0-9a-f]{6})$/i.exec(background);
  if (!m) return '#0b0d12';
  const n = parseInt(m[1]!, 16);
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05): pick the larger.
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#0b0d12' : '#ffffff';
}

/** How many distinct things a group's boxes show: tracks count once however many frames they appear in. */
export function countOf(boxes: readonly LabeledBox[]): number {
  const tracks = new Set<string | number>();
  let untracked = 0;
  for (const b of boxes) {
    if (b.trackId === null) untracked++;
    else tracks.add(b.trackId);
  }
  return tracks.size + untracked;
}

/** The key a box is coloured by: its track, else its label without scores or numbers. */
export function colorKey(b: LabeledBox): string {
  if (b.trackId !== null) return `track:${String(b.trackId)}`;
  if (b.group === 'words' || b.group === 'lines') return b.group;
  return b.label.replace(/^#\S+\s/, '');
}
