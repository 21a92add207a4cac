/**
 * A small JPEG of a job's input (an image scaled down, or a video's first frame), made in the browser and stored
 * with the job so a job opened later shows what it ran on. Bounded by JOB_PREVIEW_MAX_BYTES of the protocol.
 */
import { JOB_PREVIEW_MAX_BYTES } from '@bastion/protocol';
import { loadImage } from './annotate';

const SIDES = [320, 200, 120];

function videoFrame(url: string): Promise<HTMLVideoElement> {
  return new Promise((resolve, reject) => {
    const v = document.createElement('video');
    v.muted = true;
    v.preload = 'auto';
    v.onloadeddata = () => {
      v.onseeked = () => resolve(v);
      v.currentTime = Math.min(0.05, v.duration || 0);
    };
    v.onerror = () => reject(new Error('the video could not be decoded by the browser'));
    v.src = url;
  });
}

function encode(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/** The preview of `file`, or null when the browser cannot decode it in time (the job then has none). */
export function makeThumbnail(file: File, timeoutMs = 3000): Promise<Blob | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  return Promise.race([thumbnail(file), late]).finally(() => clearTimeout(timer));
}

async function thumbnail(file: File): Promise<Blob | null> {
  const isVideo = file.type.startsWith('video/');
  if (!isVideo && !file.type.startsWith('image/')) return null;
  const url = URL.createObjectURL(file);
  try {
    const source = isVideo ? await videoFrame(url) : await loadImage(url);
    const w = source instanceof HTMLVideoElement ? source.videoWidth : source.naturalWidth;
    const h = source instanceof HTMLVideoElement ? source.videoHeight : source.naturalHeight;
    if (!w || !h) return null;
    for (const side of SIDES) {
      const scale = Math.min(1, side / Math.max(w, h));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      const ctx = canvas.getContext('2d');
      if (!ctx) return null;
      ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
      const blob = await encode(canvas, 0.72);
      if (blob && blob.size <= JOB_PREVIEW_MAX_BYTES) return blob;
    }
    return null;
  } catch {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}
