import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { type ExtractTextArgs, type ExtractTextResult } from '../src/index.js';
import { prepareImage } from '../src/image.js';
import { encodeBmp, encodeNetpbm, rawPixels, type NetpbmKind } from './encoders.js';
import { makeCtx, pluginDir, renderText } from './helpers.js';

const tool = plugin.tools.extract_text;
const call = (image: Uint8Array) =>
  Promise.resolve(tool.handler({ image } as ExtractTextArgs, makeCtx(pluginDir))) as Promise<ExtractTextResult>;
const LIMITS = { maxInputPixels: 40_000_000, maxOcrPixels: 12_000_000 };
const TEXT = 'HELLO BASTION 42';
const W = 640;
const H = 130;

let png: Buffer;
beforeAll(async () => {
  const ctx = makeCtx(pluginDir);
  await plugin.init!(ctx);
  png = await renderText([TEXT], { width: W, height: H, fontSize: 56, x: 30, y: 85 });
});

afterAll(async () => {
  await plugin.dispose!();
});

/** Every format tesseract.js reads, built from the same rendered line. */
async function encoded(name: string): Promise<Buffer> {
  const grey = await rawPixels(png, 1);
  const rgb = await rawPixels(png, 3);
  switch (name) {
    case 'BMP 24-bit':
      return encodeBmp(rgb, 24);
    case 'BMP 8-bit palette':
      return encodeBmp(grey, 8);
    case 'PAM with alpha': {
      // Black text on a fully transparent background: only flattening onto white makes it readable.
      const text = await renderText([TEXT], { width: W, height: H, fontSize: 56, x: 30, y: 85 }, 'none');
      return encodeNetpbm('P7', await rawPixels(text, 4), { channels: 4 });
    }
    case 'PGM 16-bit':
      return encodeNetpbm('P5', grey, { wide: true });
    case 'GIF':
      return sharp(png).gif().toBuffer();
    case 'WebP':
      return sharp(png).webp({ lossless: true }).toBuffer();
    case 'TIFF (JPEG-compressed)':
      return sharp(png).tiff({ compression: 'jpeg' }).toBuffer();
    case 'TIFF (LZW)':
      return sharp(png).tiff({ compression: 'lzw' }).toBuffer();
    default: {
      const kind = name.slice(-3, -1) as NetpbmKind;
      return encodeNetpbm(kind, ['P3', 'P6', 'P7'].includes(kind) ? rgb : grey);
    }
  }
}

describe('extract_text reads every format tesseract.js reads', () => {
  it.each([
    'BMP 24-bit',
    'BMP 8-bit palette',
    'PBM plain (P1)',
    'PBM raw (P4)',
    'PGM plain (P2)',
    'PGM raw (P5)',
    'PGM 16-bit',
    'PPM plain (P3)',
    'PPM raw (P6)',
    'PAM RGB (P7)',
    'PAM with alpha',
    'GIF',
    'WebP',
    'TIFF (JPEG-compressed)',
    'TIFF (LZW)',
  ])('%s', async (name) => {
    const r = await call(await encoded(name));
    expect(r.text).toBe(TEXT);
    expect(r.words.map((w) => w.text)).toEqual(TEXT.split(' '));
    expect([r.width, r.height]).toEqual([W, H]);
  });

  it('downscales a BMP and a PPM above maxOcrPixels and scales boxes back', async () => {
    await plugin.init!(makeCtx(pluginDir, { maxOcrPixels: 40_000 }));
    try {
      for (const name of ['BMP 24-bit', 'PPM raw (P6)']) {
        const image = await encoded(name);
        const prepared = await prepareImage(image, { ...LIMITS, maxOcrPixels: 40_000 });
        expect(prepared.converted).toBe(true);
        expect(prepared.scaleX).toBeGreaterThan(1.3);
        const r = await call(image);
        expect(r.text, name).toBe(TEXT);
        expect(r.lines[0]!.box.x + r.lines[0]!.box.width, name).toBeGreaterThan(W / 2);
      }
    } finally {
      await plugin.init!(makeCtx(pluginDir));
    }
  });
});

describe('images tesseract.js reads as they are reach it unconverted', () => {
  it.each(['PNG', 'JPEG', 'BMP 24-bit', 'PPM raw (P6)', 'PBM raw (P4)', 'GIF'])(
    '%s is handed over as is',
    async (name) => {
      const image =
        name === 'PNG'
          ? await sharp(png).removeAlpha().png().toBuffer()
          : name === 'JPEG'
            ? await sharp(png).jpeg().toBuffer()
            : await encoded(name);
      const prepared = await prepareImage(image, LIMITS);
      expect(prepared.converted).toBe(false);
      expect(prepared.data).toBe(image);
      expect([prepared.width, prepared.height, prepared.scaleX, prepared.scaleY]).toEqual([W, H, 1, 1]);
    },
  );

  it('hands over a PNG with transparency as is: tesseract.js blends it onto white itself', async () => {
    const alpha = await renderText([TEXT], { width: W, height: H, fontSize: 56, x: 30, y: 85 }, 'none');
    expect((await sharp(alpha).metadata()).hasAlpha).toBe(true);
    expect((await prepareImage(alpha, LIMITS)).converted).toBe(false);
    expect((await call(alpha)).text).toBe(TEXT);
  });

  it('converts what tesseract.js would misread: EXIF rotation, TIFF, 16-bit samples, PAM alpha', async () => {
    const rotated = await sharp(await sharp(png).rotate(90).jpeg().toBuffer())
      .withMetadata({ orientation: 8 })
      .jpeg()
      .toBuffer();
    for (const [what, image] of [
      ['rotated', rotated],
      ['pam alpha', await encoded('PAM with alpha')],
      ['tiff', await encoded('TIFF (LZW)')],
      ['16-bit', await encoded('PGM 16-bit')],
    ] as const) {
      const prepared = await prepareImage(image, LIMITS);
      expect(prepared.converted, what).toBe(true);
      expect([prepared.width, prepared.height], what).toEqual([W, H]);
    }
    // The EXIF orientation is applied before reading, so the rotated JPEG reads upright.
    expect((await call(rotated)).text).toBe(TEXT);
  });
});

describe('bad BMP and Netpbm files', () => {
  it('rejects truncated files with a clear message', async () => {
    for (const name of ['BMP 24-bit', 'PPM raw (P6)', 'PGM plain (P2)', 'PBM raw (P4)']) {
      const image = await encoded(name);
      await expect(call(image.subarray(0, Math.floor(image.length / 2))), name).rejects.toThrow(/truncated or corrupt/);
    }
  });

  it('rejects headers above maxInputPixels before decoding', async () => {
    const bmp = encodeBmp({ data: Buffer.alloc(3), width: 1, height: 1 }, 24);
    bmp.writeInt32LE(20000, 18);
    bmp.writeInt32LE(20000, 22);
    await expect(call(bmp)).rejects.toThrow(/20000×20000 \(400\.0 MP\), above the limit/);
    await expect(call(Buffer.from('P5\n20000 20000\n255\n'))).rejects.toThrow(/20000×20000 .*above the limit/);
    await expect(call(Buffer.from('P6\n0 10\n255\n'))).rejects.toThrow(/bad width/);
  });
});
