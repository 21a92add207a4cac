/**
 * Netpbm images (PBM, PGM, PPM: P1–P6, and PAM: P7): the header, and decoding to 8-bit raw pixels for the cases
 * where the image must be converted (alpha, or a size above the OCR limit). tesseract.js reads these formats
 * itself, so most of them are handed over untouched.
 */
export interface NetpbmImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  maxval: number;
  /** P1–P3 are ASCII ("plain"), P4–P7 binary. */
  plain: boolean;
  bitmap: boolean;
  /** Offset of the first pixel byte (binary formats). */
  dataOffset: number;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

/** Reads whitespace-separated header tokens, skipping `#` comments; returns the tokens and where they end. */
function tokens(b: Uint8Array, count: number, from: number): { values: string[]; end: number } {
  const values: string[] = [];
  let i = from;
  while (values.length < count && i < b.length) {
    if (isSpace(b[i]!)) {
      i++;
    } else if (b[i] === 0x23) {
      while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++;
    } else {
      const start = i;
      while (i < b.length && !isSpace(b[i]!) && b[i] !== 0x23) i++;
      values.push(String.fromCharCode(...b.subarray(start, i)));
    }
  }
  return { values, end: i };
}

const positiveInt = (s: string | undefined, what: string, max = 1 << 30): number => {
  const n = Number(s);
  if (!/^\d+$/.test(s ?? '') || n < 1 || n > max)
    throw new Error(`Netpbm header has a bad ${what} (${s ?? 'missing'})`);
  return n;
};

/** Parses the header; throws an Error saying what is wrong. */
export function readNetpbmHeader(b: Uint8Array): NetpbmImage {
  const kind = b[1]! - 0x30;
  if (kind === 7) {
    const text = String.fromCharCode(...b.subarray(0, Math.min(b.length, 4096)));
    const end = text.indexOf('ENDHDR');
    if (end < 0) throw new Error('PAM header has no ENDHDR line');
    const field = (k: string) => new RegExp(`^${k}\\s+(\\S+)`, 'm').exec(text.slice(0, end))?.[1];
    const depth = positiveInt(field('DEPTH'), 'DEPTH', 4) as 1 | 2 | 3 | 4;
    const maxval = positiveInt(field('MAXVAL'), 'MAXVAL', 65535);
    const nl = text.indexOf('\n', end);
    return {
      width: positiveInt(field('WIDTH'), 'WIDTH'),
      height: positiveInt(field('HEIGHT'), 'HEIGHT'),
      channels: depth,
      maxval,
      plain: false,
      bitmap: false,
      dataOffset: nl < 0 ? b.length : nl + 1,
    };
  }
  const bitmap = kind === 1 || kind === 4;
  const { values, end } = tokens(b, bitmap ? 3 : 4, 0);
  const width = positiveInt(values[1], 'width');
  const height = positiveInt(values[2], 'height');
  const maxval = bitmap ? 1 : positiveInt(values[3], 'maximum value', 65535);
  return {
    width,
    height,
    channels: kind === 3 || kind === 6 ? 3 : 1,
    maxval,
    plain: kind <= 3,
    bitmap,
    // Exactly one whitespace byte separates the header from binary pixel data.
    dataOffset: end + 1,
  };
}

/** Bytes of binary pixel data the header promises. */
function binarySize(h: NetpbmImage): number {
  if (h.bitmap) return Math.ceil(h.width / 8) * h.height;
  return h.width * h.height * h.channels * (h.maxval > 255 ? 2 : 1);
}

/** Throws when a binary file is shorter than its header promises (the common way a file is truncated). */
export function checkNetpbmLength(b: Uint8Array, h: NetpbmImage): void {
  if (h.plain) return;
  const need = h.dataOffset + binarySize(h);
  if (b.length < need) {
    throw new Error(`Netpbm file is truncated: ${b.length} bytes, its header needs ${need}`);
  }
}

/** Decodes to 8-bit samples, `channels` per pixel, black = 0 (PBM's 1 = black is inverted to grey 0). */
export function decodeNetpbm(b: Uint8Array, h: NetpbmImage): Uint8Array {
  const n = h.width * h.height * h.channels;
  const out = new Uint8Array(n);
  const scale = (v: number) => Math.round((Math.min(v, h.maxval) * 255) / h.maxval);
  if (h.plain) {
    const header = tokens(b, h.bitmap ? 3 : 4, 0).end;
    let i = header;
    let k = 0;
    while (k < n && i < b.length) {
      const c = b[i]!;
      if (isSpace(c)) i++;
      else if (c === 0x23) while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++;
      else if (h.bitmap) {
        // Plain PBM digits need no separators.
        out[k++] = c === 0x31 ? 0 : 255;
        i++;
      } else {
        let v = 0;
        while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) v = v * 10 + (b[i++]! - 0x30);
        if (i < b.length && !isSpace(b[i]!) && b[i] !== 0x23) throw new Error('Netpbm file has a non-numeric sample');
        out[k++] = scale(v);
      }
    }
    if (k < n) throw new Error(`Netpbm file is truncated: ${k} of ${n} samples`);
    return out;
  }
  checkNetpbmLength(b, h);
  const data = b.subarray(h.dataOffset);
  if (h.bitmap) {
    const row = Math.ceil(h.width / 8);
    for (let y = 0; y < h.height; y++) {
      for (let x = 0; x < h.width; x++) out[y * h.width + x] = data[y * row + (x >> 3)]! & (0x80 >> (x & 7)) ? 0 : 255;
    }
  } else if (h.maxval > 255) {
    for (let k = 0; k < n; k++) out[k] = scale((data[2 * k]! << 8) | data[2 * k + 1]!);
  } else if (h.maxval === 255) {
    out.set(data.subarray(0, n));
  } else {
    for (let k = 0; k < n; k++) out[k] = scale(data[k]!);
  }
  return out;
}
