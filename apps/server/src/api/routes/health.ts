import type { FastifyInstance } from 'fastify';
import { BastionError } from '../../errors/bastion-error.js';
import type { ApiContext } from '../context.js';
import { nameParams } from '../schemas.js';
import { ListBody } from './list-body.js';

/** Health list and detail: answer only 200 or 404 and never touch a worker (registry snapshots only). */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const list = new ListBody(ctx.registry);
  app.get(
    '/v1/plugins',
    {
      config: { access: 'read' },
      schema: { summary: 'Health records of every plugin, sorted by name' },
    },
    (_request, reply) => {
      reply.type('application/json; charset=utf-8').send(list.render());
    },
  );
  app.get<{ Params: { name: string } }>(
    '/v1/plugins/:name/health',
    {
      config: { access: 'read' },
      schema: { summary: "One plugin's health record", params: nameParams },
    },
    async (request) => {
      const record = ctx.registry.health(request.params.name);
      if (!record) throw new BastionError('PLUGIN_NOT_FOUND', `no plugin named '${request.params.name}'`);
      return record;
    },
  );
}
