import sharp from 'sharp';

/** Raw 8-bit pixels of an image, with `channels` per pixel. */
export async function rawPixels(image: Buffer, channels: 1 | 3 | 4) {
  let p = sharp(image);
  p = channels === 1 ? p.greyscale().removeAlpha() : channels === 3 ? p.removeAlpha() : p.ensureAlpha();
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A Windows bitmap: 24-bit bottom-up BI_RGB, or 8-bit with a grey palette. */
export function encodeBmp(px: { data: Buffer; width: number; height: number }, bits: 24 | 8): Buffer {
  const { width: w, height: h, data } = px;
  const palette = bits === 8 ? 256 * 4 : 0;
  const row = Math.ceil((w * bits) / 32) * 4;
  const offset = 54 + palette;
  const b = Buffer.alloc(offset + row * h);
  b.write('BM');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bits, 28);
  b.writeUInt32LE(row * h, 34);
  for (let i = 0; i < palette / 4; i++) b.fill(i, 54 + i * 4, 54 + i * 4 + 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = offset + (h - 1 - y) * row;
      if (bits === 8) {
        b[d + x] = data[y * w + x]!;
      } else {
        const s = (y * w + x) * 3;
        b[d + x * 3] = data[s + 2]!;
        b[d + x * 3 + 1] = data[s + 1]!;
        b[d + x * 3 + 2] = data[s]!;
      }
    }
  }
  return b;
}

export type NetpbmKind = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7';

/**
 * A Netpbm file from raw pixels: P1/P4 take grey (thresholded), P2/P5 grey, P3/P6 RGB, P7 RGB or RGBA. `wide`
 * writes 16-bit samples (maxval 65535) for P5.
 */
export function encodeNetpbm(
  kind: NetpbmKind,
  px: { data: Buffer; width: number; height: number },
  opts: { channels?: number; wide?: boolean } = {},
): Buffer {
  const { width: w, height: h, data } = px;
  const head = (s: string) => Buffer.from(s, 'latin1');
  switch (kind) {
    case 'P1':
      return head(`P1\n# plain bitmap\n${w} ${h}\n${Array.from(data, (v) => (v < 128 ? '1' : '0')).join(' ')}\n`);
    case 'P2':
    case 'P3':
      return head(`${kind}\n${w} ${h}\n255\n${Array.from(data).join(' ')}\n`);
    case 'P4': {
      const row = Math.ceil(w / 8);
      const bits = Buffer.alloc(row * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) if (data[y * w + x]! < 128) bits[y * row + (x >> 3)]! |= 0x80 >> (x & 7);
      }
      return Buffer.concat([head(`P4\n${w} ${h}\n`), bits]);
    }
    case 'P5':
      if (opts.wide) {
        const wide = Buffer.alloc(data.length * 2);
        for (let i = 0; i < data.length; i++) wide.writeUInt16BE(data[i]! * 257, i * 2);
        return Buffer.concat([head(`P5\n${w} ${h}\n65535\n`), wide]);
      }
      return Buffer.concat([head(`P5\n${w} ${h}\n255\n`), data]);
    case 'P6':
      return Buffer.concat([head(`P6\n${w} ${h}\n255\n`), data]);
    case 'P7': {
      const depth = opts.channels ?? 3;
      const tuple = depth === 4 ? 'RGB_ALPHA' : 'RGB';
      return Buffer.concat([
        head(`P7\nWIDTH ${w}\nHEIGHT ${h}\nDEPTH ${depth}\nMAXVAL 255\nTUPLTYPE ${tuple}\nENDHDR\n`),
        data,
      ]);
    }
  }
}
