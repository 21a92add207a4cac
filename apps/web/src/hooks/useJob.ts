import { FINISHED_JOB_STATUSES } from '@bastion/protocol';
import type { JobRecord } from '@bastion/protocol';
import { useCallback, useEffect, useState } from 'react';
import { getJob, toApiError, type ApiError } from '../api/client';
import { useInterval } from './useInterval';
import { useRealtime, useRealtimeState } from './useRealtime';

const FINISHED = new Set(FINISHED_JOB_STATUSES);

export function isFinished(job: Pick<JobRecord, 'status'>): boolean {
  return FINISHED.has(job.status);
}

/** Follows one job: realtime `job:<id>` updates, a refetch when it finishes, polling while not live. */
export function useJob(id: string | null): {
  job: JobRecord | null;
  partials: number;
  error: ApiError | null;
  reload: () => void;
} {
  const [job, setJob] = useState<JobRecord | null>(null);
  const [partials, setPartials] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const live = useRealtimeState() === 'open';

  const reload = useCallback(() => {
    if (!id) return;
    getJob(id).then(
      (j) => {
        setJob(j);
        setError(null);
      },
      (err: unknown) => setError(toApiError(err)),
    );
  }, [id]);

  useEffect(() => {
    setJob(null);
    setPartials(0);
    setError(null);
    reload();
  }, [reload]);

  useRealtime(id ? [`job:${id}`] : [], (msg) => {
    if (msg.type === 'job_progress') {
      setJob((j) =>
        j
          ? {
              ...j,
              progress: msg.payload.progress,
              stage: msg.payload.stage,
              status: j.status === 'queued' ? 'running' : j.status,
            }
          : j,
      );
    } else if (msg.type === 'partial_result') {
      setPartials((n) => Math.max(n, msg.payload.index + 1));
    } else if (msg.type === 'job_status') {
      setJob((j) => (j ? { ...j, status: msg.payload.status, error: msg.payload.error } : j));
      if (FINISHED.has(msg.payload.status) || msg.payload.status === 'running') reload();
    }
  });

  const running = job !== null && !isFinished(job);
  useInterval(reload, running ? (live ? 10_000 : 1500) : null);

  return { job, partials, error, reload };
}
