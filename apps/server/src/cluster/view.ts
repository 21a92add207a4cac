import type { ClusterNode, ClusterResponse } from '@bastion/protocol';
import type { Registry } from '../plugins/registry.js';
import type { NodeIdentity } from '../node-identity.js';

/** What `GET /v1/cluster` answers: this node and, in cluster mode, its live peers. */
export interface ClusterView {
  describe(): Promise<ClusterResponse>;
}

/** This node as a heartbeat describes it. */
export function selfNode(identity: NodeIdentity, registry: Registry, runningJobs: number): ClusterNode {
  const now = new Date().toISOString();
  return {
    id: identity.id,
    url: identity.url,
    started_at: identity.startedAt,
    last_seen: now,
    running_jobs: runningJobs,
    plugins: registry.list().map((h) => ({ name: h.name, state: h.state })),
  };
}

/** Standalone mode: the node itself is the whole cluster. */
export function standaloneView(identity: NodeIdentity, registry: Registry, running: () => number): ClusterView {
  return {
    describe: async () => ({
      mode: 'standalone',
      node_id: identity.id,
      queue: null,
      nodes: [selfNode(identity, registry, running())],
    }),
  };
}
