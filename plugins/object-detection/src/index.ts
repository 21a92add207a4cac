/**
 * bastion-plugin-object-detection — tool `detect`: the 80 COCO object classes in an image, with score and box.
 * The model (MB3-CenterNet, shipped in the `@vladmandic/human` npm package) runs on TensorFlow.js' WebAssembly
 * backend on the CPU; see `@bastion/detector`.
 */
import { COCO_LABELS, DEFAULT_MAX_INPUT_PIXELS, Detector, backendInfo, type DetectionResult } from '@bastion/detector';
import { definePlugin, defineTool, InputError, type ArgsOf, type LoadContext } from '@bastion/sdk';

const boxSchema = {
  type: 'object',
  properties: {
    x: { type: 'number' },
    y: { type: 'number' },
    width: { type: 'number' },
    height: { type: 'number' },
  },
  required: ['x', 'y', 'width', 'height'],
  additionalProperties: false,
} as const;

export const outputSchema = {
  type: 'object',
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    detections: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          label: { type: 'string' },
          class_id: { type: 'integer', minimum: 0, maximum: 79 },
          score: { type: 'number', minimum: 0, maximum: 1 },
          box: boxSchema,
        },
        required: ['label', 'class_id', 'score', 'box'],
        additionalProperties: false,
      },
    },
  },
  required: ['width', 'height', 'detections'],
  additionalProperties: false,
} as const;

/** Positive number option from the operator's config, else the fallback. */
function numberOption(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const v = config[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`plugin option '${key}' must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

let detector: Detector | undefined;

function loaded(): Detector {
  if (!detector) throw new Error('the detector is not loaded (init() has not run or failed); restart the plugin');
  return detector;
}

const inputSchema = {
  type: 'object',
  properties: {
    image: {
      type: 'string',
      contentEncoding: 'base64',
      description: 'The image: JPEG, PNG, WebP, GIF (first frame), TIFF or AVIF',
    },
    min_score: { type: 'number', minimum: 0, maximum: 1, default: 0.3, description: 'Minimum score (0–1)' },
    max_results: { type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Most detections returned' },
    classes: {
      type: 'array',
      items: { type: 'string' },
      maxItems: 80,
      description: `Keep only these COCO labels, e.g. ["person", "car"]. Valid: ${COCO_LABELS.join(', ')}`,
    },
  },
  required: ['image'],
  additionalProperties: false,
} as const;

/** The handler's arguments, derived from {@link inputSchema}. */
export type DetectArgs = ArgsOf<typeof inputSchema>;

const detect = defineTool({
  description:
    'Detect objects of the 80 COCO classes (person, car, dog, cup, …) in an image. Returns each object with its ' +
    'label, class id, score (0–1) and box {x, y, width, height} in image pixels, best first.',
  inputSchema,
  outputSchema,
  handler: async (args): Promise<DetectionResult> => {
    if (!(args.image instanceof Uint8Array)) {
      throw new InputError('image must be binary (base64 over JSON or a file upload)', { field: 'image' });
    }
    return loaded().detectImage(args.image, {
      minScore: args.min_score ?? 0.3,
      maxResults: args.max_results ?? 50,
      ...(args.classes ? { classes: [...args.classes] } : {}),
    });
  },
});

export default definePlugin({
  tools: { detect },
  /** Options: `maxInputPixels` (default 25 000 000) caps the accepted image size. */
  init: async (ctx: LoadContext) => {
    const maxInputPixels = numberOption(ctx.config, 'maxInputPixels', DEFAULT_MAX_INPUT_PIXELS);
    detector ??= await Detector.load({ maxInputPixels });
    const info = backendInfo();
    ctx.log(`CenterNet loaded on tfjs ${info.backend} (SIMD ${info.simd ? 'on' : 'off'}, CPU only)`);
  },
  validate: async (_ctx: LoadContext) => {
    await loaded().selfTest();
  },
  dispose: () => {
    detector?.dispose();
    detector = undefined;
  },
});
