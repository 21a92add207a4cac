import type { ToolDescriptor } from '@bastion/protocol';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { runTool, submitJob, toApiError, type ApiError, type RunResponse } from '../api/client';
import { getApiKey } from '../api/settings';
import { useJob } from '../hooks/useJob';
import { useLiveness } from '../hooks/useLiveness';
import { useObjectUrl } from '../hooks/useObjectUrl';
import type { MadeRequest } from '../lib/export';
import { rememberTool } from '../lib/last-tool';
import { buildArgs, initialValues, schemaToFields, type FormValue, type FormValues } from '../lib/schema-form';
import { makeThumbnail } from '../lib/thumbnail';
import { ErrorNotice } from './ErrorNotice';
import { EmptyState, Spinner } from './Feedback';
import { pastedFiles } from './FileDrop';
import { JobCard } from './JobCard';
import { ResultView, type ResultMedia } from './ResultView';
import { SchemaForm } from './SchemaForm';

interface Props {
  plugin: string;
  tool: ToolDescriptor;
  available: boolean;
  /** A file chosen for the previous tool, carried over to this one's file field. */
  carriedFile?: File | null;
  /** Called with the file the user chose, so switching tools keeps it. */
  onFileChosen?: (file: File | null) => void;
}

/** One run's outcome: a result, an error, or a submitted job; each with the file it ran on. */
type Outcome =
  | { kind: 'result'; response: RunResponse; file: File | null; request: MadeRequest; run: number }
  | { kind: 'error'; error: ApiError; file: File | null; run: number }
  | { kind: 'job'; jobId: string; file: File | null; request: MadeRequest; run: number };

function FollowJob({ id, media, request }: { id: string; media: ResultMedia | null; request: MadeRequest }) {
  const { job, partials, error } = useJob(id);
  if (error) return <ErrorNotice error={error} title="Could not follow the job" />;
  if (!job) return <Spinner label="Submitting job…" />;
  return <JobCard job={job} partials={partials} media={media} request={request} expanded />;
}

function mediaOf(file: File | null, url: string | null): ResultMedia | null {
  if (!file || !url) return null;
  const kind = file.type.startsWith('video/') ? 'video' : file.type.startsWith('image/') ? 'image' : 'other';
  return { url, name: file.name, kind };
}

/** The minimum-score argument of a tool (`min_score`, `score_threshold`, …) with a default, if it has one. */
function scoreArg(tool: ToolDescriptor): { arg: string; fallback: number } | null {
  const props = (tool.input_schema as { properties?: Record<string, { type?: unknown; default?: unknown }> })
    .properties;
  for (const [name, s] of Object.entries(props ?? {})) {
    if (/^(min_?score|score_?threshold|min_?confidence|confidence_?threshold)$/i.test(name) && s.type === 'number') {
      return { arg: name, fallback: typeof s.default === 'number' ? s.default : 0 };
    }
  }
  return null;
}

function OutcomeView({
  o,
  plugin,
  tool,
  scoring,
  onRerun,
  onDismiss,
}: {
  o: Outcome;
  plugin: string;
  tool: string;
  scoring: { arg: string; fallback: number } | null;
  onRerun: (file: File | null, args: Record<string, unknown>) => void;
  onDismiss: () => void;
}) {
  const url = useObjectUrl(o.file);
  const media = mediaOf(o.file, url);
  if (o.kind === 'error') {
    return (
      <ErrorNotice
        error={o.error}
        title={`${plugin}/${tool} failed${o.file ? ` on ${o.file.name}` : ''}`}
        onDismiss={onDismiss}
      />
    );
  }
  if (o.kind === 'job') return <FollowJob key={o.jobId} id={o.jobId} media={media} request={o.request} />;
  const used = scoring ? o.request.args[scoring.arg] : undefined;
  return (
    <ResultView
      key={o.run}
      result={o.response.result}
      executionTimeMs={o.response.execution_time_ms}
      media={media}
      title={o.file ? `Result for ${o.file.name}` : 'Result'}
      request={o.request}
      serverMinScore={scoring ? { arg: scoring.arg, value: typeof used === 'number' ? used : scoring.fallback } : null}
      onRerun={(patch) => onRerun(o.file, { ...o.request.args, ...patch })}
    />
  );
}

/** The runner for one tool: a form from its input schema, a direct call or a job per file, and the results. */
export function ToolForm({ plugin, tool, available, carriedFile = null, onFileChosen }: Props) {
  const form = useMemo(() => schemaToFields(tool.input_schema), [tool]);
  const fileFields = form.fields.filter((f) => f.kind === 'binary');
  const scoring = useMemo(() => scoreArg(tool), [tool]);
  const [values, setValues] = useState<FormValues>(() => {
    const v = initialValues(form.fields);
    // The file chosen for the previous tool goes into this tool's only file field.
    if (carriedFile && fileFields.length === 1) v[fileFields[0]!.name] = carriedFile;
    return v;
  });
  const [batch, setBatch] = useState<File[]>([]);
  const [extra, setExtra] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const hasVideo = form.fields.some((f) => f.kind === 'binary' && f.media === 'video');
  const [asJob, setAsJob] = useState(hasVideo);
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const runs = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const output = useRef<HTMLElement>(null);
  const idPrefix = `f-${plugin}-${tool.name}`;
  const single = fileFields.length === 1 ? fileFields[0]! : null;
  const offline = useLiveness().reach === 'down';

  const onChange = (name: string, value: FormValue) => {
    setValues((v) => ({ ...v, [name]: value }));
    if (single && name === single.name) {
      onFileChosen?.(value instanceof File ? value : null);
      if (!(value instanceof File)) setBatch([]);
    }
    setErrors((e) => {
      if (!e[name]) return e;
      const next = { ...e };
      delete next[name];
      return next;
    });
  };

  // Paste anywhere on the page (outside text fields) puts the pasted image into the tool's file field.
  useEffect(() => {
    if (!single) return;
    const onPaste = (e: ClipboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, textarea, [contenteditable="true"], .drop')) return;
      const files = pastedFiles(e);
      if (files.length === 0) return;
      e.preventDefault();
      setBatch(files.length > 1 ? files : []);
      onChange(single.name, files[0]!);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  });

  /** Runs the tool once per file (or once without files), one after another; outcomes are listed in order. */
  const execute = async (args: Record<string, unknown>, files: Array<Record<string, File>>) => {
    rememberTool(plugin, tool.name);
    setBusy(true);
    setOutcomes([]);
    const list: Outcome[] = [];
    for (const fileSet of files) {
      const file = Object.values(fileSet)[0] ?? null;
      const request: MadeRequest = {
        plugin,
        tool: tool.name,
        args,
        files: Object.fromEntries(Object.entries(fileSet).map(([k, f]) => [k, f.name])),
        asJob,
        withKey: getApiKey() !== '',
      };
      const run = ++runs.current;
      try {
        if (asJob) {
          const preview = file ? await makeThumbnail(file) : null;
          const { job_id } = await submitJob(plugin, tool.name, { args, files: fileSet }, preview);
          list.push({ kind: 'job', jobId: job_id, file, request, run });
        } else {
          abort.current = new AbortController();
          const response = await runTool(plugin, tool.name, { args, files: fileSet }, abort.current.signal);
          list.push({ kind: 'result', response, file, request, run });
        }
      } catch (err) {
        const apiErr = toApiError(err);
        if (apiErr.code === 'CANCELLED') break;
        list.push({ kind: 'error', error: apiErr, file, run });
      } finally {
        abort.current = null;
      }
      setOutcomes([...list]);
    }
    setBusy(false);
    // The run is over: move focus to what it produced, so keyboard users continue from there.
    requestAnimationFrame(() => output.current?.focus());
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
    const sets = single && batch.length > 1 ? batch.map((f) => ({ ...built.files, [single.name]: f })) : [built.files];
    await execute(built.args, sets);
  };

  const rerun = (file: File | null, args: Record<string, unknown>) => {
    if (scoring && typeof args[scoring.arg] === 'number') {
      setValues((v) => ({ ...v, [scoring.arg]: String(args[scoring.arg]) }));
    }
    void execute(args, [file && single ? { [single.name]: file } : {}]);
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
          onFiles={single ? (_name, files) => setBatch(files.length > 1 ? files : []) : undefined}
        />
        {batch.length > 1 ? (
          <p className="batch small" data-testid="batch">
            {batch.length} files chosen; each runs on its own: {batch.map((f) => f.name).join(', ')}
          </p>
        ) : null}
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
            <button type="submit" className="btn btn-primary btn-run" disabled={busy || !available || offline}>
              {busy ? (asJob ? 'Submitting…' : 'Running…') : asJob ? 'Submit job' : 'Run'}
              {batch.length > 1 && !busy ? ` (${batch.length} files)` : ''}
            </button>
          </div>
        </div>
        {!available ? (
          <p className="field-error">This plugin is not available; see its reason on the Plugins page.</p>
        ) : null}
        {offline ? (
          <p className="field-error" data-testid="run-offline">
            The server is not answering; Run is off until it does.
          </p>
        ) : null}
      </form>

      <section className="card runner-output" aria-live="polite" aria-label="Output" tabIndex={-1} ref={output}>
        {busy && !asJob ? (
          <Spinner
            label={`Running ${tool.name}${batch.length > 1 ? ` (${outcomes.length + 1} of ${batch.length})` : ''}…`}
          />
        ) : null}
        {!busy && outcomes.length === 0 ? (
          <EmptyState icon="▶" title="Nothing run yet">
            <p>Fill in the arguments and press Run. Boxes the tool finds are drawn over your image.</p>
          </EmptyState>
        ) : null}
        {outcomes.map((o) => (
          <div key={o.run} className="outcome">
            <OutcomeView
              o={o}
              plugin={plugin}
              tool={tool.name}
              scoring={scoring}
              onRerun={rerun}
              onDismiss={() => setOutcomes((list) => list.filter((x) => x.run !== o.run))}
            />
          </div>
        ))}
      </section>
    </div>
  );
}
