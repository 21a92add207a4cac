/**
 * Recognises an image's format from its first bytes, and tells whether a file of a format tesseract.js reads itself
 * looks complete (so it can be handed over as it is). Reads only a few bytes at the start and the end.
 */
export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'pnm' | 'other';

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

export function sniffFormat(b: Uint8Array): SniffedFormat {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(b, 0, 2) === 'BM') return 'bmp';
  // P1–P7 followed by whitespace: the Netpbm family (PBM, PGM, PPM, PAM).
  if (b[0] === 0x50 && b[1]! >= 0x31 && b[1]! <= 0x37 && [0x20, 0x09, 0x0a, 0x0d].includes(b[2]!)) return 'pnm';
  return 'other';
}

/** Position of the last occurrence of `sig` within the final `window` bytes, or -1. */
function lastIndexNearEnd(b: Uint8Array, sig: number[], window: number): number {
  for (let i = b.length - sig.length; i >= Math.max(0, b.length - window); i--) {
    if (startsWith(b, sig, i)) return i;
  }
  return -1;
}

/**
 * True when the file ends the way a whole file of its format does (JPEG end-of-image marker, PNG IEND chunk, GIF
 * trailer, WebP RIFF size). A file that fails this is decoded strictly instead, which reports truncation clearly.
 */
export function looksComplete(format: SniffedFormat, b: Uint8Array): boolean {
  switch (format) {
    case 'jpeg':
      // Some cameras append data after the end-of-image marker; allow a little.
      return lastIndexNearEnd(b, [0xff, 0xd9], 4096) >= 0;
    case 'png':
      return ascii(b, b.length - 8, b.length - 4) === 'IEND';
    case 'gif':
      return b[b.length - 1] === 0x3b;
    case 'webp': {
      const size = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
      return size + 8 <= b.length;
    }
    default:
      return false;
  }
}
