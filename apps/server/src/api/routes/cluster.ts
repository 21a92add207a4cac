import type { FastifyInstance } from 'fastify';
import type { ClusterResponse } from '@bastion/protocol';
import type { ClusterView } from '../../cluster/view.js';

/** `GET /v1/cluster`: the nodes and their plugins' states (standalone: the node itself). */
export function clusterRoutes(app: FastifyInstance, view: ClusterView): void {
  app.get(
    '/v1/cluster',
    {
      config: { access: 'read' },
      schema: {
        summary:
          'The cluster: mode, the answering node, its queue link and every live node with its plugins (see docs/cluster.md)',
      },
    },
    async (): Promise<ClusterResponse> => view.describe(),
  );
}
