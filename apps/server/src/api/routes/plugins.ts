import type { FastifyInstance } from 'fastify';
import type { ManifestResponse, PluginOpenApi } from '@bastion/protocol';
import { BastionError } from '../../errors/bastion-error.js';
import { Cancel } from '../../runner/cancel.js';
import { keyId } from '../auth.js';
import { readArgsBody } from '../body.js';
import { pluginOpenApi } from '../openapi/plugin-document.js';
import { coerceFormFields } from '../form-fields.js';
import type { ApiContext } from '../context.js';
import { nameParams, toolParams } from '../schemas.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The run reply `{"ok":true,"plugin","tool","result","execution_time_ms"}` built around the worker's JSON text:
 * the result was serialised (and checked) once in the worker and is not parsed and serialised again here.
 */
export function runResponse(plugin: string, tool: string, resultJson: string, executionTimeMs: number): string {
  return `{"ok":true,"plugin":${JSON.stringify(plugin)},"tool":${JSON.stringify(tool)},"result":${resultJson},"execution_time_ms":${JSON.stringify(executionTimeMs)}}`;
}

export function pluginRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { name: string } }>(
    '/v1/plugins/:name/manifest',
    { config: { access: 'read' }, schema: { summary: "A plugin's manifest and tool schemas", params: nameParams } },
    async (request): Promise<ManifestResponse> => {
      const { name } = request.params;
      const health = ctx.registry.health(name);
      if (!health) throw new BastionError('PLUGIN_NOT_FOUND', `no plugin named '${name}'`);
      const manifest = ctx.registry.manifest(name);
      return {
        name,
        version: health.version,
        description: health.description,
        requires: manifest?.requires ?? { gpu: false, packages: [], binaries: [], network: false, models: [] },
        limits: ctx.registry.limits(name),
        tools: ctx.registry.tools(name).map((t) => ({
          name: t.name,
          description: t.description,
          input_schema: t.inputSchema,
          output_schema: t.outputSchema,
        })),
      };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/plugins/:name/openapi.json',
    {
      config: { access: 'read' },
      schema: { summary: "A typed API of one plugin's tools (OpenAPI 3.1 from their schemas)", params: nameParams },
    },
    async (request): Promise<PluginOpenApi> => {
      const { name } = request.params;
      const health = ctx.registry.health(name);
      if (!health) throw new BastionError('PLUGIN_NOT_FOUND', `no plugin named '${name}'`);
      const available = health.state === 'INITIALIZED' || health.state === 'RUNNING';
      return pluginOpenApi(health, available ? ctx.registry.tools(name) : []);
    },
  );

  app.post<{ Params: { name: string; tool: string } }>(
    '/v1/plugins/:name/tools/:tool/run',
    {
      config: { access: 'user' },
      schema: {
        summary: 'Run a tool: JSON {"args": {...}} or multipart (file parts are binary args, field "args" holds JSON)',
        params: toolParams,
        consumes: ['application/json', 'multipart/form-data'],
      },
    },
    async (request, reply) => {
      const { name, tool } = request.params;
      // Unknown plugin/tool answers before the body is read.
      const info = ctx.runner.resolve(name, tool);
      const body = await readArgsBody(request);
      const call = ctx.runner.prepare(name, info, coerceFormFields(info.inputSchema, body.args, body.textFields));
      // A client that hangs up cancels its call, freeing the worker.
      const cancel = new Cancel();
      const onClose = cancel.abort;
      request.raw.socket?.once('close', onClose);
      try {
        const { resultJson, executionTimeMs } = await ctx.runner.run(call, { mode: 'direct', signal: cancel });
        return reply.type(JSON_TYPE).send(runResponse(name, tool, resultJson, executionTimeMs));
      } finally {
        request.raw.socket?.off('close', onClose);
      }
    },
  );

  app.post<{ Params: { name: string } }>(
    '/v1/plugins/:name/restart',
    {
      config: { access: 'admin' },
      schema: { summary: 'Restart a plugin from any state; answers after the reload attempt', params: nameParams },
    },
    async (request) => {
      const { name } = request.params;
      if (!ctx.registry.has(name)) throw new BastionError('PLUGIN_NOT_FOUND', `no plugin named '${name}'`);
      // Admin actions are always logged, with who did them (the key id), whatever the access log setting.
      const who = { admin_action: 'restart', plugin: name, key_id: keyId(request.headers) };
      request.log.info(who, `admin: restart of plugin ${name} requested (key ${who.key_id ?? 'none'})`);
      await ctx.manager.restart(name);
      const state = ctx.registry.state(name);
      request.log.info({ ...who, state }, `admin: plugin ${name} restarted, now ${state ?? 'gone'}`);
      return { name, state };
    },
  );
}
