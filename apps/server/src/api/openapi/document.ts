import { readFileSync } from 'node:fs';
import path from 'node:path';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, ErrorBodySchema, type ErrorCode } from '@bastion/protocol';
import { SERVER_ROOT } from '../../paths.js';
import type { Access } from '../auth.js';
import { componentsFor, refTo } from './components.js';
import type { JsonSchema } from './json-schema.js';
import { OPERATIONS, TAGS, type AnswerSpec, type OperationSpec } from './operations.js';

type Json = Record<string, unknown>;

const SECURITY_SCHEMES = {
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'BASTION_ADMIN_KEY or BASTION_USER_KEY' },
  bearer: { type: 'http', scheme: 'bearer', description: 'The same keys as `Authorization: Bearer KEY`' },
  queryKey: { type: 'apiKey', in: 'query', name: 'key', description: 'The key as a query parameter (WebSockets)' },
} as const;

const ACCESS_NOTE: Record<Access, string> = {
  public: 'Needs no key.',
  read: 'Needs a key only when the server runs with BASTION_PROTECT_HEALTH=1.',
  user: 'Needs a key (role user or admin).',
  admin: 'Needs the admin key.',
};

/** `/v1/plugins/:name/health` → `/v1/plugins/{name}/health`, as in the document. */
export function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

/** The error codes an operation can answer: its own plus those its access implies. */
export function errorCodesOf(spec: OperationSpec, access: Access): ErrorCode[] {
  // Every request passes the Host/Origin guard (FORBIDDEN); keys add UNAUTHORIZED.
  const edge: ErrorCode[] = access === 'public' ? ['FORBIDDEN'] : ['UNAUTHORIZED', 'FORBIDDEN'];
  return [...new Set([...spec.errors, ...edge])];
}

/** What a code means beyond the registry's summary, where an operation's answer needs it. */
const CODE_NOTES: Partial<Record<ErrorCode, string>> = {
  FORBIDDEN: 'The key’s role lacks permission, or the Host or Origin header is not one this server accepts',
};

function security(access: Access, queryKey: boolean): Array<Record<string, string[]>> {
  if (access === 'public') return [];
  const keys: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
  if (queryKey) keys.push({ queryKey: [] });
  return access === 'read' ? [{}, ...keys] : keys;
}

function headersOf(headers: Record<string, string> | undefined): Json | undefined {
  if (!headers) return undefined;
  return Object.fromEntries(
    Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
  );
}

function answer(spec: AnswerSpec): Json {
  const out: Json = { description: spec.description };
  const headers = headersOf(spec.headers);
  if (headers) out.headers = headers;
  if (spec.schema) out.content = { [spec.contentType ?? 'application/json']: { schema: refTo(spec.schema) } };
  else if (spec.contentType) out.content = { [spec.contentType]: { schema: { type: 'string' } } };
  return out;
}

/** One response per HTTP status, each the error body with the codes it can carry at that status. */
function errorAnswers(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].http;
    if (status === null) throw new Error(`${code} is not an HTTP error code`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const response: Json = {
      description: group.map((c) => `${c}: ${CODE_NOTES[c] ?? ERROR_CODES[c].summary}`).join('. '),
      content: {
        'application/json': {
          schema: {
            allOf: [
              refTo(ErrorBodySchema),
              { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: group } } } } },
            ],
          },
        },
      },
    };
    if (group.includes('PLUGIN_BUSY')) {
      response.headers = {
        'Retry-After': { description: 'Seconds to wait (PLUGIN_BUSY)', schema: { type: 'integer', minimum: 0 } },
      };
    }
    out[String(status)] = response;
  }
  return out;
}

function requestBody(body: NonNullable<OperationSpec['body']>): Json {
  const content: Json = { 'application/json': { schema: refTo(body.json) } };
  if (body.multipart) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, description] of Object.entries(body.multipart))
      properties[name] = { type: 'string', description };
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        description: 'File parts are binary arguments named by their field; other fields are string arguments',
        properties,
        additionalProperties: { type: 'string', format: 'binary' },
      },
    };
  }
  return { required: false, content };
}

/** Rewrites one operation of the generated document from its entry in OPERATIONS. */
function describe(op: Json, spec: OperationSpec, routeAccess: Access): void {
  const access = spec.access ?? routeAccess;
  op.operationId = spec.operationId;
  op.tags = [spec.tag];
  if (!op.summary && spec.summary) op.summary = spec.summary;
  op.description = [typeof op.description === 'string' ? op.description : '', ACCESS_NOTE[access]]
    .filter(Boolean)
    .join('\n\n');
  op.security = security(access, spec.queryKey ?? false);
  if (spec.body) op.requestBody = spec.body && requestBody(spec.body);
  const responses: Record<string, Json> = {};
  for (const [status, a] of Object.entries(spec.answers)) responses[status] = answer(a);
  for (const [status, response] of Object.entries(errorAnswers(errorCodesOf(spec, access)))) {
    if (responses[status]) throw new Error(`${spec.operationId}: status ${status} is both an answer and an error`);
    responses[status] = response;
  }
  op.responses = responses;
}

function serverVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(SERVER_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Serves the OpenAPI 3.0 document (`app.swagger()`) built by @fastify/swagger from the routes (paths,
 * parameters, summaries) and completed from OPERATIONS: operationIds, per-operation security, every answer
 * with its schema, schemas in `components`. Register before any route.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const accessOf = new Map<string, Access>();
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Bastion',
        version: serverVersion(),
        description:
          'Computer-vision analysis server with sandboxed plugins. Errors carry `{"ok": false, "error": {code, ' +
          'message}}` with a code of the registry (docs/errors.md); no operation answers 500 unless the host has a bug.',
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: ({ schema, url, route }) => {
      const access = (route.config as { access?: Access } | undefined)?.access ?? 'user';
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) accessOf.set(`${m.toUpperCase()} ${openApiPath(url)}`, access);
      return { schema, url };
    },
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      const doc = documentObject.openapiObject as Json & { paths?: Record<string, Json>; components?: Json };
      for (const [path, item] of Object.entries(doc.paths ?? {})) {
        for (const method of METHODS) {
          const key = `${method.toUpperCase()} ${path}`;
          const spec = OPERATIONS[key];
          // An operation missing from the table keeps fastify's default answer; the OpenAPI test flags it.
          if (!item[method] || !spec) continue;
          // The methods of one multi-method route share one generated object: give each its own.
          const op = structuredClone(item[method]) as Json;
          describe(op, spec, accessOf.get(key) ?? 'user');
          item[method] = op;
        }
      }
      doc.components = { ...doc.components, schemas: componentsFor(doc.paths) };
      return doc as typeof documentObject.openapiObject;
    },
  });
}
