import type { FastifyInstance } from 'fastify';
import { type JobInput, type JobStatus, type JobSubmitResponse } from '@bastion/protocol';
import { readArgsBody } from '../body.js';
import { coerceFormFields } from '../form-fields.js';
import { jobListQuery, jobParams } from '../schemas.js';
import { BastionError } from '../../errors/bastion-error.js';
import type { JobBackend } from '../../jobs/backend.js';
import { jobJson, jobPageJson } from '../../jobs/job-json.js';
import { jobInputMeta } from './job-input.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** `/v1/jobs` (the HTTP API, /openapi.json): submit, read, list, cancel. */
export function jobRoutes(
  app: FastifyInstance,
  jobs: JobBackend,
  /** A tool's input schema when this node knows the tool (multipart text fields are converted to its types). */
  inputSchema: (plugin: string, tool: string) => Record<string, unknown> | undefined,
): void {
  app.post(
    '/v1/jobs',
    {
      config: { access: 'user' },
      schema: {
        summary:
          'Submit a job: JSON {"plugin", "tool", "args"} or multipart (fields plugin, tool, args; file parts are binary args)',
        consumes: ['application/json', 'multipart/form-data'],
      },
    },
    async (request, reply): Promise<JobSubmitResponse> => {
      const body = await readArgsBody(request);
      const { plugin, tool } = body.rest;
      if (typeof plugin !== 'string' || !plugin || typeof tool !== 'string' || !tool) {
        throw new BastionError('BAD_REQUEST', 'a job needs "plugin" and "tool" (strings) besides "args"');
      }
      const schema = body.textFields.length ? inputSchema(plugin, tool) : undefined;
      const args = schema ? coerceFormFields(schema, body.args, body.textFields) : body.args;
      const job = await jobs.submit(plugin, tool, args, jobInputMeta(body));
      reply.code(202).header('location', `/v1/jobs/${job.job_id}`);
      return { job_id: job.job_id, status: 'queued' };
    },
  );

  app.get<{ Querystring: { status?: JobStatus; plugin?: string; limit: number; before?: string } }>(
    '/v1/jobs',
    {
      config: { access: 'user' },
      schema: { summary: 'List jobs, newest first, with cursor paging', querystring: jobListQuery },
    },
    async (request, reply) => {
      const { status, plugin, limit, before } = request.query;
      return reply.type(JSON_TYPE).send(jobPageJson(await jobs.list({ status, plugin, limit, before })));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { access: 'user' },
      schema: { summary: 'A job: status, progress, stage, result or error', params: jobParams },
    },
    async (request, reply) => {
      const job = await jobs.get(request.params.id);
      if (!job) throw new BastionError('JOB_NOT_FOUND', `no job '${request.params.id}'`);
      // The stored result goes out as stored: a finished job is read without parsing its result.
      return reply.type(JSON_TYPE).send(jobJson(job));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/input',
    {
      config: { access: 'user' },
      schema: {
        summary: 'What a job ran on: its non-file arguments, its files (name, type, size) and the preview sent with it',
        params: jobParams,
      },
    },
    async (request): Promise<JobInput> => {
      const id = request.params.id;
      const input = jobs.input ? await jobs.input(id) : null;
      if (input) return input;
      const job = await jobs.get(id);
      if (!job) throw new BastionError('JOB_NOT_FOUND', `no job '${id}'`);
      // Only a backend that keeps no inputs gets here with a known job.
      return { job_id: id, kept: false, args: null, files: [], preview: null };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { access: 'user' },
      schema: {
        summary:
          'Cancel a queued or running job; answers the job once it has stopped. Cancelling a cancelled job answers it unchanged; a succeeded or failed one is a BAD_REQUEST',
        params: jobParams,
      },
    },
    async (request, reply) => reply.type(JSON_TYPE).send(jobJson(await jobs.cancel(request.params.id))),
  );
}
