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

/** A w×h frame of uniform grey with light-grey squares at the given positions, encoded as PNG or JPEG. */
export async function frame(
  squares: Array<{ x: number; y: number; size?: number; grey?: number }>,
  opts: { width?: number; height?: number; background?: number; format?: 'png' | 'jpeg'; quality?: number } = {},
): Promise<Buffer> {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const bg = opts.background ?? 64;
  const img = sharp({ create: { width, height, channels: 3, background: { r: bg, g: bg, b: bg } } }).composite(
    squares.map((s) => {
      const size = s.size ?? 80;
      const g = s.grey ?? 224;
      return {
        input: { create: { width: size, height: size, channels: 3 as const, background: { r: g, g, b: g } } },
        left: s.x,
        top: s.y,
      };
    }),
  );
  return opts.format === 'jpeg' ? img.jpeg({ quality: opts.quality ?? 85 }).toBuffer() : img.png().toBuffer();
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
