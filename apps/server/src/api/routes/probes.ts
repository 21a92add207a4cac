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
      const ready = ctx.isReady();
      return reply.code(ready ? 200 : 503).send({ ok: ready });
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
