import type { JobRecord } from '@bastion/protocol';
import { stringifyWith } from '../encoding/raw-json.js';
import type { JobPage, JobView } from './backend.js';

/** A job's {@link JobRecord} as JSON text, its stored result spliced in as it was stored. */
export function jobJson(view: JobView): string {
  const record: Record<keyof JobRecord, unknown> = {
    job_id: view.job_id,
    plugin: view.plugin,
    tool: view.tool,
    status: view.status,
    progress: view.progress,
    stage: view.stage,
    result: null,
    error: view.error,
    created_at: view.created_at,
    started_at: view.started_at,
    finished_at: view.finished_at,
    node: view.node,
    attempts: view.attempts,
  };
  return stringifyWith(record, 'result', view.resultJson);
}

/** A page of jobs (`GET /v1/jobs`, a JobListResponse) as JSON text. */
export function jobPageJson(page: JobPage): string {
  return `{"jobs":[${page.jobs.map(jobJson).join(',')}],"next_before":${JSON.stringify(page.next_before)}}`;
}
