import type { HealthRecord } from '@bastion/protocol';
import { useRestart } from '../hooks/useRestart';
import { errorHint } from '../lib/errors';
import { formatCount, formatDuration, formatMb, formatMs, timeAgo } from '../lib/format';
import { hrefOf } from '../lib/route';
import { PLAIN_STATE, isAvailable } from '../lib/states';
import { ErrorNotice } from './ErrorNotice';
import { StateBadge } from './StateBadge';

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'bad' | 'warn' | undefined }) {
  return (
    <div className="stat" data-tone={tone}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

interface Props {
  plugin: HealthRecord;
  onChanged: () => void;
  /** Cluster mode: on how many of the nodes the plugin is available. */
  nodes?: { available: number; total: number } | null;
  /** The server does not answer: the card shows the last known state, greyed, with every action off. */
  offline?: { lastSeen: string } | null;
}

/** One plugin's health: state, actionable reason, counters, latency, memory, uptime, isolation, restart. */
export function PluginCard({ plugin: p, onChanged, nodes = null, offline = null }: Props) {
  const { restarting, error, outcome, restart, dismiss } = useRestart(p.name, onChanged);
  const down = p.state === 'FAILED' || p.state === 'UNAVAILABLE';
  const hint = errorHint(p.reason_code);
  const usable = isAvailable(p.state) && !offline;

  return (
    <article
      className={`card plugin-card${offline ? ' stale' : ''}`}
      data-state={p.state}
      data-stale={offline ? 'true' : undefined}
      aria-labelledby={`plugin-${p.name}`}
    >
      <header className="plugin-head">
        <div className="plugin-title">
          <h2 id={`plugin-${p.name}`}>
            <a href={hrefOf({ page: 'plugins', plugin: p.name })}>{p.name}</a>
          </h2>
          {p.version ? <span className="muted small">v{p.version}</span> : null}
        </div>
        {offline ? (
          <span className="badge badge-stale" data-testid="last-seen" title="The server is not answering">
            <span className="badge-dot" aria-hidden="true" />
            <span className="badge-word">{offline.lastSeen}</span>
            <span className="badge-detail">was {p.state}</span>
          </span>
        ) : (
          <StateBadge state={p.state} />
        )}
      </header>
      {p.description ? <p className="plugin-desc">{p.description}</p> : null}

      {down && (p.reason || p.reason_code) ? (
        <div className="reason" data-state={p.state}>
          {p.reason_code ? <code className="code-chip">{p.reason_code}</code> : null}
          {p.reason ? <p className="reason-text">{p.reason}</p> : null}
          {hint ? <p className="reason-hint">{hint}</p> : null}
        </div>
      ) : null}

      <dl className="stats">
        <Stat label="Succeeded" value={formatCount(p.success_count)} />
        <Stat label="Errors" value={formatCount(p.error_count)} tone={p.error_count ? 'warn' : undefined} />
        <Stat label="Timeouts" value={formatCount(p.timeout_count)} tone={p.timeout_count ? 'bad' : undefined} />
        <Stat label="Crashes" value={formatCount(p.crash_count)} tone={p.crash_count ? 'bad' : undefined} />
        <Stat label="Avg time" value={formatMs(p.avg_execution_time_ms)} />
        <Stat label="p95 time" value={formatMs(p.p95_execution_time_ms)} />
        <Stat label="Peak mem" value={formatMb(p.memory_peak_mb)} />
        <Stat label="Uptime" value={formatDuration(p.uptime_seconds)} />
      </dl>

      <div className="plugin-meta">
        <span title={p.isolation === 'namespace' ? 'Own PID and network namespace' : 'Plain child process'}>
          <span className={`iso iso-${p.isolation}`} aria-hidden="true" />
          {p.isolation === 'namespace' ? 'Namespace sandbox' : 'Process isolation'}
        </span>
        {p.in_flight || p.queue_depth ? (
          <span>
            {p.in_flight} running · {p.queue_depth} queued
          </span>
        ) : null}
        {p.last_used ? <span>Last used {timeAgo(p.last_used)}</span> : null}
        {nodes ? (
          <span className="nodes-available" data-testid="nodes-available">
            available on {nodes.available} of {nodes.total} node{nodes.total === 1 ? '' : 's'}
          </span>
        ) : null}
      </div>

      {p.last_error && !down ? (
        <p className="last-error small">
          Last error <code>{p.last_error.code}</code> {timeAgo(p.last_error.at)}: {p.last_error.message}
        </p>
      ) : null}

      {p.tools.length > 0 ? (
        <div className="tools" aria-label="Tools">
          {p.tools.map((t) =>
            usable ? (
              <a key={t} className="tool-chip" href={hrefOf({ page: 'run', plugin: p.name, tool: t })}>
                {t}
              </a>
            ) : (
              <span key={t} className="tool-chip disabled">
                {t}
              </span>
            ),
          )}
        </div>
      ) : null}

      {error ? <ErrorNotice error={error} title="Restart failed" onDismiss={dismiss} /> : null}
      {outcome && !restarting ? (
        <p className="restart-outcome small" role="status" data-state={outcome.state}>
          Restarted: {isAvailable(outcome.state) ? 'ready again' : `still ${PLAIN_STATE[outcome.state].word}`} (
          {outcome.state}){!isAvailable(outcome.state) && p.reason_code ? `, ${p.reason_code}` : ''}.
        </p>
      ) : null}

      <footer className="plugin-actions">
        <button
          type="button"
          className={`btn ${down ? 'btn-primary' : 'btn-secondary'}`}
          onClick={() => void restart()}
          disabled={restarting || Boolean(offline)}
          aria-label={`Restart ${p.name}`}
        >
          {restarting ? 'Restarting…' : 'Restart'}
        </button>
        <a
          className="btn btn-ghost"
          href={hrefOf({ page: 'plugins', plugin: p.name })}
          aria-label={`Details of ${p.name}`}
        >
          Details
        </a>
        {usable && p.tools[0] ? (
          <a className="btn btn-ghost" href={hrefOf({ page: 'run', plugin: p.name, tool: p.tools[0] })}>
            Run a tool →
          </a>
        ) : null}
      </footer>
    </article>
  );
}
