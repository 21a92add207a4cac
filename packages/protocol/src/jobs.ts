import type { ErrorInfo } from './errors.js';

/** The five states of a job (the HTTP API, /openapi.json). queued → running → succeeded | failed | cancelled. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A job as answered by `GET /v1/jobs/:id` (snake_case, ISO-8601 UTC timestamps). */
export interface JobRecord {
  job_id: string;
  plugin: string;
  tool: string;
  status: JobStatus;
  /** 0–100. */
  progress: number;
  stage: string | null;
  result: unknown;
  error: Pick<ErrorInfo, 'code' | 'message'> | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** `POST /v1/jobs` → 202. */
export interface JobSubmitResponse {
  job_id: string;
  status: 'queued';
}

/** `GET /v1/jobs` → 200, newest first; `next_before` is an opaque cursor, null on the last page. */
export interface JobListResponse {
  jobs: JobRecord[];
  next_before: string | null;
}
