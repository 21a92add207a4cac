/** The five lifecycle states (the lifecycle, docs/architecture.md). */
export const PLUGIN_STATES = ['LOADED', 'INITIALIZED', 'RUNNING', 'FAILED', 'UNAVAILABLE'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

/** States in which a plugin accepts calls. */
export const AVAILABLE_STATES: readonly PluginState[] = ['LOADED', 'INITIALIZED', 'RUNNING'];

export interface ModelRequirement {
  path: string;
  package: string | null;
  format: 'onnx' | 'tflite' | 'gzip' | 'json' | 'safetensors' | 'any';
  minBytes: number;
  sha256: string | null;
  hint: string | null;
}

export interface Requirements {
  gpu: boolean;
  packages: string[];
  binaries: string[];
  network: boolean;
  models: ModelRequirement[];
}

export interface Limits {
  timeoutMs: number;
  jobTimeoutMs: number;
  memoryMb: number;
  concurrency: number;
  maxQueue: number;
  loadTimeoutMs: number;
}

export interface LastError {
  code: string;
  message: string;
  at: string;
}

/** One plugin's health record (the HTTP API, /openapi.json). Every key is always present; `null` when unknown. */
export interface HealthRecord {
  name: string;
  version: string | null;
  description: string | null;
  state: PluginState;
  reason: string | null;
  reason_code: string | null;
  tools: string[];
  uptime_seconds: number | null;
  loaded_at: string | null;
  last_used: string | null;
  success_count: number;
  error_count: number;
  timeout_count: number;
  crash_count: number;
  in_flight: number;
  queue_depth: number;
  last_execution_time_ms: number | null;
  avg_execution_time_ms: number | null;
  p95_execution_time_ms: number | null;
  memory_peak_mb: number | null;
  last_error: LastError | null;
  requires: { gpu: boolean; packages: string[]; binaries: string[]; models: string[] };
  isolation: 'namespace' | 'process';
}

/** Every key of a health record, in contract order; `bastion audit` and tests check records against it. */
export const HEALTH_RECORD_KEYS = [
  'name',
  'version',
  'description',
  'state',
  'reason',
  'reason_code',
  'tools',
  'uptime_seconds',
  'loaded_at',
  'last_used',
  'success_count',
  'error_count',
  'timeout_count',
  'crash_count',
  'in_flight',
  'queue_depth',
  'last_execution_time_ms',
  'avg_execution_time_ms',
  'p95_execution_time_ms',
  'memory_peak_mb',
  'last_error',
  'requires',
  'isolation',
] as const satisfies ReadonlyArray<keyof HealthRecord>;

export interface ToolDescriptor {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown> | null;
}

export interface ManifestResponse {
  name: string;
  version: string | null;
  description: string | null;
  requires: Requirements;
  limits: Limits;
  tools: ToolDescriptor[];
}
