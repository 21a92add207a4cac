/**
 * Bastion plugin `ocr`: reads text in an image with tesseract.js (WASM) and the English traineddata shipped in
 * the `@tesseract.js-data/eng` npm package. Works offline; one tesseract worker is kept alive per plugin worker.
 */
import {
  definePlugin,
  defineTool,
  InputError,
  type ArgsOf,
  type LoadContext,
  type ResultOf,
  type ToolContext,
} from '@bastion/sdk';
import type Tesseract from 'tesseract.js';
import { Engine } from './engine.js';
import { prepareImage, type ImageLimits } from './image.js';
import { findInstalledLanguages, type InstalledLanguage } from './languages.js';
import { SELF_TEST_PNG_BASE64, SELF_TEST_WORDS } from './selftest.js';

/** Page segmentation modes that need `osd.traineddata` (orientation/script detection), which is not installed. */
const OSD_PSMS = new Set([0, 1, 12]);

interface Settings extends ImageLimits {
  defaultLanguage: string;
}

const DEFAULTS: Settings = {
  defaultLanguage: 'eng',
  maxInputPixels: 40_000_000,
  maxOcrPixels: 12_000_000,
};

let settings: Settings = { ...DEFAULTS };
let languages = new Map<string, InstalledLanguage>();
let engine: Engine | null = null;
/** Calls share one tesseract worker: run them one after another. */
let queue: Promise<unknown> = Promise.resolve();

function readSettings(config: Readonly<Record<string, unknown>>): Settings {
  const out: Settings = { ...DEFAULTS };
  const lang = config.defaultLanguage;
  if (lang !== undefined) {
    if (typeof lang !== 'string' || lang === '') {
      throw new Error('ocr option defaultLanguage must be a language code such as "eng"');
    }
    out.defaultLanguage = lang;
  }
  for (const key of ['maxInputPixels', 'maxOcrPixels'] as const) {
    const v = config[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 10_000 || v > 500_000_000) {
      throw new Error(`ocr option ${key} must be an integer number of pixels between 10000 and 500000000`);
    }
    out[key] = v;
  }
  return out;
}

function installedList(): string {
  const codes = [...languages.keys()];
  return codes.length ? codes.join(', ') : 'none';
}

/** Maps "eng+deu" to installed language packages, or throws naming the installed ones. */
function resolveLanguages(spec: string): InstalledLanguage[] {
  const codes = spec.split('+');
  const out: InstalledLanguage[] = [];
  for (const code of codes) {
    const lang = languages.get(code);
    if (!lang) {
      throw new InputError(
        `language '${code}' is not installed; installed: ${installedList()}. ` +
          `Install it with 'npm install @tesseract.js-data/${code}' in the ocr plugin folder and restart the plugin`,
      );
    }
    if (!out.includes(lang)) out.push(lang);
  }
  return out;
}

async function engineFor(langs: InstalledLanguage[]): Promise<Engine> {
  const key = langs.map((l) => l.code).join('+');
  if (engine && engine.usable && engine.langKey === key) return engine;
  const old = engine;
  engine = null;
  if (old) await old.terminate();
  engine = await Engine.create(langs);
  return engine;
}

function serialise<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

const round = (n: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

function toItem(
  text: string,
  confidence: number,
  bbox: Tesseract.Bbox,
  sx: number,
  sy: number,
  width: number,
  height: number,
): TextItem {
  const x0 = Math.max(0, Math.min(width, Math.round(bbox.x0 * sx)));
  const y0 = Math.max(0, Math.min(height, Math.round(bbox.y0 * sy)));
  const x1 = Math.max(x0, Math.min(width, Math.round(bbox.x1 * sx)));
  const y1 = Math.max(y0, Math.min(height, Math.round(bbox.y1 * sy)));
  return {
    text,
    confidence: round(Math.max(0, Math.min(100, confidence)) / 100),
    box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
  };
}

async function extractText(args: ExtractTextArgs, ctx: Pick<ToolContext, 'signal' | 'progress'>) {
  const { image, psm } = args;
  const language = args.language ?? settings.defaultLanguage;
  if (psm !== undefined) {
    if (!Number.isInteger(psm) || psm < 0 || psm > 13) {
      throw new InputError(`psm must be an integer from 0 to 13 (tesseract page segmentation mode), got ${psm}`);
    }
    if (OSD_PSMS.has(psm)) {
      throw new InputError(
        `psm ${psm} needs orientation/script detection data (osd.traineddata), which is not installed; ` +
          'use 3 (automatic, the default), 6 (one block), 7 (one line) or 11 (sparse text)',
      );
    }
  }
  const langs = resolveLanguages(language);
  if (ctx.signal.aborted) throw new Error('OCR call cancelled');
  ctx.progress(5, 'decoding image');
  let img: Awaited<ReturnType<typeof prepareImage>>;
  try {
    img = await prepareImage(image, settings);
  } catch (err) {
    // prepareImage refuses only the picture itself (empty, not an image, corrupt, too large): the caller's mistake.
    throw new InputError((err as Error).message, { field: 'image' });
  }

  return serialise(async () => {
    if (ctx.signal.aborted) throw new Error('OCR call cancelled');
    ctx.progress(20, 'loading language data');
    const eng = await engineFor(langs);
    ctx.progress(25, 'recognizing text');
    let page: Tesseract.Page;
    try {
      page = await eng.recognize(img.data, psm, ctx.signal, (f) =>
        ctx.progress(25 + Math.round(70 * f), 'recognizing text'),
      );
    } finally {
      if (!eng.usable && engine === eng) engine = null;
    }
    return toResult(page, img.width, img.height, img.scaleX, img.scaleY);
  });
}

function toResult(page: Tesseract.Page, width: number, height: number, sx: number, sy: number): ExtractTextResult {
  const words: TextItem[] = [];
  const lines: TextItem[] = [];
  for (const block of page.blocks ?? []) {
    for (const para of block.paragraphs ?? []) {
      for (const line of para.lines ?? []) {
        const lineText = line.text.trim();
        if (lineText) lines.push(toItem(lineText, line.confidence, line.bbox, sx, sy, width, height));
        for (const word of line.words ?? []) {
          const wordText = word.text.trim();
          if (wordText) words.push(toItem(wordText, word.confidence, word.bbox, sx, sy, width, height));
        }
      }
    }
  }
  const confidence = words.length ? round(words.reduce((s, w) => s + w.confidence, 0) / words.length) : 0;
  return { text: page.text.trim(), confidence, words, lines, width, height };
}

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

/** A word or a line: its text, confidence 0–1 and box in input pixels. */
const itemSchema = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    box: boxSchema,
  },
  required: ['text', 'confidence', 'box'],
  additionalProperties: false,
} as const;

const extractInput = {
  type: 'object',
  properties: {
    image: {
      type: 'string',
      contentEncoding: 'base64',
      description: 'PNG, JPEG, WebP, GIF, TIFF, AVIF, BMP or PNM (PBM/PGM/PPM/PAM) image',
    },
    language: {
      type: 'string',
      default: 'eng',
      pattern: '^[A-Za-z][A-Za-z0-9_]*(\\+[A-Za-z][A-Za-z0-9_]*)*$',
      maxLength: 64,
      description: 'tesseract language code(s), joined with + (e.g. "eng"); only installed ones work',
    },
    psm: {
      type: 'integer',
      minimum: 0,
      maximum: 13,
      description:
        'tesseract page segmentation mode: 3 automatic (default), 4 one column, 6 one block, 7 one line, ' +
        '8 one word, 11 sparse text, 13 raw line. 0, 1 and 12 need OSD data and are refused',
    },
  },
  required: ['image'],
  additionalProperties: false,
} as const;

/** `confidence` is the mean word confidence, 0–1 (0 when no word was found). */
const extractOutput = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    words: { type: 'array', items: itemSchema },
    lines: { type: 'array', items: itemSchema },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
  },
  required: ['text', 'confidence', 'words', 'lines', 'width', 'height'],
  additionalProperties: false,
} as const;

// Each shape is written once, as JSON Schema; the types follow from it.
export type ExtractTextArgs = ArgsOf<typeof extractInput>;
export type ExtractTextResult = ResultOf<typeof extractOutput>;
export type TextItem = ResultOf<typeof itemSchema>;
export type Box = TextItem['box'];

export default definePlugin({
  tools: {
    extract_text: defineTool({
      description:
        'Read the text in an image (OCR, tesseract). Returns the full text, mean confidence (0-1), and every word ' +
        'and line with its confidence and pixel box.',
      inputSchema: extractInput,
      outputSchema: extractOutput,
      handler: (args, ctx: ToolContext) => extractText(args, ctx),
    }),
  },

  async init(ctx: LoadContext) {
    const next = readSettings(ctx.config);
    languages = findInstalledLanguages(ctx.pluginDir);
    if (languages.size === 0) {
      throw new Error(
        `no tesseract language data found in node_modules/@tesseract.js-data above ${ctx.pluginDir}; ` +
          "run 'npm install @tesseract.js-data/eng' in the ocr plugin folder",
      );
    }
    const langs = resolveLanguages(next.defaultLanguage);
    settings = next;
    await serialise(async () => {
      await engineFor(langs);
    });
    ctx.log(`tesseract ready: default language ${settings.defaultLanguage}; installed: ${installedList()}`);
  },

  async validate(ctx: LoadContext) {
    const image = Buffer.from(SELF_TEST_PNG_BASE64, 'base64');
    const signal = new AbortController().signal;
    const result = await extractText(
      { image, language: settings.defaultLanguage, psm: 7 },
      { signal, progress: () => {} },
    );
    const seen = result.words.map((w) => w.text.toUpperCase());
    const missing = SELF_TEST_WORDS.filter((w) => !seen.includes(w));
    if (missing.length) {
      throw new Error(
        `OCR self-test read ${JSON.stringify(result.text)} instead of "${SELF_TEST_WORDS.join(' ')}"; ` +
          'the English traineddata is probably corrupt: reinstall @tesseract.js-data/eng',
      );
    }
    ctx.log(`self-test read "${result.text}" (confidence ${result.confidence})`);
  },

  async dispose() {
    const old = engine;
    engine = null;
    await serialise(async () => {
      if (old) await old.terminate();
    });
  },
});
