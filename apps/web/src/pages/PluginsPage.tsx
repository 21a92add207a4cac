import { EmptyState, Spinner } from '../components/Feedback';
import { ErrorNotice } from '../components/ErrorNotice';
import { NodesSection } from '../components/NodesSection';
import { PluginCard } from '../components/PluginCard';
import { lastSeenText } from '../components/ServerUnreachable';
import { useLiveness, useSecondsSince } from '../hooks/useLiveness';
import { availabilityByPlugin, useCluster } from '../hooks/useCluster';
import type { PluginsState } from '../hooks/usePlugins';
import { LEGEND_ORDER, PLAIN_STATE, isAvailable, isUnavailableByDesign } from '../lib/states';

export function PluginsPage({ data }: { data: PluginsState }) {
  const { plugins, error, refresh } = data;
  const { cluster } = useCluster();
  const counts = new Map<string, number>();
  for (const p of plugins ?? []) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  const { reach, lastSeenAt } = useLiveness();
  const offline = reach === 'down';
  const seconds = useSecondsSince(offline ? lastSeenAt : null);
  const ready = (plugins ?? []).filter((p) => isAvailable(p.state)).length;
  const byDesign = (plugins ?? []).filter(isUnavailableByDesign).length;
  const down = (plugins ?? []).length - ready - byDesign;
  const spread = cluster?.mode === 'cluster' ? availabilityByPlugin(cluster) : null;
  const nodeCount = cluster?.nodes.length ?? 0;

  return (
    <section aria-labelledby="plugins-title">
      <div className="page-head">
        <div>
          <h1 id="plugins-title">Plugins</h1>
          <p className="muted">
            Each plugin runs in its own sandboxed worker. A failing plugin never takes the others down.
          </p>
        </div>
        {plugins && plugins.length > 0 && offline ? (
          <div className="summary" aria-label="Summary">
            <span className="summary-item stale">State unknown: server not answering</span>
          </div>
        ) : null}
        {plugins && plugins.length > 0 && !offline ? (
          <div className="summary" aria-label="Summary">
            <span className="summary-item ok">
              <strong>{ready}</strong> ready
            </span>
            <span className={`summary-item ${down ? 'bad' : ''}`}>
              <strong>{down}</strong> need attention
            </span>
            {byDesign ? (
              <span className="summary-item" title="Unavailable on purpose on this machine (no GPU, or disabled)">
                <strong>{byDesign}</strong> off here
              </span>
            ) : null}
          </div>
        ) : null}
      </div>
      {error && !(offline && error.code === 'NETWORK_ERROR') ? (
        <ErrorNotice error={error} title="Could not load the plugin list" />
      ) : null}
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
          <ul className="legend" aria-label="States" hidden={offline}>
            {LEGEND_ORDER.map((s) => (
              <li key={s} className="legend-item" data-state={s} title={PLAIN_STATE[s].description}>
                <span className="badge-dot" aria-hidden="true" />
                <span>
                  {PLAIN_STATE[s].word} <strong>{counts.get(s) ?? 0}</strong>
                </span>
                {PLAIN_STATE[s].word.toUpperCase() !== s ? <span className="legend-detail">{s}</span> : null}
              </li>
            ))}
          </ul>
          <div className="grid">
            {plugins.map((p) => (
              <PluginCard
                key={p.name}
                plugin={p}
                onChanged={refresh}
                nodes={spread ? { available: spread.get(p.name) ?? 0, total: nodeCount } : null}
                offline={offline ? { lastSeen: lastSeenText(seconds) } : null}
              />
            ))}
          </div>
        </>
      ) : null}
      {/* Node times ("seen just now") would be stale while the server does not answer. */}
      {cluster && !offline ? <NodesSection cluster={cluster} /> : null}
    </section>
  );
}
