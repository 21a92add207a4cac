import { JobListQuerySchema, JobParamsSchema, PluginParamsSchema, ToolParamsSchema } from '@bastion/protocol';
import { toJsonSchema } from './openapi/json-schema.js';

/**
 * Route parameter and query schemas for fastify's validation, derived from the protocol's zod schemas. What routes
 * answer is described in api/openapi/operations.ts.
 */
export const nameParams = toJsonSchema(PluginParamsSchema);
export const toolParams = toJsonSchema(ToolParamsSchema);
export const jobParams = toJsonSchema(JobParamsSchema);
export const jobListQuery = toJsonSchema(JobListQuerySchema);
