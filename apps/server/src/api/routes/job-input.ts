import { JOB_PREVIEW_MAX_BYTES } from '@bastion/protocol';
import { BastionError } from '../../errors/bastion-error.js';
import type { JobInputMeta } from '../../jobs/input.js';
import type { ArgsBody } from '../body.js';

/** The media type of preview bytes, from their first bytes (a declared type is not trusted). */
function sniffPreview(b: Uint8Array): 'image/jpeg' | 'image/png' | 'image/webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Checks the `input_preview` part of a job submission: a JPEG, PNG or WebP of at most 64 KiB, else 400. */
export function jobInputMeta(body: Pick<ArgsBody, 'parts' | 'preview'>): JobInputMeta {
  if (!body.preview) return { parts: body.parts, preview: null };
  const bytes = body.preview.bytes;
  if (bytes.byteLength > JOB_PREVIEW_MAX_BYTES) {
    throw new BastionError(
      'BAD_REQUEST',
      `input_preview is ${bytes.byteLength} bytes; a job's preview may have at most ${JOB_PREVIEW_MAX_BYTES} (send a smaller thumbnail)`,
      { details: [{ path: '/input_preview', message: `at most ${JOB_PREVIEW_MAX_BYTES} bytes` }] },
    );
  }
  const contentType = sniffPreview(bytes);
  if (!contentType) {
    throw new BastionError('BAD_REQUEST', 'input_preview must be a JPEG, PNG or WebP image', {
      details: [{ path: '/input_preview', message: 'not a JPEG, PNG or WebP image' }],
    });
  }
  return { parts: body.parts, preview: { bytes, contentType } };
}
