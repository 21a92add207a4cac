import type { ToolDescriptor } from '@bastion/protocol';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { runTool, submitJob, toApiError, type ApiError, type RunResponse } from '../api/client';
import { useJob } from '../hooks/useJob';
import { useObjectUrl } from '../hooks/useObjectUrl';
import { rememberTool } from '../lib/last-tool';
import { buildArgs, initialValues, schemaToFields, type FormValue, type FormValues } from '../lib/schema-form';
import { ErrorNotice } from './ErrorNotice';
import { EmptyState, Spinner } from './Feedback';
import { JobCard } from './JobCard';
import { ResultView, type ResultMedia } from './ResultView';
import { SchemaForm } from './SchemaForm';

interface Props {
  plugin: string;
  tool: ToolDescriptor;
  available: boolean;
}

type Outcome = { kind: 'result'; response: RunResponse; run: number } | { kind: 'error'; error: ApiError } | null;

function FollowJob({ id, media }: { id: string; media: ResultMedia | null }) {
  const { job, partials, error } = useJob(id);
  if (error) return <ErrorNotice error={error} title="Could not follow the job" />;
  if (!job) return <Spinner label="Submitting job…" />;
  return <JobCard job={job} partials={partials} media={media} expanded />;
}

/** The runner for one tool: a form from its input schema, a direct call or a job, and the result. */
export function ToolForm({ plugin, tool, available }: Props) {
  const form = useMemo(() => schemaToFields(tool.input_schema), [tool]);
  const [values, setValues] = useState<FormValues>(() => initialValues(form.fields));
  const [extra, setExtra] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const hasVideo = form.fields.some((f) => f.kind === 'binary' && f.media === 'video');
  const [asJob, setAsJob] = useState(hasVideo);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [mediaFile, setMediaFile] = useState<File | null>(null);
  const runs = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const mediaUrl = useObjectUrl(mediaFile);
  const idPrefix = `f-${plugin}-${tool.name}`;

  const media: ResultMedia | null =
    mediaFile && mediaUrl
      ? {
          url: mediaUrl,
          name: mediaFile.name,
          kind: mediaFile.type.startsWith('video/') ? 'video' : mediaFile.type.startsWith('image/') ? 'image' : 'other',
        }
      : null;

  const onChange = (name: string, value: FormValue) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (!e[name]) return e;
      const next = { ...e };
      delete next[name];
      return next;
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const built = buildArgs<File>(
      form.fields,
      values as Record<string, string | boolean | File | null | undefined>,
      extra,
    );
    setErrors(built.errors);
    if (Object.keys(built.errors).length > 0) {
      const first = form.fields.find((f) => built.errors[f.name]);
      document.getElementById(first ? `${idPrefix}-${first.name}` : `${idPrefix}-extra`)?.focus();
      return;
    }
    rememberTool(plugin, tool.name);
    const files = Object.values(built.files);
    setMediaFile(files.find((f) => f.type.startsWith('image/') || f.type.startsWith('video/')) ?? null);
    setBusy(true);
    setOutcome(null);
    setJobId(null);
    try {
      if (asJob) {
        const { job_id } = await submitJob(plugin, tool.name, built);
        setJobId(job_id);
      } else {
        abort.current = new AbortController();
        const response = await runTool(plugin, tool.name, built, abort.current.signal);
        setOutcome({ kind: 'result', response, run: ++runs.current });
      }
    } catch (err) {
      const apiErr = toApiError(err);
      setOutcome(apiErr.code === 'CANCELLED' ? null : { kind: 'error', error: apiErr });
    } finally {
      setBusy(false);
      abort.current = null;
    }
  };

  return (
    <div className="runner">
      <form
        className="card runner-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-label={`Arguments of ${tool.name}`}
      >
        <div className="tool-intro">
          <h2>
            <span className="muted">{plugin} /</span> {tool.name}
          </h2>
          {tool.description ? <p className="muted">{tool.description}</p> : null}
        </div>
        {form.fields.length === 0 ? <p className="muted small">This tool declares no arguments.</p> : null}
        <SchemaForm
          idPrefix={idPrefix}
          fields={form.fields}
          values={values}
          errors={errors}
          disabled={busy}
          onChange={onChange}
        />
        {form.acceptsExtra ? (
          <details className="extra" open={form.fields.length === 0 && extra !== ''}>
            <summary>Extra arguments (JSON)</summary>
            <textarea
              id={`${idPrefix}-extra`}
              className="input mono"
              rows={3}
              placeholder='{"key": "value"}'
              aria-label="Extra arguments as a JSON object"
              aria-invalid={Boolean(errors._extra) || undefined}
              value={extra}
              onChange={(e) => setExtra(e.target.value)}
            />
            {errors._extra ? <p className="field-error">{errors._extra}</p> : null}
          </details>
        ) : null}
        <div className="runner-actions">
          <label className="toggle">
            <input type="checkbox" checked={asJob} onChange={(e) => setAsJob(e.target.checked)} disabled={busy} />
            Run as a background job
            <span className="muted small">
              {hasVideo ? '(recommended for video)' : '(for long work; follow progress)'}
            </span>
          </label>
          <div className="row gap-s">
            {busy && !asJob ? (
              <button type="button" className="btn btn-ghost" onClick={() => abort.current?.abort()}>
                Stop waiting
              </button>
            ) : null}
            <button type="submit" className="btn btn-primary btn-run" disabled={busy || !available}>
              {busy ? (asJob ? 'Submitting…' : 'Running…') : asJob ? 'Submit job' : 'Run'}
            </button>
          </div>
        </div>
        {!available ? (
          <p className="field-error">This plugin is not available; see its reason on the Plugins page.</p>
        ) : null}
      </form>

      <section className="card runner-output" aria-live="polite" aria-label="Output">
        {busy && !asJob ? <Spinner label={`Running ${tool.name}…`} /> : null}
        {!busy && !outcome && !jobId ? (
          <EmptyState icon="▶" title="Nothing run yet">
            <p>Fill in the arguments and press Run. Boxes the tool finds are drawn over your image.</p>
          </EmptyState>
        ) : null}
        {outcome?.kind === 'error' ? (
          <ErrorNotice
            error={outcome.error}
            title={`${plugin}/${tool.name} failed`}
            onDismiss={() => setOutcome(null)}
          />
        ) : null}
        {outcome?.kind === 'result' ? (
          <ResultView
            key={outcome.run}
            result={outcome.response.result}
            executionTimeMs={outcome.response.execution_time_ms}
            media={media}
          />
        ) : null}
        {jobId ? <FollowJob key={jobId} id={jobId} media={media} /> : null}
      </section>
    </div>
  );
}
