import sharp from 'sharp';
import { InputError } from '@bastion/sdk';

// One plugin worker process: keep sharp's memory use predictable (no operation cache between calls).
sharp.cache(false);

const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2']);

export interface FrameHeader {
  /** Size after EXIF orientation, in pixels. */
  width: number;
  height: number;
}

const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;

/** Reads and checks an uploaded frame's header without decoding pixels. */
export async function readHeader(bytes: Uint8Array, maxInputPixels: number): Promise<FrameHeader> {
  if (!(bytes instanceof Uint8Array)) {
    throw new InputError('image must be binary data (base64 in JSON or a file part in multipart)');
  }
  if (bytes.byteLength === 0) {
    throw new InputError('image is empty (0 bytes); send a JPEG, PNG or WebP frame');
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new InputError(
      `image is not a readable picture (${(err as Error).message}); send a JPEG, PNG or WebP frame`,
      {
        cause: err,
      },
    );
  }
  if (!meta.format || !RASTER_FORMATS.has(meta.format)) {
    throw new InputError(`image format '${meta.format ?? 'unknown'}' is not supported; send a JPEG, PNG or WebP frame`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w < 1 || h < 1) throw new InputError('image has no pixel size in its header; the file is probably corrupt');
  if (w * h > maxInputPixels) {
    throw new InputError(
      `image is ${w}×${h} (${mp(w * h)}), above the limit of ${mp(maxInputPixels)}; ` +
        'send smaller frames (or raise the motion plugin option maxInputPixels)',
    );
  }
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/** Working size for a new session: the frame fitted inside workingSize², never enlarged. */
export function workingSizeFor(header: FrameHeader, workingSize: number): { width: number; height: number } {
  const scale = Math.min(1, workingSize / Math.max(header.width, header.height));
  return {
    width: Math.max(1, Math.round(header.width * scale)),
    height: Math.max(1, Math.round(header.height * scale)),
  };
}

/**
 * Decodes a frame to 8-bit greyscale at exactly width×height (stretching if the aspect ratio differs), with a
 * light Gaussian blur against sensor noise and compression artefacts.
 */
export async function decodeWorkingFrame(
  bytes: Uint8Array,
  width: number,
  height: number,
  opts: { maxInputPixels: number; blurSigma: number },
): Promise<Uint8Array> {
  let pipeline = sharp(bytes, { limitInputPixels: opts.maxInputPixels, failOn: 'error' })
    .rotate()
    .flatten({ background: '#000000' })
    .greyscale()
    .resize(width, height, { fit: 'fill', kernel: 'linear' });
  if (opts.blurSigma >= 0.3) pipeline = pipeline.blur(opts.blurSigma);
  let data: Buffer;
  let channels: number;
  try {
    const out = await pipeline.raw().toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
    if (out.info.width !== width || out.info.height !== height) {
      throw new Error(`decoded ${out.info.width}×${out.info.height} instead of ${width}×${height}`);
    }
  } catch (err) {
    throw new InputError(
      `image could not be decoded (${(err as Error).message.trim()}); the file is truncated or corrupt, send it again`,
      { cause: err },
    );
  }
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * channels]!;
  return grey;
}
