import type { z } from 'zod';
import {
  ClusterResponseSchema,
  JobInputSchema,
  JobListResponseSchema,
  JobRecordSchema,
  JobSubmitRequestSchema,
  JobSubmitResponseSchema,
  JsonRpcBodySchema,
  JsonRpcErrorResponseSchema,
  ManifestResponseSchema,
  PluginOpenApiSchema,
  ProbeResponseSchema,
  RestartResponseSchema,
  ToolRunRequestSchema,
  ToolRunResponseSchema,
  HealthRecordSchema,
  type ErrorCode,
} from '@bastion/protocol';
import type { Access } from '../auth.js';
import { HealthRecordListSchema } from './components.js';

/** One answer of an operation other than a registry error: a success, or a body that is not the error body. */
export interface AnswerSpec {
  description: string;
  /** A named component (api/openapi/components.ts); none for an empty body. */
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface OperationSpec {
  operationId: string;
  tag: Tag;
  /** Used when the route has none. */
  summary?: string;
  /** Auth when the route checks keys itself (its `config.access` is `public`): the WebSocket upgrades. */
  access?: Access;
  /** The key may also come as `?key=` (browsers cannot set headers on a WebSocket). */
  queryKey?: boolean;
  body?: {
    json: z.ZodType;
    /** Multipart form fields besides the file parts (which become binary args), name → description. */
    multipart?: Record<string, string>;
  };
  /** Successes, and answers that do not carry the error body (readiness, MCP's JSON-RPC errors). */
  answers: Record<number, AnswerSpec>;
  /**
   * Every error code the operation can answer (with the error body), besides UNAUTHORIZED/FORBIDDEN, which
   * follow from its access. Statuses come from the error registry.
   */
  errors: readonly ErrorCode[];
}

export const TAGS = {
  plugins: 'Plugin health, manifests and tool calls',
  jobs: 'Long-running work: persisted jobs',
  realtime: 'WebSocket endpoints: events and live frames (docs/jobs.md)',
  mcp: 'Model Context Protocol over Streamable HTTP (docs/mcp.md)',
  probes: 'Liveness, readiness and Prometheus metrics',
  cluster: 'Nodes of a cluster (docs/cluster.md)',
} as const;
export type Tag = keyof typeof TAGS;

/** What a tool call can answer besides its result, wherever it runs (REST; MCP maps the same codes). */
const CALL_ERRORS = [
  'BAD_REQUEST',
  'INVALID_INPUT',
  'PLUGIN_NOT_FOUND',
  'TOOL_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'TOOL_ERROR',
  'INVALID_OUTPUT',
  'PLUGIN_CRASHED',
  'PLUGIN_MEMORY_LIMIT',
  'PLUGIN_UNAVAILABLE',
  'PLUGIN_FAILED',
  'PLUGIN_BUSY',
  'PLUGIN_TIMEOUT',
  'SHUTTING_DOWN',
] as const satisfies readonly ErrorCode[];

const rpcError = (description: string): AnswerSpec => ({ description, schema: JsonRpcErrorResponseSchema });
const MCP_SESSION_HEADER = 'Mcp-Session-Id';

/**
 * Every documented operation, keyed `METHOD /openapi/{path}`: the one place that says what an operation answers.
 * The OpenAPI document is built from it (api/openapi/document.ts) and test/api/openapi.test.ts checks it against
 * the served routes and their real answers. A new route adds its entry here.
 */
export const OPERATIONS: Record<string, OperationSpec> = {
  'GET /v1/plugins': {
    operationId: 'listPlugins',
    tag: 'plugins',
    answers: { 200: { description: 'Health records of every plugin, sorted by name', schema: HealthRecordListSchema } },
    errors: [],
  },
  'GET /v1/plugins/{name}/health': {
    operationId: 'getPluginHealth',
    tag: 'plugins',
    answers: { 200: { description: "The plugin's health record", schema: HealthRecordSchema } },
    errors: ['BAD_REQUEST', 'PLUGIN_NOT_FOUND'],
  },
  'GET /v1/plugins/{name}/manifest': {
    operationId: 'getPluginManifest',
    tag: 'plugins',
    answers: { 200: { description: 'Manifest, limits in force and tool schemas', schema: ManifestResponseSchema } },
    errors: ['BAD_REQUEST', 'PLUGIN_NOT_FOUND'],
  },
  'GET /v1/plugins/{name}/openapi.json': {
    operationId: 'getPluginOpenApi',
    tag: 'plugins',
    answers: {
      200: {
        description: "OpenAPI 3.1 of the plugin's tools, typed by their schemas (none while it is not available)",
        schema: PluginOpenApiSchema,
      },
    },
    errors: ['BAD_REQUEST', 'PLUGIN_NOT_FOUND'],
  },
  'POST /v1/plugins/{name}/tools/{tool}/run': {
    operationId: 'runTool',
    tag: 'plugins',
    body: { json: ToolRunRequestSchema, multipart: { args: 'JSON object of the non-file arguments' } },
    answers: { 200: { description: 'The tool result', schema: ToolRunResponseSchema } },
    errors: CALL_ERRORS,
  },
  'POST /v1/plugins/{name}/restart': {
    operationId: 'restartPlugin',
    tag: 'plugins',
    answers: { 200: { description: 'The state after the reload attempt', schema: RestartResponseSchema } },
    // It takes no body, but one sent is parsed like any other (and refused when malformed or too large).
    errors: ['BAD_REQUEST', 'PLUGIN_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
  },
  'POST /v1/jobs': {
    operationId: 'submitJob',
    tag: 'jobs',
    body: {
      json: JobSubmitRequestSchema,
      multipart: {
        plugin: 'Plugin id',
        tool: 'Tool name',
        args: 'JSON object of the non-file arguments',
        input_preview:
          'Optional file part: a small JPEG, PNG or WebP (at most 64 KiB) of the input, kept with the job and answered by GET /v1/jobs/{id}/input',
      },
    },
    answers: {
      202: {
        description: 'Queued',
        schema: JobSubmitResponseSchema,
        headers: { Location: 'The job: /v1/jobs/{id}' },
      },
    },
    errors: [
      'BAD_REQUEST',
      'INVALID_INPUT',
      'PLUGIN_NOT_FOUND',
      'TOOL_NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'PLUGIN_UNAVAILABLE',
      'PLUGIN_FAILED',
      'PLUGIN_BUSY',
      'SHUTTING_DOWN',
      'QUEUE_UNAVAILABLE',
    ],
  },
  'GET /v1/jobs': {
    operationId: 'listJobs',
    tag: 'jobs',
    answers: { 200: { description: 'A page of jobs, newest first', schema: JobListResponseSchema } },
    errors: ['BAD_REQUEST', 'QUEUE_UNAVAILABLE'],
  },
  'GET /v1/jobs/{id}': {
    operationId: 'getJob',
    tag: 'jobs',
    answers: { 200: { description: 'The job', schema: JobRecordSchema } },
    errors: ['BAD_REQUEST', 'JOB_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
  },
  'GET /v1/jobs/{id}/input': {
    operationId: 'getJobInput',
    tag: 'jobs',
    answers: {
      200: {
        description: 'What the job ran on: its arguments, its files and the preview sent with it',
        schema: JobInputSchema,
      },
    },
    errors: ['BAD_REQUEST', 'JOB_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
  },
  'DELETE /v1/jobs/{id}': {
    operationId: 'cancelJob',
    tag: 'jobs',
    answers: { 200: { description: 'The job once it has stopped', schema: JobRecordSchema } },
    errors: ['BAD_REQUEST', 'JOB_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'QUEUE_UNAVAILABLE'],
  },
  'GET /v1/realtime': {
    operationId: 'openRealtime',
    tag: 'realtime',
    access: 'user',
    queryKey: true,
    answers: {
      101: { description: 'Switching Protocols: the WebSocket is open (messages: RealtimeServerMessage)' },
    },
    errors: ['BAD_REQUEST'],
  },
  'GET /v1/stream': {
    operationId: 'openStream',
    tag: 'realtime',
    access: 'user',
    queryKey: true,
    answers: {
      101: { description: 'Switching Protocols: the WebSocket is open; an unusable query is answered on it' },
    },
    errors: ['BAD_REQUEST'],
  },
  'POST /mcp': {
    operationId: 'mcpPost',
    tag: 'mcp',
    body: { json: JsonRpcBodySchema },
    answers: {
      200: {
        description: 'JSON-RPC answers as JSON, or as an event stream (text/event-stream)',
        headers: { [MCP_SESSION_HEADER]: 'The session id, on the answer to initialize' },
      },
      202: { description: 'Accepted: the body held only notifications or responses' },
      400: rpcError('JSON-RPC error: invalid JSON or message, or no session header'),
      404: rpcError('JSON-RPC error: unknown or expired session'),
      406: rpcError('JSON-RPC error: Accept must list application/json and text/event-stream'),
      415: rpcError('JSON-RPC error: Content-Type must be application/json'),
    },
    errors: ['PAYLOAD_TOO_LARGE'],
  },
  'GET /mcp': {
    operationId: 'mcpGet',
    tag: 'mcp',
    answers: {
      200: { description: "The session's notification stream (text/event-stream)", contentType: 'text/event-stream' },
      400: rpcError('JSON-RPC error: no session header'),
      404: rpcError('JSON-RPC error: unknown or expired session'),
      406: rpcError('JSON-RPC error: Accept must list text/event-stream'),
      409: rpcError('JSON-RPC error: the session already has a notification stream'),
    },
    errors: [],
  },
  'DELETE /mcp': {
    operationId: 'mcpDelete',
    tag: 'mcp',
    answers: {
      200: { description: 'The session is closed' },
      400: rpcError('JSON-RPC error: no session header'),
      404: rpcError('JSON-RPC error: unknown or expired session'),
    },
    errors: [],
  },
  'GET /healthz': {
    operationId: 'getLiveness',
    tag: 'probes',
    answers: { 200: { description: 'The process serves', schema: ProbeResponseSchema } },
    errors: [],
  },
  'GET /readyz': {
    operationId: 'getReadiness',
    tag: 'probes',
    answers: { 200: { description: 'Startup loading has finished', schema: ProbeResponseSchema } },
    errors: ['STARTING', 'SHUTTING_DOWN', 'QUEUE_UNAVAILABLE'],
  },
  'GET /v1/cluster': {
    operationId: 'getCluster',
    tag: 'cluster',
    answers: { 200: { description: 'The nodes (in standalone mode: this node)', schema: ClusterResponseSchema } },
    errors: [],
  },
  'GET /metrics': {
    operationId: 'getMetrics',
    tag: 'probes',
    answers: { 200: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain' } },
    errors: [],
  },
};
