import sharp from 'sharp';

// One plugin worker process: keep sharp's memory use predictable (no operation cache between calls).
sharp.cache(false);

/** Formats accepted from callers. Vector/document formats (SVG, PDF) are refused on purpose. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2']);

export interface ImageLimits {
  /** Largest accepted input, in pixels; larger headers are refused before any pixel is decoded. */
  maxInputPixels: number;
  /** Images above this are downscaled before OCR (boxes are scaled back to input pixels). */
  maxOcrPixels: number;
}

export interface PreparedImage {
  /** Greyscale PNG, alpha flattened onto white, EXIF orientation applied: what tesseract reads. */
  png: Buffer;
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

/** Decodes and checks an uploaded image; every failure is an Error whose message says what to send instead. */
export async function prepareImage(bytes: Uint8Array, limits: ImageLimits): Promise<PreparedImage> {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error('image must be binary data (base64 in JSON or a file part in multipart)');
  }
  if (bytes.byteLength === 0) {
    throw new Error('image is empty (0 bytes); send a PNG, JPEG, WebP, GIF or TIFF file');
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new Error(
      `image is not a readable picture (${(err as Error).message}); send a PNG, JPEG, WebP, GIF or TIFF file`,
      { cause: err },
    );
  }
  if (!meta.format || !RASTER_FORMATS.has(meta.format)) {
    throw new Error(
      `image format '${meta.format ?? 'unknown'}' is not supported; send a PNG, JPEG, WebP, GIF, TIFF or AVIF file`,
    );
  }
  const rawWidth = meta.width ?? 0;
  const rawHeight = meta.height ?? 0;
  if (rawWidth < 1 || rawHeight < 1) {
    throw new Error('image has no pixel size in its header; the file is probably corrupt');
  }
  const pixels = rawWidth * rawHeight;
  if (pixels > limits.maxInputPixels) {
    throw new Error(
      `image is ${rawWidth}×${rawHeight} (${megapixels(pixels)}), above the limit of ${megapixels(limits.maxInputPixels)}; ` +
        'downscale it (or raise the ocr plugin option maxInputPixels)',
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? rawHeight : rawWidth;
  const height = swap ? rawWidth : rawHeight;

  let pipeline = sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .greyscale();
  if (pixels > limits.maxOcrPixels) {
    const f = Math.sqrt(limits.maxOcrPixels / pixels);
    const w = Math.max(1, Math.floor(width * f));
    const h = Math.max(1, Math.floor(height * f));
    pipeline = pipeline.resize(w, h, { fit: 'fill' });
  }
  let png: Buffer;
  let ocrWidth: number;
  let ocrHeight: number;
  try {
    const out = await pipeline.png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
    png = out.data;
    ocrWidth = out.info.width;
    ocrHeight = out.info.height;
  } catch (err) {
    throw new Error(
      `image could not be decoded (${(err as Error).message.trim()}); the file is truncated or corrupt, send it again`,
      { cause: err },
    );
  }
  return { png, width, height, scaleX: width / ocrWidth, scaleY: height / ocrHeight };
}
