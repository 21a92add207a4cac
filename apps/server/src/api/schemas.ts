/** JSON Schemas of route parameters and responses, used for the OpenAPI document. */
export const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', description: 'plugin id' } },
  required: ['name'],
} as const;

export const toolParams = {
  type: 'object',
  properties: { name: { type: 'string', description: 'plugin id' }, tool: { type: 'string' } },
  required: ['name', 'tool'],
} as const;

const nullable = (type: string) => ({ type: [type, 'null'] });

export const healthRecordSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    version: nullable('string'),
    description: nullable('string'),
    state: { type: 'string', enum: ['LOADED', 'INITIALIZED', 'RUNNING', 'FAILED', 'UNAVAILABLE'] },
    reason: nullable('string'),
    reason_code: nullable('string'),
    tools: { type: 'array', items: { type: 'string' } },
    uptime_seconds: nullable('number'),
    loaded_at: nullable('string'),
    last_used: nullable('string'),
    success_count: { type: 'integer' },
    error_count: { type: 'integer' },
    timeout_count: { type: 'integer' },
    crash_count: { type: 'integer' },
    in_flight: { type: 'integer' },
    queue_depth: { type: 'integer' },
    last_execution_time_ms: nullable('number'),
    avg_execution_time_ms: nullable('number'),
    p95_execution_time_ms: nullable('number'),
    memory_peak_mb: nullable('number'),
    last_error: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } },
    },
    requires: {
      type: 'object',
      properties: {
        gpu: { type: 'boolean' },
        packages: { type: 'array', items: { type: 'string' } },
        binaries: { type: 'array', items: { type: 'string' } },
        models: { type: 'array', items: { type: 'string' } },
      },
    },
    isolation: { type: 'string', enum: ['namespace', 'process'] },
  },
} as const;
