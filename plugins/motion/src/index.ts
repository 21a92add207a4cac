/**
 * Bastion plugin `motion`: compares each frame of a session with the session's previous frame and reports the
 * changed regions. Pure image arithmetic on a downscaled greyscale copy (sharp decodes); no model, no network.
 */
import {
  definePlugin,
  defineTool,
  InputError,
  type ArgsOf,
  type LoadContext,
  type ResultOf,
  type ToolContext,
  type ValidateContext,
} from '@bastion/sdk';
import { decodeWorkingFrame, readHeader, workingSizeFor } from './frame.js';
import { diffMask, findRegions } from './regions.js';
import { SessionStore } from './sessions.js';

export interface MotionSettings {
  /** Longest side of the working frame, in pixels. */
  workingSize: number;
  blurSigma: number;
  /** Changed areas closer than this share of the working frame's longest side are one region. */
  mergeDistance: number;
  maxSessions: number;
  idleMs: number;
  maxInputPixels: number;
  maxRegions: number;
}

export const DEFAULT_SETTINGS: MotionSettings = {
  workingSize: 320,
  blurSigma: 1,
  mergeDistance: 0.03,
  maxSessions: 256,
  idleMs: 10 * 60_000,
  maxInputPixels: 40_000_000,
  maxRegions: 100,
};

const DEFAULT_THRESHOLD = 25;
/** Default min_area: 0.1 % of the frame. */
const DEFAULT_MIN_AREA_RATIO = 0.001;

const LIMITS: Record<keyof MotionSettings, [number, number, boolean]> = {
  workingSize: [16, 2048, true],
  blurSigma: [0, 10, false],
  mergeDistance: [0, 0.5, false],
  maxSessions: [1, 100_000, true],
  idleMs: [1, 7 * 24 * 3_600_000, true],
  maxInputPixels: [10_000, 500_000_000, true],
  maxRegions: [1, 10_000, true],
};

function readSettings(config: Readonly<Record<string, unknown>>): MotionSettings {
  const out = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(LIMITS) as Array<keyof MotionSettings>) {
    const v = config[key];
    if (v === undefined) continue;
    const [min, max, integer] = LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new Error(`motion option ${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    out[key] = v;
  }
  return out;
}

/** The plugin's state, made by init() and handed to every call as ctx.state: one per worker process. */
export interface MotionState {
  settings: MotionSettings;
  store: SessionStore;
}

function checkSessionId(id: unknown): string {
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) {
    throw new InputError('session_id must be a string of 1 to 128 characters', { field: 'session_id' });
  }
  return id;
}

async function detectMotion(
  args: DetectMotionArgs,
  { settings, store }: MotionState,
  signal: AbortSignal,
): Promise<DetectMotionResult> {
  const sessionId = checkSessionId(args.session_id);
  const threshold = args.threshold ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 255)) {
    throw new InputError(`threshold must be a number from 0 to 255 (grey levels), got ${String(threshold)}`, {
      field: 'threshold',
    });
  }
  if (args.min_area !== undefined && !(Number.isInteger(args.min_area) && args.min_area >= 0)) {
    throw new InputError(`min_area must be a non-negative integer number of pixels, got ${String(args.min_area)}`, {
      field: 'min_area',
    });
  }

  const header = await readHeader(args.image, settings.maxInputPixels);
  const { width, height } = header;
  const minArea = args.min_area ?? Math.max(1, Math.round(width * height * DEFAULT_MIN_AREA_RATIO));

  // A frame of another size than the session's previous one is stretched to the session's working size.
  const known = store.get(sessionId);
  const work = known ? { width: known.width, height: known.height } : workingSizeFor(header, settings.workingSize);
  if (signal.aborted) throw new Error('motion call cancelled');
  const frame = await decodeWorkingFrame(args.image, work.width, work.height, settings);
  if (signal.aborted) throw new Error('motion call cancelled');

  // Read and replace the session's frame synchronously, so concurrent calls of one session never interleave here.
  const prev = store.get(sessionId);
  store.set(sessionId, work.width, work.height, frame);
  if (!prev || prev.width !== work.width || prev.height !== work.height) {
    return { motion: false, changed_ratio: 0, regions: [], width, height, first_frame: true };
  }

  const mask = new Uint8Array(frame.length);
  const changed = diffMask(prev.frame, frame, threshold, mask);
  const sx = width / work.width;
  const sy = height / work.height;
  const regions: DetectMotionResult['regions'] = [];
  if (changed > 0) {
    const radius = Math.round(settings.mergeDistance * Math.max(work.width, work.height) * 0.5);
    for (const b of findRegions(mask, work.width, work.height, radius)) {
      const area = Math.round(b.count * sx * sy);
      if (area < minArea) continue;
      const x0 = Math.max(0, Math.floor(b.minX * sx));
      const y0 = Math.max(0, Math.floor(b.minY * sy));
      const x1 = Math.min(width, Math.ceil((b.maxX + 1) * sx));
      const y1 = Math.min(height, Math.ceil((b.maxY + 1) * sy));
      regions.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, area });
    }
    regions.sort((a, b) => b.area - a.area);
    regions.length = Math.min(regions.length, settings.maxRegions);
  }
  return {
    motion: regions.length > 0,
    changed_ratio: Math.round((changed / frame.length) * 1e6) / 1e6,
    regions,
    width,
    height,
    first_frame: false,
  };
}

const sessionIdSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'Caller-chosen id of the frame sequence (camera, stream); frames are compared within a session',
} as const;

const boxSchema = {
  type: 'object',
  properties: {
    x: { type: 'integer', minimum: 0 },
    y: { type: 'integer', minimum: 0 },
    width: { type: 'integer', minimum: 0 },
    height: { type: 'integer', minimum: 0 },
  },
  required: ['x', 'y', 'width', 'height'],
  additionalProperties: false,
} as const;

const detectInput = {
  type: 'object',
  properties: {
    image: { type: 'string', contentEncoding: 'base64', description: 'JPEG, PNG or WebP frame' },
    session_id: sessionIdSchema,
    threshold: {
      type: 'number',
      minimum: 0,
      maximum: 255,
      default: DEFAULT_THRESHOLD,
      description: 'Per-pixel grey-level difference (0-255) that counts as change',
    },
    min_area: {
      type: 'integer',
      minimum: 0,
      description: 'Smallest region reported, in changed input pixels (default 0.1% of the frame)',
    },
  },
  required: ['image', 'session_id'],
  additionalProperties: false,
} as const;

const detectOutput = {
  type: 'object',
  properties: {
    motion: { type: 'boolean' },
    /** Share of the frame whose grey level changed by more than `threshold` (0–1). */
    changed_ratio: { type: 'number', minimum: 0, maximum: 1 },
    regions: {
      type: 'array',
      items: {
        type: 'object',
        // area: changed pixels in the region, in input pixels.
        properties: { box: boxSchema, area: { type: 'integer', minimum: 0 } },
        required: ['box', 'area'],
        additionalProperties: false,
      },
    },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    first_frame: { type: 'boolean' },
  },
  required: ['motion', 'changed_ratio', 'regions', 'width', 'height', 'first_frame'],
  additionalProperties: false,
} as const;

const resetInput = {
  type: 'object',
  properties: { session_id: sessionIdSchema },
  required: ['session_id'],
  additionalProperties: false,
} as const;

// Each shape is written once, as JSON Schema; the types follow from it.
export type DetectMotionArgs = ArgsOf<typeof detectInput>;
export type DetectMotionResult = ResultOf<typeof detectOutput>;
export type MotionRegion = DetectMotionResult['regions'][number];
export type Box = MotionRegion['box'];
export type ResetSessionArgs = ArgsOf<typeof resetInput>;

/** For tests and benchmarks: how many sessions a worker's store holds. */
export function sessionCount(state: MotionState): number {
  return state.store.size;
}

export default definePlugin({
  tools: {
    detect_motion: defineTool({
      description:
        "Compare a frame with the session's previous frame and return the changed regions (boxes in input " +
        'pixels). The first frame of a session only primes it (motion false).',
      inputSchema: detectInput,
      outputSchema: detectOutput,
      handler: (args, ctx: ToolContext<MotionState>) => detectMotion(args, ctx.state, ctx.signal),
    }),
    reset_session: defineTool({
      description: "Forget a session's previous frame; its next frame starts afresh. reset is false if it was unknown.",
      inputSchema: resetInput,
      outputSchema: {
        type: 'object',
        properties: { reset: { type: 'boolean' } },
        required: ['reset'],
        additionalProperties: false,
      },
      handler: (args, ctx: ToolContext<MotionState>) => {
        const id = checkSessionId(args.session_id);
        const existed = ctx.state.store.has(id);
        ctx.state.store.delete(id);
        return { reset: existed };
      },
    }),
  },

  async init(ctx: LoadContext): Promise<MotionState> {
    const settings = readSettings(ctx.config);
    ctx.log(
      `motion ready: working size ${settings.workingSize}px, up to ${settings.maxSessions} sessions, ` +
        `idle expiry ${Math.round(settings.idleMs / 1000)} s`,
    );
    return { settings, store: new SessionStore(settings.maxSessions, settings.idleMs) };
  },

  async validate(ctx: ValidateContext<MotionState>) {
    // Two tiny synthetic frames through the real pipeline (sharp decode + diff + labelling).
    const { default: sharp } = await import('sharp');
    const frameWith = (left: number) =>
      sharp({ create: { width: 64, height: 48, channels: 3, background: '#202020' } })
        .composite([
          {
            input: { create: { width: 12, height: 12, channels: 3, background: '#f0f0f0' } },
            left,
            top: 18,
          },
        ])
        .png()
        .toBuffer();
    // A store of its own, so the self-test leaves no session behind in the plugin's state.
    const probe: MotionState = { settings: ctx.state.settings, store: new SessionStore(1, 60_000) };
    const signal = new AbortController().signal;
    const a = await detectMotion({ image: await frameWith(8), session_id: 'self-test' }, probe, signal);
    const b = await detectMotion({ image: await frameWith(40), session_id: 'self-test' }, probe, signal);
    if (!a.first_frame || !b.motion || b.regions.length === 0) {
      throw new Error(`motion self-test found no motion between two different frames: ${JSON.stringify(b)}`);
    }
    ctx.log('motion self-test passed');
  },

  async dispose(ctx: ValidateContext<MotionState>) {
    ctx.state.store.clear();
  },
});
