import { z } from 'zod';

/**
 * The one registry of error codes (docs/errors.md). HTTP bodies, WebSocket messages, MCP results, metric labels and
 * health `reason_code` all draw from this table; docs/errors.md is kept in step with it by a test.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, kind: 'request', summary: 'Malformed body, wrong content type or bad query' },
  INVALID_INPUT: { http: 400, kind: 'request', summary: "Arguments fail the tool's input schema" },
  UNAUTHORIZED: { http: 401, kind: 'request', summary: 'Missing or unknown API key' },
  FORBIDDEN: { http: 403, kind: 'request', summary: 'The key’s role lacks permission' },
  PLUGIN_NOT_FOUND: { http: 404, kind: 'request', summary: 'Unknown plugin id' },
  TOOL_NOT_FOUND: { http: 404, kind: 'request', summary: 'Unknown tool of a known plugin' },
  JOB_NOT_FOUND: { http: 404, kind: 'request', summary: 'Unknown job id' },
  NOT_FOUND: { http: 404, kind: 'request', summary: 'Unknown route' },
  PAYLOAD_TOO_LARGE: { http: 413, kind: 'request', summary: 'Body or upload over the size limit' },
  TOOL_ERROR: { http: 422, kind: 'runtime', summary: 'The tool threw or rejected' },
  INVALID_OUTPUT: {
    http: 502,
    kind: 'runtime',
    summary: 'Result not JSON-serialisable, too large, or fails outputSchema',
  },
  PLUGIN_CRASHED: { http: 502, kind: 'runtime', summary: 'Worker exited, aborted or was killed by a signal' },
  PLUGIN_MEMORY_LIMIT: { http: 502, kind: 'runtime', summary: 'Worker exceeded memoryMb and was killed' },
  PLUGIN_UNAVAILABLE: { http: 503, kind: 'request', summary: 'Plugin is UNAVAILABLE (a requirement is missing)' },
  PLUGIN_FAILED: { http: 503, kind: 'request', summary: 'Plugin is FAILED' },
  PLUGIN_BUSY: { http: 503, kind: 'runtime', summary: 'Queue full (maxQueue)' },
  QUEUE_UNAVAILABLE: { http: 503, kind: 'request', summary: 'Cluster mode: the job queue (Redis) is unreachable' },
  PLUGIN_TIMEOUT: { http: 504, kind: 'runtime', summary: 'Call exceeded its time limit; worker killed' },
  SHUTTING_DOWN: {
    http: 503,
    kind: 'runtime',
    summary: 'The server is stopping: no new work; a call cut by the shutdown grace (not the plugin’s fault)',
  },
  STARTING: { http: 503, kind: 'request', summary: 'The server is still loading its plugins (readiness)' },
  INTERNAL_ERROR: { http: 500, kind: 'request', summary: 'A host bug; never expected' },
  MANIFEST_INVALID: { http: null, kind: 'load', summary: 'package.json or its bastion field is invalid' },
  OPTIONS_INVALID: {
    http: null,
    kind: 'load',
    summary: "The operator's plugins.<id>.options do not match the plugin's options schema",
  },
  IMPORT_ERROR: { http: null, kind: 'load', summary: 'Importing the plugin module threw' },
  INIT_ERROR: { http: null, kind: 'load', summary: 'init() threw or rejected' },
  VALIDATION_ERROR: { http: null, kind: 'load', summary: 'validate() threw or rejected' },
  LOAD_TIMEOUT: { http: null, kind: 'load', summary: 'Import + init + validate exceeded loadTimeoutMs' },
  LOAD_CRASHED: { http: null, kind: 'load', summary: 'The worker died while loading' },
  DEPENDENCY_MISSING: {
    http: null,
    kind: 'load',
    summary: 'A required npm package, Python interpreter, module or distribution is missing or out of range',
  },
  BINARY_MISSING: { http: null, kind: 'load', summary: 'A required binary is not on PATH' },
  MODEL_MISSING: { http: null, kind: 'load', summary: 'A required model file is missing or unreadable' },
  MODEL_CORRUPT: { http: null, kind: 'load', summary: 'A model file is too small, has the wrong format or checksum' },
  GPU_UNAVAILABLE: { http: null, kind: 'load', summary: 'The plugin needs a GPU and none is usable' },
  GPU_DRIVER_ERROR: { http: null, kind: 'load', summary: 'A GPU is present but its driver or tools are broken' },
  DISABLED: { http: null, kind: 'load', summary: 'Disabled in the config file' },
  HOST_RESTARTED: { http: null, kind: 'job', summary: 'The host stopped while the job ran' },
  CANCELLED: { http: null, kind: 'job', summary: 'The job was cancelled' },
} as const satisfies Record<
  string,
  { http: number | null; kind: 'request' | 'runtime' | 'load' | 'job'; summary: string }
>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Every code of the registry, in table order (for enums in schemas and docs). */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export const ErrorCodeSchema = z.enum(ERROR_CODE_LIST).meta({ description: 'A code of the error registry' });

/** The `error` of an error body, a WebSocket `error` message or an MCP error result. */
export const ErrorInfoSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().meta({ description: 'What failed and what to do; for people, not for matching' }),
  plugin: z.string().optional(),
  tool: z.string().optional(),
  details: z
    .unknown()
    .optional()
    .meta({ description: 'Code-specific details, e.g. each input problem of INVALID_INPUT as {path, message}' }),
  request_id: z
    .string()
    .optional()
    .meta({ description: 'The request id (also the X-Request-Id header and the access log line) of an HTTP answer' }),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/** The error body of every HTTP failure: `{"ok": false, "error": {...}}`. */
export const ErrorBodySchema = z.object({ ok: z.literal(false), error: ErrorInfoSchema });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
