import { z } from 'zod';

/** The five lifecycle states ("Plugin states", docs/architecture.md). */
export const PLUGIN_STATES = ['LOADED', 'INITIALIZED', 'RUNNING', 'FAILED', 'UNAVAILABLE'] as const;
export const PluginStateSchema = z.enum(PLUGIN_STATES);
export type PluginState = z.infer<typeof PluginStateSchema>;

/** States in which a plugin accepts calls. */
export const AVAILABLE_STATES: readonly PluginState[] = ['LOADED', 'INITIALIZED', 'RUNNING'];

/** An ISO-8601 UTC timestamp (`2026-12-01T10:00:00.000Z`). */
export const TimestampSchema = z.iso.datetime();

const count = z.number().int().min(0);
const ms = z.number().min(0);

/** A code of the error registry, typed as a string: records are also read from older or newer servers. */
const CodeSchema = z.string().meta({ description: 'A code of the error registry (docs/errors.md)' });

export const LastErrorSchema = z.object({ code: CodeSchema, message: z.string(), at: TimestampSchema });
export type LastError = z.infer<typeof LastErrorSchema>;

/**
 * How a worker's memory and process limits are enforced: `cgroup` (its own cgroup, hard limits the kernel applies,
 * tmpfs included) or `watchdog` (the host samples the worker's process tree and private temp folders and kills it).
 */
export const MemoryEnforcementSchema = z.enum(['cgroup', 'watchdog']);
export type MemoryEnforcement = z.infer<typeof MemoryEnforcementSchema>;

/** What a plugin needs, as the health record summarises it (models by path). */
export const HealthRequiresSchema = z.object({
  gpu: z.boolean(),
  packages: z.array(z.string()),
  binaries: z.array(z.string()),
  models: z.array(z.string()),
});

/** One plugin's health record (the HTTP API, /openapi.json). Every key is always present; `null` when unknown. */
export const HealthRecordSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  state: PluginStateSchema,
  reason: z.string().nullable().meta({ description: 'Why the plugin is FAILED or UNAVAILABLE, and what to do' }),
  reason_code: CodeSchema.nullable(),
  tools: z.array(z.string()),
  uptime_seconds: z.number().min(0).nullable().meta({ description: 'Since the last successful load' }),
  loaded_at: TimestampSchema.nullable(),
  last_used: TimestampSchema.nullable(),
  success_count: count,
  error_count: count,
  timeout_count: count,
  crash_count: count.meta({ description: 'Worker deaths of any cause but timeouts (crashes and memory kills)' }),
  input_error_count: count.meta({
    description: "Calls the plugin refused as the caller's mistake (its InputError: 400 INVALID_INPUT); not a failure",
  }),
  in_flight: count,
  queue_depth: count,
  last_execution_time_ms: ms.nullable(),
  avg_execution_time_ms: ms.nullable().meta({ description: 'Over the last 100 calls' }),
  p95_execution_time_ms: ms.nullable().meta({ description: 'Over the last 100 calls' }),
  memory_peak_mb: z
    .number()
    .min(0)
    .nullable()
    .meta({ description: 'Highest peak RSS (VmHWM) any worker of the plugin reached' }),
  last_error: LastErrorSchema.nullable(),
  requires: HealthRequiresSchema,
  isolation: z
    .enum(['namespace', 'process'])
    .meta({ description: 'How strongly its workers are isolated: own PID/network namespaces, or a plain process' }),
  memory_enforcement: MemoryEnforcementSchema.meta({
    description:
      'How memoryMb and maxProcesses are enforced: a cgroup per worker (kernel hard limits), or the host’s watchdog',
  }),
});
export type HealthRecord = z.infer<typeof HealthRecordSchema>;

/** Every key of a health record, in contract order; `bastion audit` and tests check records against it. */
export const HEALTH_RECORD_KEYS = HealthRecordSchema.keyof().options;

/** `GET /healthz` → 200 always; `GET /readyz` → 200 once startup loading has finished (else a 503 error body). */
export const ProbeResponseSchema = z.object({ ok: z.literal(true) });
export type ProbeResponse = z.infer<typeof ProbeResponseSchema>;
