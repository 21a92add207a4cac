import { z } from 'zod';
import { ErrorInfoSchema } from './errors.js';
import { TimestampSchema } from './health.js';
import { ToolArgsSchema } from './plugins.js';

/** The five states of a job (the HTTP API, /openapi.json). queued → running → succeeded | failed | cancelled. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Statuses a job never leaves. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Why a job failed or was cancelled. */
export const JobErrorSchema = ErrorInfoSchema.pick({ code: true, message: true });
export type JobError = z.infer<typeof JobErrorSchema>;

/** A job as answered by `GET /v1/jobs/:id` (snake_case, ISO-8601 UTC timestamps). */
export const JobRecordSchema = z.object({
  job_id: z.string(),
  plugin: z.string(),
  tool: z.string(),
  status: JobStatusSchema,
  progress: z.number().min(0).max(100),
  stage: z.string().nullable(),
  result: z.unknown().meta({ description: 'The tool result once succeeded, else null' }),
  error: JobErrorSchema.nullable(),
  created_at: TimestampSchema,
  started_at: TimestampSchema.nullable(),
  finished_at: TimestampSchema.nullable(),
  node: z.string().nullable().meta({ description: 'Id of the node that ran it last (cluster mode), else null' }),
  attempts: z.number().int().min(0).meta({ description: 'Times a node started it (a dead node’s job moves on)' }),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** `POST /v1/jobs` with a JSON body (multipart: the same names as fields, file parts are binary args). */
export const JobSubmitRequestSchema = z.object({
  plugin: z.string().min(1),
  tool: z.string().min(1),
  args: ToolArgsSchema.optional(),
});
export type JobSubmitRequest = z.infer<typeof JobSubmitRequestSchema>;

/** `POST /v1/jobs` → 202. */
export const JobSubmitResponseSchema = z.object({ job_id: z.string(), status: z.literal('queued') });
export type JobSubmitResponse = z.infer<typeof JobSubmitResponseSchema>;

/** `GET /v1/jobs` query. */
export const JobListQuerySchema = z.object({
  status: JobStatusSchema.optional(),
  plugin: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(100).default(20),
  before: z.string().min(1).max(100).optional().meta({ description: 'Opaque cursor: a previous page’s next_before' }),
});
export type JobListQuery = z.infer<typeof JobListQuerySchema>;

/** `GET /v1/jobs` → 200, newest first; `next_before` is an opaque cursor, null on the last page. */
export const JobListResponseSchema = z.object({
  jobs: z.array(JobRecordSchema),
  next_before: z.string().nullable(),
});
export type JobListResponse = z.infer<typeof JobListResponseSchema>;

/** Route parameters naming a job. */
export const JobParamsSchema = z.object({ id: z.string().meta({ description: 'Job id' }) });

/** The most bytes a job's input preview (`input_preview` part of `POST /v1/jobs`) may have. */
export const JOB_PREVIEW_MAX_BYTES = 64 * 1024;

/** Media types a job's input preview may have (checked against the bytes, not the part's header). */
export const JOB_PREVIEW_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** One file argument of a job, as submitted. */
export const JobInputFileSchema = z.object({
  arg: z.string().meta({ description: 'The argument the file was given for' }),
  name: z.string().nullable().meta({ description: 'File name sent with a multipart part; null for base64 in JSON' }),
  content_type: z.string().nullable().meta({ description: 'Media type the client declared, if any' }),
  size_bytes: z.number().int().min(0),
});
export type JobInputFile = z.infer<typeof JobInputFileSchema>;

/**
 * `GET /v1/jobs/:id/input` → 200: what a job was run on — its arguments (files listed, not inlined) and the small
 * preview the client sent with it. `kept: false` where the job backend does not keep inputs (cluster mode).
 */
export const JobInputSchema = z.object({
  job_id: z.string(),
  kept: z.boolean().meta({ description: 'False where this server keeps no inputs for its jobs (cluster mode)' }),
  args: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: 'Arguments that are not files; null when not kept' }),
  files: z.array(JobInputFileSchema),
  preview: z
    .string()
    .nullable()
    .meta({ description: `A data: URL (JPEG, PNG or WebP, at most ${JOB_PREVIEW_MAX_BYTES} bytes), or null` }),
});
export type JobInput = z.infer<typeof JobInputSchema>;
