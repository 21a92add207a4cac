import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { type ExtractTextArgs, type ExtractTextResult } from '../src/index.js';
import { makeCtx, pluginDir, pngBombHeader, renderText } from './helpers.js';

const tool = plugin.tools.extract_text;
/** Calls the handler as the worker does, after schema validation (some tests pass deliberately odd args). */
const call = (args: Record<string, unknown>, ctx = makeCtx(pluginDir)) =>
  Promise.resolve(tool.handler(args as unknown as ExtractTextArgs, ctx)) as Promise<ExtractTextResult>;

beforeAll(async () => {
  const ctx = makeCtx(pluginDir);
  await plugin.init!(ctx);
  await plugin.validate!(ctx);
});

afterAll(async () => {
  await plugin.dispose!();
});

describe('extract_text', () => {
  it('reads a rendered line with word and line boxes', async () => {
    const image = await renderText(['HELLO BASTION 42'], { width: 800, height: 200, fontSize: 64, x: 40, y: 120 });
    const r = await call({ image });
    expect(r.width).toBe(800);
    expect(r.height).toBe(200);
    expect(r.text).toContain('HELLO BASTION 42');
    expect(r.confidence).toBeGreaterThan(0.7);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(r.words.map((w) => w.text)).toEqual(['HELLO', 'BASTION', '42']);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.text).toBe('HELLO BASTION 42');
    for (const item of [...r.words, ...r.lines]) {
      expect(item.confidence).toBeGreaterThan(0.5);
      expect(item.confidence).toBeLessThanOrEqual(1);
      const { x, y, width, height } = item.box;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + width).toBeLessThanOrEqual(800);
      expect(y + height).toBeLessThanOrEqual(200);
      // Cap height of 64 px DejaVu is ≈ 47 px; the text sits on the baseline at y = 120.
      expect(height).toBeGreaterThan(35);
      expect(height).toBeLessThan(70);
      expect(y).toBeGreaterThan(60);
      expect(y + height).toBeLessThanOrEqual(130);
    }
    const [hello, bastion, num] = r.words;
    expect(hello!.box.x).toBeGreaterThanOrEqual(35);
    expect(hello!.box.x).toBeLessThan(60);
    expect(hello!.box.x + hello!.box.width).toBeLessThan(bastion!.box.x);
    expect(bastion!.box.x + bastion!.box.width).toBeLessThan(num!.box.x);
    // The line box spans its words.
    const line = r.lines[0]!.box;
    expect(line.x).toBeLessThanOrEqual(hello!.box.x);
    expect(line.x + line.width).toBeGreaterThanOrEqual(num!.box.x + num!.box.width);
  });

  it('reads a paragraph as several lines, top to bottom', async () => {
    const image = await renderText(['The quick brown fox', 'jumps over the lazy dog', 'Invoice number 12345'], {
      width: 1000,
      height: 300,
      fontSize: 40,
    });
    const r = await call({ image });
    expect(r.lines).toHaveLength(3);
    expect(r.lines[0]!.text).toBe('The quick brown fox');
    expect(r.lines[1]!.text).toBe('jumps over the lazy dog');
    expect(r.lines[2]!.text).toBe('Invoice number 12345');
    expect(r.lines[0]!.box.y).toBeLessThan(r.lines[1]!.box.y);
    expect(r.lines[1]!.box.y).toBeLessThan(r.lines[2]!.box.y);
    expect(r.words).toHaveLength(4 + 5 + 3);
    expect(r.text.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('accepts a JPEG with transparency-free colour and a PNG with transparent background', async () => {
    const jpeg = await sharp(await renderText(['RED GREEN'], { width: 600, height: 150, fontSize: 60 }, '#ffe0e0'))
      .jpeg({ quality: 85 })
      .toBuffer();
    expect((await call({ image: jpeg })).text).toContain('RED GREEN');
    const transparent = await renderText(['ALPHA TEXT'], { width: 600, height: 150, fontSize: 60 }, 'none');
    expect((await sharp(transparent).metadata()).hasAlpha).toBe(true);
    expect((await call({ image: transparent })).text).toContain('ALPHA TEXT');
  });

  it('honours psm (single line) and refuses modes that need OSD data', async () => {
    const image = await renderText(['SINGLE LINE 7'], { width: 700, height: 120, fontSize: 56, y: 85 });
    expect((await call({ image, psm: 7 })).text).toBe('SINGLE LINE 7');
    await expect(call({ image, psm: 0 })).rejects.toThrow(/osd\.traineddata/);
    await expect(call({ image, psm: 12 })).rejects.toThrow(/osd/);
    await expect(call({ image, psm: 14 })).rejects.toThrow(/psm must be an integer from 0 to 13/);
  });

  it('returns no words for a blank image', async () => {
    const image = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const r = await call({ image });
    expect(r.text).toBe('');
    expect(r.words).toEqual([]);
    expect(r.lines).toEqual([]);
    expect(r.confidence).toBe(0);
    expect(r.width).toBe(300);
  });

  it('names the installed languages when asked for another one', async () => {
    const image = await renderText(['HI'], { width: 200, height: 100, fontSize: 40 });
    await expect(call({ image, language: 'deu' })).rejects.toThrow(/language 'deu' is not installed; installed: eng/);
    await expect(call({ image, language: 'eng+fra' })).rejects.toThrow(/'fra'.*installed: eng/);
    // An explicit eng works and a repeated code is tolerated.
    expect((await call({ image, language: 'eng+eng' })).text).toBe('HI');
  });

  it('downscales images above maxOcrPixels and scales boxes back to input pixels', async () => {
    const image = await renderText(['HELLO BASTION 42'], { width: 800, height: 200, fontSize: 64, x: 40, y: 120 });
    const full = await call({ image });
    await plugin.init!(makeCtx(pluginDir, { maxOcrPixels: 100_000 }));
    try {
      const small = await call({ image });
      expect(small.width).toBe(800);
      expect(small.height).toBe(200);
      expect(small.words.map((w) => w.text)).toEqual(['HELLO', 'BASTION', '42']);
      for (const [i, w] of small.words.entries()) {
        const ref = full.words[i]!.box;
        expect(Math.abs(w.box.x - ref.x)).toBeLessThanOrEqual(4);
        expect(Math.abs(w.box.y - ref.y)).toBeLessThanOrEqual(4);
        expect(Math.abs(w.box.width - ref.width)).toBeLessThanOrEqual(6);
        expect(Math.abs(w.box.height - ref.height)).toBeLessThanOrEqual(6);
      }
    } finally {
      await plugin.init!(makeCtx(pluginDir));
    }
  });

  it('rejects invalid plugin options at init', async () => {
    await expect(plugin.init!(makeCtx(pluginDir, { maxInputPixels: 'lots' }))).rejects.toThrow(
      /maxInputPixels must be an integer/,
    );
    await expect(plugin.init!(makeCtx(pluginDir, { defaultLanguage: 'klingon' }))).rejects.toThrow(/installed: eng/);
    await plugin.init!(makeCtx(pluginDir));
  });

  it('stops on a cancelled call and keeps working afterwards', async () => {
    const image = await renderText(['CANCEL ME'], { width: 600, height: 150, fontSize: 60 });
    const before = new AbortController();
    before.abort();
    await expect(call({ image }, makeCtx(pluginDir, {}, before.signal))).rejects.toThrow(/cancelled/);

    const lines = Array.from({ length: 14 }, (_, i) => `Line ${i + 1} of a long page of text to read slowly`);
    const big = await renderText(lines, { width: 1400, height: 1000, fontSize: 40, lineHeight: 68 });
    const during = new AbortController();
    const pending = call({ image: big }, makeCtx(pluginDir, {}, during.signal));
    setTimeout(() => during.abort(), 100);
    await expect(pending).rejects.toThrow(/cancelled/);

    expect((await call({ image })).text).toBe('CANCEL ME');
  });
});

describe('extract_text with bad input', () => {
  it('rejects a 0-byte file', async () => {
    await expect(call({ image: new Uint8Array(0) })).rejects.toThrow(/empty \(0 bytes\)/);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(call({ image: new TextEncoder().encode('hello, this is not a picture') })).rejects.toThrow(
      /not a readable picture/,
    );
  });

  it('rejects an SVG (vector input is refused)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
    await expect(call({ image: svg })).rejects.toThrow(/format 'svg' is not supported/);
  });

  it('rejects a truncated JPEG', async () => {
    const jpeg = await sharp(await renderText(['TRUNCATED'], { width: 600, height: 150, fontSize: 60 }))
      .jpeg()
      .toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(call({ image: cut })).rejects.toThrow(/truncated or corrupt/);
  });

  it('rejects a PNG whose header claims 20000×20000 pixels before decoding it', async () => {
    await expect(call({ image: pngBombHeader(20000, 20000) })).rejects.toThrow(
      /20000×20000 \(400\.0 MP\), above the limit of 40\.0 MP/,
    );
  });

  it('rejects a non-binary image argument', async () => {
    await expect(call({ image: 'aGVsbG8=' })).rejects.toThrow(/must be binary data/);
  });
});
