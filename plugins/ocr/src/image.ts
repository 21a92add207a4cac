import sharp from 'sharp';
import { checkBmpLength, decodeBmp, readBmpHeader } from './bmp.js';
import { looksComplete, sniffFormat, type SniffedFormat } from './formats.js';
import { checkNetpbmLength, decodeNetpbm, readNetpbmHeader } from './netpbm.js';

// One plugin worker process: keep sharp's memory use predictable (no operation cache between calls).
sharp.cache(false);

/** Formats sharp decodes for us. Vector/document formats (SVG, PDF) are refused on purpose. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2']);
/** What tesseract.js (Leptonica) reads itself, besides BMP and Netpbm; TIFF is left out (no JPEG-in-TIFF). */
const TESSERACT_READS = new Set<SniffedFormat>(['png', 'jpeg', 'webp', 'gif']);
const SEND_INSTEAD = 'send a PNG, JPEG, WebP, GIF, TIFF, BMP or PNM (PBM/PGM/PPM/PAM) file';

export interface ImageLimits {
  /** Largest accepted input, in pixels; larger headers are refused before any pixel is decoded. */
  maxInputPixels: number;
  /** Images above this are downscaled before OCR (boxes are scaled back to input pixels). */
  maxOcrPixels: number;
}

export interface PreparedImage {
  /**
   * What tesseract reads: the caller's own bytes when tesseract.js reads them as they are (Leptonica blends alpha
   * onto white itself; no EXIF rotation, 16-bit samples or downscale needed), else a greyscale PNG with alpha
   * flattened onto white and EXIF orientation applied. Converting costs a decode and an encode (≈ 35 ms for an
   * A4 page at 150 dpi), which is why it is skipped where it changes nothing.
   */
  data: Uint8Array;
  /** False when `data` is the input itself. */
  converted: boolean;
  /** Size of the (orientated) input image, in pixels. */
  width: number;
  height: number;
  /** Input pixels per OCR pixel (1 unless the image was downscaled). */
  scaleX: number;
  scaleY: number;
}

function megapixels(n: number): string {
  return `${(n / 1e6).toFixed(1)} MP`;
}

function checkSize(width: number, height: number, limits: ImageLimits): number {
  const pixels = width * height;
  if (pixels > limits.maxInputPixels) {
    throw new Error(
      `image is ${width}×${height} (${megapixels(pixels)}), above the limit of ${megapixels(limits.maxInputPixels)}; ` +
        'downscale it (or raise the ocr plugin option maxInputPixels)',
    );
  }
  return pixels;
}

const asIs = (data: Uint8Array, width: number, height: number): PreparedImage => ({
  data,
  converted: false,
  width,
  height,
  scaleX: 1,
  scaleY: 1,
});

/** Decodes and checks an uploaded image; every failure is an Error whose message says what to send instead. */
export async function prepareImage(bytes: Uint8Array, limits: ImageLimits): Promise<PreparedImage> {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error('image must be binary data (base64 in JSON or a file part in multipart)');
  }
  if (bytes.byteLength === 0) {
    throw new Error(`image is empty (0 bytes); ${SEND_INSTEAD}`);
  }
  const format = sniffFormat(bytes);
  if (format === 'bmp' || format === 'pnm') return prepareUncommon(bytes, format, limits);

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new Error(`image is not a readable picture (${(err as Error).message}); ${SEND_INSTEAD}`, { cause: err });
  }
  if (!meta.format || !RASTER_FORMATS.has(meta.format)) {
    throw new Error(`image format '${meta.format ?? 'unknown'}' is not supported; ${SEND_INSTEAD}`);
  }
  const rawWidth = meta.width ?? 0;
  const rawHeight = meta.height ?? 0;
  if (rawWidth < 1 || rawHeight < 1) {
    throw new Error('image has no pixel size in its header; the file is probably corrupt');
  }
  const pixels = checkSize(rawWidth, rawHeight, limits);
  const orientation = meta.orientation ?? 1;
  if (
    TESSERACT_READS.has(format) &&
    orientation === 1 &&
    meta.depth === 'uchar' &&
    pixels <= limits.maxOcrPixels &&
    looksComplete(format, bytes)
  ) {
    return asIs(bytes, rawWidth, rawHeight);
  }
  const swap = orientation >= 5;
  const input = sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error' });
  return convert(input, swap ? rawHeight : rawWidth, swap ? rawWidth : rawHeight, limits);
}

/** BMP and Netpbm: sharp cannot read them, tesseract.js can; they are converted only to downscale or drop alpha. */
async function prepareUncommon(bytes: Uint8Array, format: 'bmp' | 'pnm', limits: ImageLimits): Promise<PreparedImage> {
  const corrupt = (err: unknown) =>
    new Error(
      `image could not be decoded (${(err as Error).message}); the file is truncated or corrupt, send it again`,
      {
        cause: err,
      },
    );
  if (format === 'bmp') {
    let header;
    try {
      header = readBmpHeader(bytes);
    } catch (err) {
      throw corrupt(err);
    }
    const pixels = checkSize(header.width, header.height, limits);
    let decoded;
    try {
      checkBmpLength(bytes, header);
      if (pixels <= limits.maxOcrPixels) return asIs(bytes, header.width, header.height);
      decoded = decodeBmp(bytes);
    } catch (err) {
      throw corrupt(err);
    }
    const raw = { width: decoded.width, height: decoded.height, channels: 3 as const };
    return convert(sharp(decoded.rgb, { raw }), raw.width, raw.height, limits);
  }
  let header;
  try {
    header = readNetpbmHeader(bytes);
  } catch (err) {
    throw corrupt(err);
  }
  const pixels = checkSize(header.width, header.height, limits);
  let samples: Uint8Array | null = null;
  try {
    checkNetpbmLength(bytes, header);
    // A plain (ASCII) file's length says nothing about its completeness: read it to know.
    if (header.plain) samples = decodeNetpbm(bytes, header);
  } catch (err) {
    throw corrupt(err);
  }
  const simple = (header.channels === 1 || header.channels === 3) && header.maxval <= 255;
  if (simple && pixels <= limits.maxOcrPixels) return asIs(bytes, header.width, header.height);
  samples ??= decodeNetpbm(bytes, header);
  const raw = { width: header.width, height: header.height, channels: header.channels };
  return convert(sharp(samples, { raw }), header.width, header.height, limits);
}

/** Greyscale PNG, alpha flattened onto white, EXIF orientation applied, downscaled to maxOcrPixels. */
async function convert(input: sharp.Sharp, width: number, height: number, limits: ImageLimits): Promise<PreparedImage> {
  let pipeline = input.rotate().flatten({ background: '#ffffff' }).greyscale();
  const pixels = width * height;
  if (pixels > limits.maxOcrPixels) {
    const f = Math.sqrt(limits.maxOcrPixels / pixels);
    pipeline = pipeline.resize(Math.max(1, Math.floor(width * f)), Math.max(1, Math.floor(height * f)), {
      fit: 'fill',
    });
  }
  try {
    const out = await pipeline.png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
    return {
      data: out.data,
      converted: true,
      width,
      height,
      scaleX: width / out.info.width,
      scaleY: height / out.info.height,
    };
  } catch (err) {
    throw new Error(
      `image could not be decoded (${(err as Error).message.trim()}); the file is truncated or corrupt, send it again`,
      { cause: err },
    );
  }
}
