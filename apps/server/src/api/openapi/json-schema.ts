import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * A protocol schema as JSON Schema for fastify route validation (ajv) and the OpenAPI 3.0 document. `input`
 * describes what a client may send (defaults make keys optional); `output` what the server answers.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}
