import { createRequire } from 'node:module';

/**
 * Windows bitmaps: the header (to check the size before decoding), and decoding with bmp-js, the decoder tesseract.js
 * itself converts every BMP with, for the cases where the image must be converted (a size above the OCR limit).
 */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
}

/** BI_RGB and BI_BITFIELDS: rows are stored uncompressed, so the file size is known from the header. */
const UNCOMPRESSED = new Set([0, 3]);

export function readBmpHeader(b: Uint8Array): BmpHeader {
  if (b.length < 30) throw new Error('BMP file is shorter than its header');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = 0;
  if (headerSize === 12) {
    // OS/2 BITMAPCOREHEADER
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bitsPerPixel = view.getUint16(24, true);
  } else {
    if (b.length < 34) throw new Error('BMP file is shorter than its header');
    width = view.getInt32(18, true);
    height = Math.abs(view.getInt32(22, true));
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
  }
  if (width < 1 || height < 1) throw new Error(`BMP header has a bad size ${width}×${height}`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new Error(`BMP header has an unsupported depth of ${bitsPerPixel} bits per pixel`);
  }
  return { width, height, bitsPerPixel, compression, dataOffset };
}

/** Throws when the file is shorter than its header promises (the common way a file is truncated). */
export function checkBmpLength(b: Uint8Array, h: BmpHeader): void {
  if (UNCOMPRESSED.has(h.compression)) {
    const need = h.dataOffset + Math.ceil((h.width * h.bitsPerPixel) / 32) * 4 * h.height;
    if (b.length < need) throw new Error(`BMP file is truncated: ${b.length} bytes, its header needs ${need}`);
  } else if (h.dataOffset >= b.length) {
    throw new Error('BMP file is truncated: it ends before its pixel data');
  }
}

interface BmpJs {
  decode(buffer: Buffer): { width: number; height: number; data: Buffer };
}
const bmpJs = createRequire(import.meta.url)('bmp-js') as BmpJs;

/** Decodes to RGB, 3 bytes per pixel (bmp-js yields ABGR). */
export function decodeBmp(b: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const { width, height, data } = bmpJs.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = data[i + 3]!;
    rgb[j + 1] = data[i + 2]!;
    rgb[j + 2] = data[i + 1]!;
  }
  return { width, height, rgb };
}
