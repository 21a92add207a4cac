/** The annotated image as a PNG: the input with the result's boxes and labels burnt in (browser canvas). */
import { colorFor, colorKey, textOn, type LabeledBox } from './boxes';

export function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the image could not be decoded by the browser'));
    img.src = src;
  });
}

/** The natural pixel size of an image URL. */
export async function imageSize(src: string): Promise<{ width: number; height: number }> {
  const img = await loadImage(src);
  return { width: img.naturalWidth, height: img.naturalHeight };
}

/**
 * Draws `boxes` (in a `width`×`height` pixel space, the image's own when null) over the image at its natural size
 * and encodes a PNG. Labels scale with the image so they stay readable when the file is opened at 100 %.
 */
export async function annotatedPng(
  src: string,
  boxes: readonly LabeledBox[],
  width: number | null,
  height: number | null,
  label: (b: LabeledBox) => string,
): Promise<Blob> {
  const img = await loadImage(src);
  const w = img.naturalWidth;
  const h = img.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  ctx.drawImage(img, 0, 0);
  const sx = w / (width ?? w);
  const sy = h / (height ?? h);
  const font = Math.max(12, Math.round(Math.max(w, h) / 60));
  const pad = Math.round(font * 0.3);
  ctx.lineWidth = Math.max(2, Math.round(font / 6));
  ctx.font = `600 ${font}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const b of boxes) {
    const color = colorFor(colorKey(b));
    const x = b.x * sx;
    const y = b.y * sy;
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, b.width * sx, b.height * sy);
    const text = label(b);
    const tw = ctx.measureText(text).width + pad * 2;
    const th = font + pad * 2;
    const ly = y - th >= 0 ? y - th : y;
    const lx = Math.max(0, Math.min(x, w - tw));
    ctx.fillStyle = color;
    ctx.fillRect(lx, ly, tw, th);
    ctx.fillStyle = textOn(color);
    ctx.fillText(text, lx + pad, ly + pad);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}

/** Saves a blob or text as a file through the browser's download. */
export function download(name: string, data: Blob | string, type = 'application/octet-stream'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
