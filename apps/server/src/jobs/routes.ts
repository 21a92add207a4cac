import type { FastifyInstance } from 'fastify';
import {
  JOB_STATUSES,
  type JobListResponse,
  type JobRecord,
  type JobStatus,
  type JobSubmitResponse,
} from '@bastion/protocol';
import { readArgsBody } from '../api/body.js';
import { BastionError } from '../errors/bastion-error.js';
import type { JobService } from './service.js';

const jobParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'job id' } },
  required: ['id'],
} as const;

const listQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: [...JOB_STATUSES] },
    plugin: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    before: { type: 'string', minLength: 1, maxLength: 100, description: 'opaque cursor from next_before' },
  },
} as const;

/** The `before` cursor is opaque to clients; inside it is the row sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`j:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^j:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1])
    throw new BastionError('BAD_REQUEST', "invalid 'before' cursor; pass the next_before value of a previous page");
  return Number(m[1]);
}

/** `/v1/jobs` (the HTTP API, /openapi.json): submit, read, list, cancel. */
export function jobRoutes(app: FastifyInstance, jobs: JobService): void {
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
      const { args, rest } = await readArgsBody(request);
      const { plugin, tool } = rest;
      if (typeof plugin !== 'string' || !plugin || typeof tool !== 'string' || !tool) {
        throw new BastionError('BAD_REQUEST', 'a job needs "plugin" and "tool" (strings) besides "args"');
      }
      const job = jobs.submit(plugin, tool, args);
      reply.code(202).header('location', `/v1/jobs/${job.job_id}`);
      return { job_id: job.job_id, status: 'queued' };
    },
  );

  app.get<{ Querystring: { status?: JobStatus; plugin?: string; limit: number; before?: string } }>(
    '/v1/jobs',
    {
      config: { access: 'user' },
      schema: { summary: 'List jobs, newest first, with cursor paging', querystring: listQuery },
    },
    async (request): Promise<JobListResponse> => {
      const { status, plugin, limit, before } = request.query;
      const page = jobs.list({
        status,
        plugin,
        limit,
        beforeSeq: before === undefined ? undefined : decodeCursor(before),
      });
      return { jobs: page.jobs, next_before: page.nextBeforeSeq === null ? null : encodeCursor(page.nextBeforeSeq) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { access: 'user' },
      schema: { summary: 'A job: status, progress, stage, result or error', params: jobParams },
    },
    async (request): Promise<JobRecord> => {
      const job = jobs.get(request.params.id);
      if (!job) throw new BastionError('JOB_NOT_FOUND', `no job '${request.params.id}'`);
      return job;
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
    async (request): Promise<JobRecord> => jobs.cancel(request.params.id),
  );
}
