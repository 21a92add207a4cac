import type { JobRecord } from '@bastion/protocol';
import { until } from '../helpers/ws.js';

export interface Res<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string } };
}

export async function http<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<Res<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Res<T>['body'] };
}

export function submitJob(base: string, plugin: string, tool: string, args: Record<string, unknown>) {
  return http<{ job_id: string; status: string }>(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plugin, tool, args }),
  });
}

export async function getJob(base: string, id: string): Promise<JobRecord> {
  const res = await http<JobRecord>(`${base}/v1/jobs/${id}`);
  if (res.status !== 200) throw new Error(`GET job ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls a job until `pred` holds (generous deadline). */
export function waitJob(
  base: string,
  id: string,
  pred: (j: JobRecord) => boolean,
  timeoutMs = 30_000,
): Promise<JobRecord> {
  return until(
    async () => {
      const job = await getJob(base, id);
      return pred(job) ? job : undefined;
    },
    timeoutMs,
    `job ${id}`,
  );
}

export const isFinished = (j: JobRecord): boolean => ['succeeded', 'failed', 'cancelled'].includes(j.status);
