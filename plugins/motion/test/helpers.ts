import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export { makeCtx, pngBombHeader } from '@bastion/testkit';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
