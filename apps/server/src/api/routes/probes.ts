import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

export function probeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { summary: 'Liveness: 200 while the process serves' } },
    async () => ({
      ok: true,
    }),
  );
  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { summary: 'Readiness: 200 once startup loading has finished, else 503' } },
    async (_request, reply) => {
      // 503 with the standard error body: STARTING while plugins load, SHUTTING_DOWN while draining.
      const notReady = ctx.lifecycle.readiness();
      if (notReady) throw notReady;
      // Cluster mode: a node that cannot reach its job queue should get no traffic from a load balancer.
      const queue = ctx.queueStatus();
      if (queue && !queue.connected && queue.error) return reply.code(503).send({ ok: false, error: queue.error });
      return reply.code(200).send({ ok: true });
    },
  );
  app.get(
    '/metrics',
    { config: { access: 'read' }, schema: { summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      return reply.type(ctx.metrics.contentType).send(await ctx.metrics.render());
    },
  );
}
