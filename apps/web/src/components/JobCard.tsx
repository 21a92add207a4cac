import type { JobRecord } from '@bastion/protocol';
import { useState } from 'react';
import { cancelJob, toApiError, type ApiError } from '../api/client';
import { isFinished } from '../hooks/useJob';
import { formatMs, timeAgo } from '../lib/format';
import { hrefOf } from '../lib/route';
import { ErrorNotice } from './ErrorNotice';
import { ProgressBar } from './ProgressBar';
import { ResultView, type ResultMedia } from './ResultView';
import { StateBadge } from './StateBadge';

interface Props {
  job: JobRecord;
  partials: number;
  media?: ResultMedia | null;
  /** Show the result straight away (the runner's own job) instead of behind a button. */
  expanded?: boolean;
  onChanged?: (job: JobRecord) => void;
}

function duration(job: JobRecord): string | null {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return formatMs(end - Date.parse(job.started_at));
}

/** One job: status, live progress and stage, partial results, cancel, and its result or error. */
export function JobCard({ job, partials, media = null, expanded = false, onChanged }: Props) {
  const [open, setOpen] = useState(expanded);
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const done = isFinished(job);
  const took = duration(job);

  const cancel = async () => {
    setCancelling(true);
    setError(null);
    try {
      onChanged?.(await cancelJob(job.job_id));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setCancelling(false);
    }
  };

  return (
    <article className="card job" data-status={job.status} aria-label={`Job ${job.job_id}`}>
      <div className="job-head">
        <StateBadge state={job.status} />
        <div className="job-title">
          <strong>
            {job.plugin} / {job.tool}
          </strong>
          <a className="job-id mono small" href={hrefOf({ page: 'jobs', jobId: job.job_id })} title="Link to this job">
            {job.job_id}
          </a>
        </div>
        <div className="job-times muted small">
          <span title={job.created_at}>{timeAgo(job.created_at)}</span>
          {took ? <span>{done ? `took ${took}` : `running ${took}`}</span> : null}
          {job.node ? <span title="Node that ran it (cluster mode)">on {job.node}</span> : null}
          {job.attempts > 1 ? <span title="A node that died handed it on">attempt {job.attempts}</span> : null}
        </div>
        <div className="job-actions">
          {!done ? (
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => void cancel()}
              disabled={cancelling}
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : null}
          {job.status === 'succeeded' ? (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-expanded={open}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide result' : 'Show result'}
            </button>
          ) : null}
        </div>
      </div>
      {!done ? (
        <div className="job-progress">
          <ProgressBar value={job.progress} active={job.status === 'running'} label={`Progress of job ${job.job_id}`} />
          <div className="job-stage small">
            <span>{job.status === 'queued' ? 'Waiting for a worker…' : (job.stage ?? 'Working…')}</span>
            <span className="mono">{Math.round(job.progress)}%</span>
          </div>
        </div>
      ) : null}
      {partials > 0 ? (
        <p className="small muted">
          {partials} partial result{partials === 1 ? '' : 's'} received
        </p>
      ) : null}
      {job.error && job.status !== 'succeeded' ? <ErrorNotice error={job.error} /> : null}
      {error ? <ErrorNotice error={error} title="Could not cancel" /> : null}
      {open && job.status === 'succeeded' ? <ResultView result={job.result} media={media} title="Job result" /> : null}
    </article>
  );
}
