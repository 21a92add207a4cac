import type { JobInputFile } from '@bastion/protocol';

/** A multipart file part of a submission: its file name and declared media type. */
export interface JobInputPart {
  name: string | null;
  contentType: string | null;
}

/** What a submission says about its input besides the args: file names and types, and the client's preview. */
export interface JobInputMeta {
  /** File parts by arg name (multipart submissions). */
  parts: Record<string, JobInputPart>;
  preview: { bytes: Uint8Array; contentType: 'image/jpeg' | 'image/png' | 'image/webp' } | null;
}

/** The files of a job as listed by `GET /v1/jobs/:id/input`. */
export function inputFiles(sizes: Record<string, number>, parts: Record<string, JobInputPart>): JobInputFile[] {
  return Object.entries(sizes).map(([arg, size]) => ({
    arg,
    name: parts[arg]?.name ?? null,
    content_type: parts[arg]?.contentType ?? null,
    size_bytes: size,
  }));
}
