import { z } from 'zod';
import { ErrorBodySchema, type PluginOpenApi, type WorkerToolInfo } from '@bastion/protocol';
import type { JsonSchema } from './json-schema.js';

/** The error body in JSON Schema 2020-12 (the dialect of OpenAPI 3.1 and of tools' own schemas). */
const ERROR_BODY: JsonSchema = (() => {
  const json = z.toJSONSchema(ErrorBodySchema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
})();

/** A component name from a tool name: `extract_text` → `ExtractText`. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}

/** A tool's schema as a component: its `$schema` dropped (the document's dialect applies). */
function component(schema: Record<string, unknown>): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/**
 * One plugin's tools as an OpenAPI 3.1 document, built from the schemas its worker reported at load: each tool is
 * an operation (`POST /v1/plugins/<name>/tools/<tool>/run`, operationId = the tool name) whose request is
 * `{args: <inputSchema>}` and whose 200 carries `result: <outputSchema>`, so openapi-typescript and friends generate
 * real types instead of `unknown`. Built per request from the registry, so it follows loads and restarts; a plugin
 * that is not available has no operations.
 */
export function pluginOpenApi(
  plugin: { name: string; version: string | null; description: string | null },
  tools: readonly WorkerToolInfo[],
): PluginOpenApi {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, JsonSchema> = { ErrorBody: ERROR_BODY };
  for (const tool of tools) {
    let base = pascal(tool.name) || 'Tool';
    while (schemas[`${base}Args`]) base += '_'; // `a_b` and `aB` both make `AB`
    schemas[`${base}Args`] = component(tool.inputSchema);
    schemas[`${base}Result`] = tool.outputSchema ? component(tool.outputSchema) : {};
    paths[`/v1/plugins/${plugin.name}/tools/${tool.name}/run`] = {
      post: {
        operationId: tool.name,
        summary: tool.description || `Run ${tool.name}`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { args: { $ref: `#/components/schemas/${base}Args` } },
                required: ['args'],
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'The tool result',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    ok: { const: true },
                    plugin: { const: plugin.name },
                    tool: { const: tool.name },
                    result: { $ref: `#/components/schemas/${base}Result` },
                    execution_time_ms: { type: 'number' },
                  },
                  required: ['ok', 'plugin', 'tool', 'result', 'execution_time_ms'],
                },
              },
            },
          },
          default: {
            description: 'A coded error (docs/errors.md)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `Bastion plugin ${plugin.name}`,
      version: plugin.version ?? '0.0.0',
      ...(plugin.description ? { description: plugin.description } : {}),
    },
    // Relative to the document's own URL: the server that served it.
    servers: [{ url: '/', description: 'This server' }],
    security: [{ apiKey: [] }, { bearer: [] }, {}],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}
