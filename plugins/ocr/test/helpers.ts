import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export { makeCtx, pngBombHeader } from '@bastion/testkit';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
