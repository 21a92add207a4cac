import type { HealthRecord, ManifestResponse } from '@bastion/protocol';
import type { ReactNode } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { EmptyState, Spinner } from '../components/Feedback';
import { JsonView } from '../components/JsonView';
import { StateBadge } from '../components/StateBadge';
import { useManifest } from '../hooks/useManifest';
import type { PluginsState } from '../hooks/usePlugins';
import { useRestart } from '../hooks/useRestart';
import { errorHint } from '../lib/errors';
import { formatCount, formatDuration, formatMb, formatMs, timeAgo } from '../lib/format';
import { hrefOf } from '../lib/route';
import { humanize } from '../lib/schema-form';
import { isAvailable } from '../lib/states';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="kv-item">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Every `*_count` of the record, so counters a newer server adds show up without a UI change. */
function counters(p: HealthRecord): Array<[string, number]> {
  return Object.entries(p).filter((e): e is [string, number] => e[0].endsWith('_count') && typeof e[1] === 'number');
}

const LIMIT_UNITS: Record<string, string> = { Ms: ' ms', Mb: ' MB' };
function formatLimit(key: string, value: number): string {
  const unit = Object.entries(LIMIT_UNITS).find(([suffix]) => key.endsWith(suffix));
  if (unit?.[1] === ' ms') return formatMs(value);
  return `${value.toLocaleString()}${unit?.[1] ?? ''}`;
}

function Requirements({ manifest }: { manifest: ManifestResponse }) {
  const r = manifest.requires;
  const list = (xs: string[]) =>
    xs.length ? xs.map((x) => <code key={x}>{x}</code>) : <span className="muted">none</span>;
  return (
    <dl className="kv kv-wide">
      <Row label="GPU">{r.gpu ? 'required' : 'not needed'}</Row>
      <Row label="Network">{r.network ? 'allowed' : 'blocked'}</Row>
      <Row label="Packages">
        <span className="chips">{list(r.packages)}</span>
      </Row>
      <Row label="Binaries">
        <span className="chips">{list(r.binaries)}</span>
      </Row>
      <Row label="Models">
        {r.models.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="plain-list">
            {r.models.map((m) => (
              <li key={m.path}>
                <code>{m.path}</code> <span className="muted small">({m.format})</span>
                {m.hint ? <div className="muted small">{m.hint}</div> : null}
              </li>
            ))}
          </ul>
        )}
      </Row>
    </dl>
  );
}

/**
 * The plugin inspector: everything the server says about one plugin — health, timings, counters, last error,
 * limits, requirements, isolation, and each tool with its input and output schema — and the admin restart.
 */
export function PluginDetailPage({ data, name }: { data: PluginsState; name: string }) {
  const p = data.plugins?.find((x) => x.name === name) ?? null;
  const { manifest, error: manifestError, loading } = useManifest(p ? name : null);
  const { restarting, error: restartError, restart, dismiss } = useRestart(name, data.refresh);

  if (data.plugins === null)
    return data.error ? <ErrorNotice error={data.error} /> : <Spinner label="Loading plugin…" />;
  if (!p)
    return (
      <EmptyState title={`No plugin named “${name}”`}>
        <p>
          <a href="#/plugins">Back to all plugins</a>
        </p>
      </EmptyState>
    );

  const down = p.state === 'FAILED' || p.state === 'UNAVAILABLE';
  return (
    <section aria-labelledby="detail-title" className="detail">
      <a className="small" href="#/plugins">
        ← All plugins
      </a>
      <div className="page-head">
        <div>
          <h1 id="detail-title">
            {p.name} {p.version ? <span className="muted small">v{p.version}</span> : null}
          </h1>
          {p.description ? <p className="muted">{p.description}</p> : null}
        </div>
        <div className="row gap-s">
          <StateBadge state={p.state} />
          <button
            type="button"
            className={`btn ${down ? 'btn-primary' : 'btn-secondary'}`}
            onClick={() => void restart()}
            disabled={restarting}
          >
            {restarting ? 'Restarting…' : 'Restart'}
          </button>
        </div>
      </div>
      {restartError ? <ErrorNotice error={restartError} title="Restart failed" onDismiss={dismiss} /> : null}
      {down && (p.reason || p.reason_code) ? (
        <ErrorNotice
          error={{ code: p.reason_code ?? p.state, message: p.reason ?? '' }}
          title={`${p.name} is not available`}
        />
      ) : null}

      <div className="detail-grid">
        <section className="card" aria-labelledby="d-health">
          <h2 id="d-health">Health</h2>
          <dl className="kv kv-wide">
            <Row label="Isolation">
              {p.isolation === 'namespace' ? 'Namespace sandbox (own PID and network namespace)' : 'Plain process'}
            </Row>
            <Row label="Uptime">{formatDuration(p.uptime_seconds)}</Row>
            <Row label="Loaded">{p.loaded_at ? timeAgo(p.loaded_at) : '—'}</Row>
            <Row label="Last used">{p.last_used ? timeAgo(p.last_used) : '—'}</Row>
            <Row label="In flight / queued">
              {p.in_flight} / {p.queue_depth}
            </Row>
            <Row label="Peak memory">{formatMb(p.memory_peak_mb)}</Row>
          </dl>
        </section>

        <section className="card" aria-labelledby="d-timings">
          <h2 id="d-timings">Timings</h2>
          <dl className="stats" data-testid="timings">
            <div className="stat">
              <dt>Last</dt>
              <dd>{formatMs(p.last_execution_time_ms)}</dd>
            </div>
            <div className="stat">
              <dt>Average</dt>
              <dd>{formatMs(p.avg_execution_time_ms)}</dd>
            </div>
            <div className="stat">
              <dt>p95</dt>
              <dd>{formatMs(p.p95_execution_time_ms)}</dd>
            </div>
          </dl>
          <h3>Counters</h3>
          <dl className="stats" data-testid="counters">
            {counters(p).map(([k, v]) => (
              <div className="stat" key={k}>
                <dt>{humanize(k.replace(/_count$/, ''))}</dt>
                <dd>{formatCount(v)}</dd>
              </div>
            ))}
          </dl>
          <h3>Last error</h3>
          {p.last_error ? (
            <div className="last-error-box" data-testid="last-error">
              <code className="code-chip">{p.last_error.code}</code>{' '}
              <time dateTime={p.last_error.at} title={p.last_error.at}>
                {timeAgo(p.last_error.at)}
              </time>
              <p>{p.last_error.message}</p>
              {errorHint(p.last_error.code) ? <p className="muted small">{errorHint(p.last_error.code)}</p> : null}
            </div>
          ) : (
            <p className="muted small">None since the server started.</p>
          )}
        </section>

        {manifest ? (
          <section className="card" aria-labelledby="d-limits">
            <h2 id="d-limits">Limits</h2>
            <dl className="kv kv-wide">
              {Object.entries(manifest.limits).map(([k, v]) => (
                <Row key={k} label={humanize(k.replace(/M[sb]$/, ''))}>
                  {formatLimit(k, v)}
                </Row>
              ))}
            </dl>
            <h2>Requires</h2>
            <Requirements manifest={manifest} />
          </section>
        ) : null}
      </div>

      <section aria-labelledby="d-tools" className="detail-tools">
        <h2 id="d-tools">Tools</h2>
        {loading ? <Spinner label="Loading tools…" /> : null}
        {manifestError ? <ErrorNotice error={manifestError} title="Could not load the manifest" /> : null}
        {manifest && manifest.tools.length === 0 ? <p className="muted">No tools reported.</p> : null}
        {manifest?.tools.map((t) => (
          <article key={t.name} className="card tool-detail" aria-label={`Tool ${t.name}`}>
            <div className="row gap-s tool-detail-head">
              <h3 className="mono">{t.name}</h3>
              {isAvailable(p.state) ? (
                <a className="btn btn-small btn-ghost" href={hrefOf({ page: 'run', plugin: p.name, tool: t.name })}>
                  Run →
                </a>
              ) : null}
            </div>
            {t.description ? <p className="muted">{t.description}</p> : null}
            <JsonView value={t.input_schema} title="Input schema" />
            {t.output_schema ? (
              <JsonView value={t.output_schema} title="Output schema" />
            ) : (
              <p className="muted small">No output schema declared.</p>
            )}
          </article>
        ))}
      </section>
    </section>
  );
}
