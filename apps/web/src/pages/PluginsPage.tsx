import { EmptyState, Spinner } from '../components/Feedback';
import { ErrorNotice } from '../components/ErrorNotice';
import { PluginCard } from '../components/PluginCard';
import type { PluginsState } from '../hooks/usePlugins';

const PLUGIN_STATES = ['LOADED', 'INITIALIZED', 'RUNNING', 'FAILED', 'UNAVAILABLE'] as const;

export function PluginsPage({ data }: { data: PluginsState }) {
  const { plugins, error, refresh } = data;
  const counts = new Map<string, number>();
  for (const p of plugins ?? []) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  const ready = (counts.get('INITIALIZED') ?? 0) + (counts.get('RUNNING') ?? 0) + (counts.get('LOADED') ?? 0);
  const down = (counts.get('FAILED') ?? 0) + (counts.get('UNAVAILABLE') ?? 0);

  return (
    <section aria-labelledby="plugins-title">
      <div className="page-head">
        <div>
          <h1 id="plugins-title">Plugins</h1>
          <p className="muted">
            Each plugin runs in its own sandboxed worker. A failing plugin never takes the others down.
          </p>
        </div>
        {plugins && plugins.length > 0 ? (
          <div className="summary" aria-label="Summary">
            <span className="summary-item ok">
              <strong>{ready}</strong> ready
            </span>
            <span className={`summary-item ${down ? 'bad' : ''}`}>
              <strong>{down}</strong> need attention
            </span>
          </div>
        ) : null}
      </div>
      {error ? <ErrorNotice error={error} title="Could not load the plugin list" /> : null}
      {plugins === null && !error ? <Spinner label="Loading plugins…" /> : null}
      {plugins && plugins.length === 0 ? (
        <EmptyState icon="◇" title="No plugins yet">
          <p>
            Put plugin folders in a plugins directory and start the server with <code>--plugins-dir DIR</code>, or
            scaffold one with <code>bastion new-plugin NAME</code>.
          </p>
        </EmptyState>
      ) : null}
      {plugins && plugins.length > 0 ? (
        <>
          <div className="legend" aria-hidden="true">
            {PLUGIN_STATES.map((s) => (
              <span key={s} className="legend-item" data-state={s}>
                <span className="badge-dot" />
                {s.toLowerCase()} {counts.get(s) ? `(${counts.get(s)})` : ''}
              </span>
            ))}
          </div>
          <div className="grid">
            {plugins.map((p) => (
              <PluginCard key={p.name} plugin={p} onChanged={refresh} />
            ))}
          </div>
        </>
      ) : null}
    </section>
  );
}
