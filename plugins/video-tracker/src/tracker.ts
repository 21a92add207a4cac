/**
 * A multi-object tracker in the SORT / ByteTrack family. Pure: no I/O, no model; feed it detections frame by frame.
 *
 * - Motion model: each track carries a constant-velocity Kalman filter per box component (centre x, centre y,
 *   width, height), with noise proportional to the box height as in SORT/DeepSORT. Missed frames are bridged by
 *   prediction, so a track keeps moving while its object is briefly undetected.
 * - Association: cost = 1 − IoU(predicted box, detection box), solved optimally with the Hungarian algorithm,
 *   gated by a minimum IoU and, by default, by class (a person never continues a car's track).
 * - Two stages as in ByteTrack: confident detections (score ≥ `highScore`) are matched first; weaker ones
 *   (`lowScore` ≤ score < `highScore`) can only continue existing tracks (e.g. a partly occluded person), never
 *   start one.
 * - Life cycle: a new track is tentative until it was matched in `minHits` consecutive frames, then it is
 *   confirmed and gets the next integer id (1, 2, 3…; ids are never reused). A tentative track that misses once is
 *   dropped; a confirmed one survives up to `maxMisses` consecutive missed frames.
 */

import { iou, type Box } from '@bastion/detector/box';

export { iou, type Box };

export interface TrackerDetection {
  label: string;
  score: number;
  box: Box;
}

export interface TrackedObject {
  track_id: number;
  label: string;
  score: number;
  box: Box;
}

export interface TrackSummary {
  track_id: number;
  label: string;
  /** Frame index of the first frame the track was reported in. */
  first_frame: number;
  /** Frame index of the last frame the track was reported in. */
  last_frame: number;
  /** Number of processed frames the track was reported in. */
  frames_seen: number;
}

export interface TrackerOptions {
  /** Minimum IoU between a predicted track box and a confident detection to match them (default 0.3). */
  iouThreshold?: number;
  /** Minimum IoU for the second, low-score stage (default 0.5). */
  lowIouThreshold?: number;
  /** Detections at or above this score can start tracks (default 0.3). */
  highScore?: number;
  /** Detections below this score are ignored (default highScore / 2). */
  lowScore?: number;
  /** Consecutive hits before a track is confirmed and reported (default 2; 1 = immediately). */
  minHits?: number;
  /** Consecutive misses a confirmed track survives (default 3). */
  maxMisses?: number;
  /** Associate only detections of the track's own label (default true). */
  classAware?: boolean;
}

/**
 * Minimum-cost assignment (Hungarian / Kuhn–Munkres with potentials, O(n²m)) of a rectangular cost matrix.
 * Returns, for each row, the assigned column or −1. Every row gets a column when rows ≤ columns.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows > 0 ? (cost[0] as readonly number[]).length : 0;
  if (rows === 0 || cols === 0) return new Array<number>(rows).fill(-1);
  if (rows > cols) {
    // Solve the transpose so that n ≤ m, then invert the assignment.
    const t: number[][] = [];
    for (let j = 0; j < cols; j++) t.push(cost.map((row) => row[j] as number));
    const colToRow = hungarian(t);
    const result = new Array<number>(rows).fill(-1);
    colToRow.forEach((r, c) => {
      if (r >= 0) result[r] = c;
    });
    return result;
  }
  const n = rows;
  const m = cols;
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const p = new Array<number>(m + 1).fill(0); // p[j] = row (1-based) matched to column j
  const way = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(m + 1).fill(Infinity);
    const used = new Array<boolean>(m + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = (cost[i0 - 1] as readonly number[])[j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) result[p[j]! - 1] = j - 1;
  return result;
}

/** 1-D constant-velocity Kalman filter: state [position, velocity], covariance [[a, b], [b, c]]. */
class Kalman1D {
  vel = 0;
  private a: number;
  private b = 0;
  private c: number;

  constructor(
    public pos: number,
    posStd: number,
    velStd: number,
  ) {
    this.a = posStd * posStd;
    this.c = velStd * velStd;
  }

  predict(dt: number, posStd: number, velStd: number): void {
    this.pos += this.vel * dt;
    // P = F P Fᵀ + Q with F = [[1, dt], [0, 1]], Q = diag(posStd², velStd²)·dt
    const a = this.a + 2 * dt * this.b + dt * dt * this.c;
    const b = this.b + dt * this.c;
    this.a = a + posStd * posStd * dt;
    this.b = b;
    this.c = this.c + velStd * velStd * dt;
  }

  update(z: number, measStd: number): void {
    const s = this.a + measStd * measStd;
    const kp = this.a / s;
    const kv = this.b / s;
    const y = z - this.pos;
    this.pos += kp * y;
    this.vel += kv * y;
    // P = (I − K H) P
    const a = (1 - kp) * this.a;
    const b = (1 - kp) * this.b;
    const c = this.c - kv * this.b;
    this.a = a;
    this.b = b;
    this.c = c;
  }
}

// Noise weights relative to the box height (DeepSORT uses 1/20 and 1/160; velocity is looser here because
// sampled video frames can be far apart).
const POS_W = 1 / 20;
const VEL_W = 1 / 40;

class Track {
  id = 0; // 0 while tentative
  hits = 1;
  misses = 0;
  score: number;
  box: Box;
  private readonly kf: [Kalman1D, Kalman1D, Kalman1D, Kalman1D];

  constructor(
    readonly label: string,
    det: TrackerDetection,
  ) {
    this.score = det.score;
    this.box = { ...det.box };
    const h = Math.max(det.box.height, 1);
    const cx = det.box.x + det.box.width / 2;
    const cy = det.box.y + det.box.height / 2;
    this.kf = [
      new Kalman1D(cx, 2 * POS_W * h, 10 * VEL_W * h),
      new Kalman1D(cy, 2 * POS_W * h, 10 * VEL_W * h),
      new Kalman1D(det.box.width, 2 * POS_W * h, 10 * VEL_W * h),
      new Kalman1D(det.box.height, 2 * POS_W * h, 10 * VEL_W * h),
    ];
  }

  /** Box predicted by the motion model. */
  predicted(): Box {
    const [cx, cy, w, h] = this.kf;
    const width = Math.max(w.pos, 1);
    const height = Math.max(h.pos, 1);
    return { x: cx.pos - width / 2, y: cy.pos - height / 2, width, height };
  }

  predict(dt: number): void {
    const h = Math.max(this.kf[3].pos, 1);
    for (const f of this.kf) f.predict(dt, POS_W * h, VEL_W * h);
  }

  update(det: TrackerDetection): void {
    const h = Math.max(det.box.height, 1);
    const z = [det.box.x + det.box.width / 2, det.box.y + det.box.height / 2, det.box.width, det.box.height];
    this.kf.forEach((f, i) => f.update(z[i] as number, POS_W * h));
    this.box = { ...det.box };
    this.score = det.score;
    this.hits++;
    this.misses = 0;
  }
}

const NO_MATCH = 1e6;

/** The SORT/ByteTrack-style tracker. Call {@link update} once per processed frame, in order. */
export class Tracker {
  private readonly opts: Required<TrackerOptions>;
  private tracks: Track[] = [];
  private nextId = 1;
  private readonly history = new Map<number, TrackSummary>();

  constructor(options: TrackerOptions = {}) {
    const highScore = options.highScore ?? 0.3;
    this.opts = {
      iouThreshold: options.iouThreshold ?? 0.3,
      lowIouThreshold: options.lowIouThreshold ?? 0.5,
      highScore,
      lowScore: options.lowScore ?? highScore / 2,
      minHits: Math.max(1, Math.floor(options.minHits ?? 2)),
      maxMisses: Math.max(0, Math.floor(options.maxMisses ?? 3)),
      classAware: options.classAware ?? true,
    };
  }

  /** Matches `tracks` to `dets` (Hungarian on 1 − IoU, IoU ≥ minIou, same label); returns the matched pairs. */
  private associate(tracks: Track[], dets: TrackerDetection[], minIou: number): Array<[Track, TrackerDetection]> {
    if (tracks.length === 0 || dets.length === 0) return [];
    const predicted = tracks.map((t) => t.predicted());
    const cost = tracks.map((t, i) =>
      dets.map((d) => {
        if (this.opts.classAware && d.label !== t.label) return NO_MATCH;
        const overlap = iou(predicted[i] as Box, d.box);
        return overlap >= minIou ? 1 - overlap : NO_MATCH;
      }),
    );
    const assignment = hungarian(cost);
    const pairs: Array<[Track, TrackerDetection]> = [];
    assignment.forEach((j, i) => {
      if (j >= 0 && (cost[i] as number[])[j]! < NO_MATCH) pairs.push([tracks[i] as Track, dets[j] as TrackerDetection]);
    });
    return pairs;
  }

  /**
   * Advances the tracker by one processed frame.
   * @param detections this frame's detections (any score; those below `lowScore` are ignored)
   * @param frameIndex the frame's index in the video, used in the track summaries
   * @param dt time step in processed-frame units (1 when every sampled frame is processed)
   * @returns the confirmed tracks matched in this frame, by ascending id
   */
  update(detections: readonly TrackerDetection[], frameIndex: number, dt = 1): TrackedObject[] {
    const { highScore, lowScore, iouThreshold, lowIouThreshold, minHits, maxMisses } = this.opts;
    const high = detections.filter((d) => d.score >= highScore && d.box.width > 0 && d.box.height > 0);
    const low = detections.filter((d) => d.score >= lowScore && d.score < highScore && d.box.width > 0);

    for (const t of this.tracks) t.predict(dt);
    const matched = new Set<Track>();
    const used = new Set<TrackerDetection>();
    const apply = (pairs: Array<[Track, TrackerDetection]>): void => {
      for (const [t, d] of pairs) {
        t.update(d);
        matched.add(t);
        used.add(d);
      }
    };

    const confirmed = this.tracks.filter((t) => t.id > 0);
    const tentative = this.tracks.filter((t) => t.id === 0);
    // Stage 1: confirmed (including temporarily lost) tracks ← confident detections.
    apply(this.associate(confirmed, high, iouThreshold));
    // Stage 2: still unmatched confirmed tracks ← weak detections (ByteTrack).
    apply(
      this.associate(
        confirmed.filter((t) => !matched.has(t)),
        low,
        lowIouThreshold,
      ),
    );
    // Stage 3: tentative tracks ← remaining confident detections.
    apply(
      this.associate(
        tentative,
        high.filter((d) => !used.has(d)),
        iouThreshold,
      ),
    );

    const survivors: Track[] = [];
    for (const t of this.tracks) {
      if (matched.has(t)) {
        if (t.id === 0 && t.hits >= minHits) t.id = this.nextId++;
        survivors.push(t);
      } else if (t.id > 0 && ++t.misses <= maxMisses) {
        survivors.push(t);
      }
    }
    // Births from unmatched confident detections.
    for (const d of high) {
      if (used.has(d)) continue;
      const t = new Track(d.label, d);
      if (minHits <= 1) t.id = this.nextId++;
      survivors.push(t);
      matched.add(t);
    }
    this.tracks = survivors;

    const out: TrackedObject[] = [];
    for (const t of this.tracks) {
      if (t.id === 0 || t.misses > 0 || !matched.has(t)) continue;
      out.push({ track_id: t.id, label: t.label, score: t.score, box: { ...t.box } });
      const h = this.history.get(t.id);
      if (h) {
        h.last_frame = frameIndex;
        h.frames_seen++;
      } else {
        this.history.set(t.id, {
          track_id: t.id,
          label: t.label,
          first_frame: frameIndex,
          last_frame: frameIndex,
          frames_seen: 1,
        });
      }
    }
    return out.sort((a, b) => a.track_id - b.track_id);
  }

  /** Every track ever confirmed, by id. */
  summary(): TrackSummary[] {
    return [...this.history.values()].sort((a, b) => a.track_id - b.track_id).map((s) => ({ ...s }));
  }

  /** Number of live tracks (tentative, confirmed and temporarily lost); for tests and diagnostics. */
  get liveTracks(): number {
    return this.tracks.length;
  }
}
