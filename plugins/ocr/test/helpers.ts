import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { LoadContext, ToolContext } from '@bastion/sdk';
import sharp from 'sharp';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A tool context as the worker builds it, with no-op progress/partial and a fresh (or given) abort signal. */
export function makeCtx(
  config: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
): ToolContext & LoadContext {
  return { signal, progress: () => {}, partial: () => {}, log: () => {}, pluginDir, config };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders black lines of text on white (DejaVu Sans) as a PNG. */
export async function renderText(
  lines: string[],
  opts: { width: number; height: number; fontSize: number; x?: number; y?: number; lineHeight?: number },
  background = 'white',
): Promise<Buffer> {
  const x = opts.x ?? 40;
  const y0 = opts.y ?? opts.fontSize + 20;
  const lh = opts.lineHeight ?? Math.round(opts.fontSize * 1.5);
  const texts = lines
    .map(
      (t, i) =>
        `<text x="${x}" y="${y0 + i * lh}" font-family="DejaVu Sans" font-size="${opts.fontSize}" fill="black">${escapeXml(t)}</text>`,
    )
    .join('');
  const bg = background === 'none' ? '' : `<rect width="100%" height="100%" fill="${background}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${opts.width}" height="${opts.height}">${bg}${texts}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A valid-looking PNG whose header claims width×height (a decompression bomb's header) with almost no data. */
export function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const idat = zlib.deflateSync(Buffer.alloc(width + 1)); // one row of zeros
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
