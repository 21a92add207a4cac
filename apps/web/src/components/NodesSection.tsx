import type { ClusterResponse } from '@bastion/protocol';
import { timeAgo } from '../lib/format';
import { isAvailable } from '../lib/states';
import { ErrorNotice } from './ErrorNotice';

/** The nodes serving this UI's API: one in standalone mode, each live node in cluster mode. */
export function NodesSection({ cluster }: { cluster: ClusterResponse }) {
  return (
    <section className="nodes" aria-labelledby="nodes-title">
      <div className="section-head">
        <h2 id="nodes-title">Nodes</h2>
        <span className="muted small">
          {cluster.mode === 'cluster'
            ? `Cluster of ${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'}`
            : 'Standalone: one node'}
        </span>
      </div>
      {cluster.queue?.error ? <ErrorNotice error={cluster.queue.error} title="Job queue unreachable" /> : null}
      <ul className="node-list">
        {cluster.nodes.map((n) => {
          const up = n.plugins.filter((p) => isAvailable(p.state)).length;
          return (
            <li key={n.id} className="card node" data-node={n.id}>
              <div className="node-head">
                <strong className="mono">{n.id}</strong>
                {n.id === cluster.node_id ? <span className="pill small">this node</span> : null}
              </div>
              <div className="node-meta muted small">
                <span className="mono node-url">{n.url}</span>
                <span title={n.started_at}>started {timeAgo(n.started_at)}</span>
                <span title={n.last_seen}>seen {timeAgo(n.last_seen)}</span>
                <span>
                  {n.running_jobs} job{n.running_jobs === 1 ? '' : 's'} running
                </span>
              </div>
              <p className="small node-plugins">
                {up} of {n.plugins.length} plugins available
                {n.plugins.length > up
                  ? ` (not: ${n.plugins
                      .filter((p) => !isAvailable(p.state))
                      .map((p) => p.name)
                      .join(', ')})`
                  : ''}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
