/**
 * bastion-plugin-video-tracker — tool `track_video`: COCO objects detected in a video's frames and linked into tracks
 * with stable integer ids.
 *
 * Pipeline: upload → temp file in a private mkdtemp folder (always removed) → ffprobe (fps, size, frame count) →
 * ffmpeg decodes sampled frames to raw RGB over a pipe, scaled down when large → CenterNet per frame
 * (`@bastion/detector`, TensorFlow.js wasm on the CPU) → SORT/ByteTrack-style {@link Tracker}.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  COCO_LABELS,
  DEFAULT_MAX_INPUT_PIXELS,
  Detector,
  backendInfo,
  resolveClasses,
  type Box,
} from '@bastion/detector';
import { definePlugin, defineTool, type ArgsOf, type LoadContext, type ToolContext } from '@bastion/sdk';

import { Tracker, type TrackSummary, type TrackedObject } from './tracker.js';
import { VideoInputError, decodeFrames, probeVideo } from './video.js';

export { Tracker } from './tracker.js';

export interface FrameResult {
  index: number;
  time_s: number;
  tracks: TrackedObject[];
}

export interface TrackVideoResult {
  fps: number;
  /** Frames in the whole video (as reported by the container / counted packets). */
  frame_count: number;
  /** Video size; boxes are in these pixels. */
  width: number;
  height: number;
  /** Frames decoded and run through the detector. */
  frames_processed: number;
  frames: FrameResult[];
  tracks: TrackSummary[];
}

interface Options {
  maxFrameSide: number;
  maxInputPixels: number;
  maxBytes: number;
  minHits: number;
  maxMisses: number;
}

function numberOption(config: Readonly<Record<string, unknown>>, key: string, fallback: number, min = 1): number {
  const v = config[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Error(`plugin option '${key}' must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function readOptions(config: Readonly<Record<string, unknown>>): Options {
  return {
    maxFrameSide: numberOption(config, 'maxFrameSide', 640, 64),
    maxInputPixels: numberOption(config, 'maxInputPixels', DEFAULT_MAX_INPUT_PIXELS),
    maxBytes: numberOption(config, 'maxVideoMb', 200) * 1024 * 1024,
    minHits: numberOption(config, 'minHits', 2),
    maxMisses: numberOption(config, 'maxMisses', 3, 0),
  };
}

/** Decoding size: the longest side at most `maxSide`, even dimensions (ffmpeg's scalers prefer them). */
export function decodeSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return scale === 1 && width % 2 === 0 && height % 2 === 0
    ? { width, height }
    : { width: even(width), height: even(height) };
}

let detector: Detector | undefined;

function loaded(): Detector {
  if (!detector) throw new Error('the detector is not loaded (init() has not run or failed); restart the plugin');
  return detector;
}

const boxSchema = {
  type: 'object',
  properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } },
  required: ['x', 'y', 'width', 'height'],
  additionalProperties: false,
} as const;

const trackedSchema = {
  type: 'object',
  properties: {
    track_id: { type: 'integer', minimum: 1 },
    label: { type: 'string' },
    score: { type: 'number' },
    box: boxSchema,
  },
  required: ['track_id', 'label', 'score', 'box'],
  additionalProperties: false,
} as const;

export const outputSchema = {
  type: 'object',
  properties: {
    fps: { type: 'number' },
    frame_count: { type: 'integer' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    frames_processed: { type: 'integer' },
    frames: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          time_s: { type: 'number' },
          tracks: { type: 'array', items: trackedSchema },
        },
        required: ['index', 'time_s', 'tracks'],
        additionalProperties: false,
      },
    },
    tracks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          track_id: { type: 'integer', minimum: 1 },
          label: { type: 'string' },
          first_frame: { type: 'integer' },
          last_frame: { type: 'integer' },
          frames_seen: { type: 'integer' },
        },
        required: ['track_id', 'label', 'first_frame', 'last_frame', 'frames_seen'],
        additionalProperties: false,
      },
    },
  },
  required: ['fps', 'frame_count', 'width', 'height', 'frames_processed', 'frames', 'tracks'],
  additionalProperties: false,
} as const;

function scaleBox(b: Box, sx: number, sy: number): Box {
  return {
    x: Math.round(b.x * sx),
    y: Math.round(b.y * sy),
    width: Math.round(b.width * sx),
    height: Math.round(b.height * sy),
  };
}

async function trackVideo(args: TrackVideoArgs, ctx: ToolContext): Promise<TrackVideoResult> {
  const opts = readOptions(ctx.config);
  const video = args.video;
  if (!(video instanceof Uint8Array))
    throw new VideoInputError('video must be binary (base64 over JSON or a file upload)');
  if (video.length === 0) throw new VideoInputError('the video is empty (0 bytes); upload an MP4, WebM, MKV or AVI');
  if (video.length > opts.maxBytes) {
    throw new VideoInputError(
      `the video is ${(video.length / 1048576).toFixed(0)} MB, above the plugin's ${opts.maxBytes / 1048576} MB limit (option maxVideoMb)`,
    );
  }
  const everyNth = args.every_nth_frame ?? 1;
  const minScore = args.min_score ?? 0.3;
  // Validate cheap arguments before spending time on ffprobe.
  resolveClasses(args.classes);
  const det = loaded();

  const dir = await mkdtemp(path.join(os.tmpdir(), 'bastion-video-tracker-'));
  try {
    const file = path.join(dir, 'input');
    await writeFile(file, video);
    ctx.progress(0, 'probing');
    const info = await probeVideo(file, ctx.signal);
    if (info.width * info.height > opts.maxInputPixels) {
      throw new VideoInputError(
        `the video is ${info.width}×${info.height}, above the ${(opts.maxInputPixels / 1e6).toFixed(0)} MP frame limit`,
      );
    }
    const size = decodeSize(info.width, info.height, opts.maxFrameSide);
    const sx = info.width / size.width;
    const sy = info.height / size.height;
    const sampled = Math.ceil(info.frameCount / everyNth);
    const expected = Math.max(1, Math.min(sampled, args.max_frames ?? sampled));
    ctx.log(
      `${info.codec} ${info.width}×${info.height} @ ${info.fps.toFixed(2)} fps, ${info.frameCount} frames; ` +
        `decoding every ${everyNth} frame(s) at ${size.width}×${size.height}`,
    );

    const tracker = new Tracker({
      highScore: minScore,
      lowScore: Math.max(0.05, minScore / 2),
      minHits: opts.minHits,
      maxMisses: opts.maxMisses,
    });
    const frames: FrameResult[] = [];
    const detectOpts = {
      minScore: Math.min(minScore, Math.max(0.05, minScore / 2)),
      maxResults: 100,
      ...(args.classes ? { classes: args.classes } : {}),
    };
    for await (const frame of decodeFrames(file, {
      everyNth,
      ...(args.max_frames !== undefined ? { maxFrames: args.max_frames } : {}),
      width: size.width,
      height: size.height,
      signal: ctx.signal,
    })) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const result = await det.detectRgb({ data: frame.data, width: size.width, height: size.height }, detectOpts);
      const tracks = tracker
        .update(result.detections, frame.index)
        .map((t) => ({ ...t, box: scaleBox(t.box, sx, sy), score: Math.round(t.score * 1000) / 1000 }));
      const out: FrameResult = {
        index: frame.index,
        time_s: Math.round((frame.index / info.fps) * 1000) / 1000,
        tracks,
      };
      frames.push(out);
      ctx.partial(out);
      ctx.progress(Math.min(99, Math.round((frames.length / expected) * 100)), 'tracking');
    }
    ctx.progress(100, 'done');
    return {
      fps: Math.round(info.fps * 1000) / 1000,
      frame_count: info.frameCount,
      width: info.width,
      height: info.height,
      frames_processed: frames.length,
      frames,
      tracks: tracker.summary(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const inputSchema = {
  type: 'object',
  properties: {
    video: {
      type: 'string',
      contentEncoding: 'base64',
      description: 'The video file (MP4, WebM, MKV, AVI, MOV, animated GIF… anything ffmpeg reads)',
    },
    every_nth_frame: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 1,
      description: 'Process every nth frame',
    },
    max_frames: { type: 'integer', minimum: 1, description: 'Stop after this many processed frames' },
    min_score: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.3,
      description: 'Minimum score to start a track',
    },
    classes: {
      type: 'array',
      items: { type: 'string' },
      maxItems: 80,
      description: `Track only these COCO labels. Valid: ${COCO_LABELS.join(', ')}`,
    },
  },
  required: ['video'],
  additionalProperties: false,
} as const;

/** The handler's arguments, derived from {@link inputSchema}. */
export type TrackVideoArgs = ArgsOf<typeof inputSchema>;

const track_video = defineTool({
  description:
    'Track objects (80 COCO classes) through a video: each sampled frame lists the visible tracks with a stable ' +
    'track_id, label, score and box (video pixels); a summary gives each track’s first/last frame. Long videos: ' +
    'use every_nth_frame / max_frames, or run it as a job to get per-frame partial results.',
  inputSchema,
  outputSchema,
  handler: trackVideo,
});

export default definePlugin({
  tools: { track_video },
  /**
   * Options (all optional): `maxFrameSide` (640) longest side frames are decoded at; `maxInputPixels` (25e6)
   * largest accepted video frame; `maxVideoMb` (200) largest upload; `minHits` (2) / `maxMisses` (3) tracker
   * birth/death.
   */
  init: async (ctx: LoadContext) => {
    const opts = readOptions(ctx.config);
    detector ??= await Detector.load({ maxInputPixels: opts.maxInputPixels });
    const info = backendInfo();
    ctx.log(`CenterNet loaded on tfjs ${info.backend} (SIMD ${info.simd ? 'on' : 'off'}); inference runs on the CPU`);
  },
  validate: async (_ctx: LoadContext) => {
    await loaded().selfTest();
  },
  dispose: () => {
    detector?.dispose();
    detector = undefined;
  },
});
