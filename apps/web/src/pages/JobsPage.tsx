import { JOB_STATUSES } from '@bastion/protocol';
import type { JobRecord, JobStatus } from '@bastion/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getJob, listJobs, toApiError, type ApiError } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { EmptyState, Spinner } from '../components/Feedback';
import { JobCard } from '../components/JobCard';
import { useInterval } from '../hooks/useInterval';
import { useJob } from '../hooks/useJob';
import type { PluginsState } from '../hooks/usePlugins';
import { useRealtime, useRealtimeState } from '../hooks/useRealtime';

const STATUSES: readonly JobStatus[] = JOB_STATUSES;
const PAGE = 20;

function FocusedJob({ id }: { id: string }) {
  const { job, partials, error } = useJob(id);
  if (error) return <ErrorNotice error={error} title={`Job ${id}`} />;
  if (!job) return <Spinner label="Loading job…" />;
  return (
    <div className="focused">
      <JobCard job={job} partials={partials} expanded />
      <a className="small" href="#/jobs">
        ← All jobs
      </a>
    </div>
  );
}

export function JobsPage({ data, jobId }: { data: PluginsState; jobId: string | null }) {
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [plugin, setPlugin] = useState('');
  const [jobs, setJobs] = useState<JobRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [partials, setPartials] = useState<Record<string, number>>({});
  const live = useRealtimeState() === 'open';
  const gen = useRef(0);

  const load = useCallback(
    (limit = PAGE) => {
      const g = ++gen.current;
      listJobs({ status, plugin, limit }).then(
        (page) => {
          if (g !== gen.current) return;
          setJobs(page.jobs);
          setNext(page.next_before);
          setError(null);
        },
        (err: unknown) => g === gen.current && setError(toApiError(err)),
      );
    },
    [status, plugin],
  );

  useEffect(() => {
    setJobs(null);
    load();
  }, [load]);

  const loadMore = async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await listJobs({ status, plugin, limit: PAGE, before: next });
      setJobs((j) => [...(j ?? []), ...page.jobs.filter((x) => !j?.some((y) => y.job_id === x.job_id))]);
      setNext(page.next_before);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setLoadingMore(false);
    }
  };

  const replace = (job: JobRecord) => setJobs((list) => list?.map((j) => (j.job_id === job.job_id ? job : j)) ?? list);

  const matches = (j: JobRecord) => (!status || j.status === status) && (!plugin || j.plugin === plugin);

  useRealtime(['jobs'], (msg) => {
    if (msg.type === 'job_progress') {
      const p = msg.payload;
      setJobs(
        (list) =>
          list?.map((j) =>
            j.job_id === p.job_id
              ? { ...j, progress: p.progress, stage: p.stage, status: j.status === 'queued' ? 'running' : j.status }
              : j,
          ) ?? list,
      );
    } else if (msg.type === 'partial_result') {
      const p = msg.payload;
      setPartials((m) => ({ ...m, [p.job_id]: Math.max(m[p.job_id] ?? 0, p.index + 1) }));
    } else if (msg.type === 'job_status') {
      const p = msg.payload;
      setJobs(
        (list) => list?.map((j) => (j.job_id === p.job_id ? { ...j, status: p.status, error: p.error } : j)) ?? list,
      );
      // Fetch the full record: a new job to show, or a finished one's result.
      getJob(p.job_id).then(
        (job) =>
          setJobs((list) => {
            if (!list) return list;
            if (list.some((j) => j.job_id === job.job_id)) return list.map((j) => (j.job_id === job.job_id ? job : j));
            return matches(job) ? [job, ...list] : list;
          }),
        () => undefined,
      );
    }
  });

  useInterval(() => load(Math.min(100, Math.max(PAGE, jobs?.length ?? PAGE))), live ? null : 5000);

  const pluginNames = data.plugins?.map((p) => p.name) ?? [];
  const active = jobs?.filter((j) => j.status === 'queued' || j.status === 'running').length ?? 0;

  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <div>
          <h1 id="jobs-title">Jobs</h1>
          <p className="muted">Long work runs in the background and survives a server restart. Newest first.</p>
        </div>
        {active > 0 ? (
          <div className="summary">
            <span className="summary-item ok">
              <strong>{active}</strong> active
            </span>
          </div>
        ) : null}
      </div>

      {jobId ? <FocusedJob key={jobId} id={jobId} /> : null}

      <div className="filters card" role="search">
        <div className="picker-field">
          <label className="field-label" htmlFor="job-status">
            Status
          </label>
          <select
            id="job-status"
            className="input"
            value={status}
            onChange={(e) => setStatus(e.target.value as JobStatus | '')}
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="picker-field">
          <label className="field-label" htmlFor="job-plugin">
            Plugin
          </label>
          <select id="job-plugin" className="input" value={plugin} onChange={(e) => setPlugin(e.target.value)}>
            <option value="">All</option>
            {pluginNames.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="btn btn-ghost" onClick={() => load()}>
          Refresh
        </button>
      </div>

      {error ? <ErrorNotice error={error} title="Could not load jobs" /> : null}
      {jobs === null && !error ? <Spinner label="Loading jobs…" /> : null}
      {jobs && jobs.length === 0 ? (
        <EmptyState icon="☰" title={status || plugin ? 'No jobs match' : 'No jobs yet'}>
          <p>
            Submit one from <a href="#/run">Run a tool</a> with “Run as a background job”, or <code>POST /v1/jobs</code>
            .
          </p>
        </EmptyState>
      ) : null}
      <div className="job-list">
        {jobs?.map((j) => (
          <JobCard key={j.job_id} job={j} partials={partials[j.job_id] ?? 0} onChanged={replace} />
        ))}
      </div>
      {next ? (
        <div className="center">
          <button type="button" className="btn btn-secondary" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </section>
  );
}
