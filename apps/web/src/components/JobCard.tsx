import type { JobRecord } from '@bastion/protocol';
import { useState } from 'react';
import { cancelJob, toApiError, type ApiError } from '../api/client';
import { isFinished } from '../hooks/useJob';
import { useJobInput } from '../hooks/useJobInput';
import { useLiveness } from '../hooks/useLiveness';
import type { MadeRequest } from '../lib/export';
import { formatBytes, formatMs, timeAgo } from '../lib/format';
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
  /** The request that submitted it, when this page made it (for "Copy as"). */
  request?: MadeRequest | null;
}

/** Arguments in one short line: `min_score=0.3, language="eng"`; long values are cut. */
export function argsLine(args: Record<string, unknown>, max = 120): string {
  const text = Object.entries(args)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function duration(job: JobRecord): string | null {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return formatMs(end - Date.parse(job.started_at));
}

/** One job: status, live progress and stage, partial results, cancel, and its result or error. */
export function JobCard({ job, partials, media = null, expanded = false, onChanged, request = null }: Props) {
  const [open, setOpen] = useState(expanded);
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const { input } = useJobInput(job.job_id);
  const offline = useLiveness().reach === 'down';
  const done = isFinished(job);
  const took = duration(job);
  const file = input?.files[0] ?? null;
  const args = input?.args ? argsLine(input.args) : '';
  // The page's own upload when there is one, else the preview stored with the job.
  const shownMedia: ResultMedia | null =
    media ?? (input?.preview ? { url: input.preview, kind: 'image', name: file?.name ?? `job ${job.job_id}` } : null);

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
          {file || args ? (
            <span className="job-input small" data-testid="job-input">
              {file ? (
                <span className="job-file" title={file.content_type ?? undefined}>
                  {file.name ?? `${file.arg} (base64)`} · {formatBytes(file.size_bytes)}
                </span>
              ) : null}
              {args ? <code className="job-args">{args}</code> : null}
            </span>
          ) : null}
          {input && !input.kept ? (
            <span className="muted small" data-testid="job-input-not-kept">
              This server does not keep job inputs (cluster mode)
            </span>
          ) : null}
        </div>
        {input?.preview ? <img className="job-thumb" src={input.preview} alt={`Input of job ${job.job_id}`} /> : null}
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
              disabled={cancelling || offline}
              title={offline ? 'The server is not answering' : undefined}
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
      {job.status === 'cancelled' ? (
        <p className="small muted" data-testid="job-cancelled">
          Cancelled{job.finished_at ? ` ${timeAgo(job.finished_at)}` : ''}. Nothing went wrong; submit it again to run
          it.
        </p>
      ) : null}
      {job.error && job.status === 'failed' ? <ErrorNotice error={job.error} title="The job failed" /> : null}
      {error ? <ErrorNotice error={error} title="Could not cancel" /> : null}
      {open && job.status === 'succeeded' ? (
        <ResultView result={job.result} media={shownMedia} title="Job result" request={request} />
      ) : null}
    </article>
  );
}
