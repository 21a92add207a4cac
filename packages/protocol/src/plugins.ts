import { z } from 'zod';
import { PluginStateSchema } from './health.js';

/** Model file formats the host can check by their first bytes. */
export const MODEL_FORMATS = ['onnx', 'tflite', 'gzip', 'json', 'safetensors', 'any'] as const;
export const ModelFormatSchema = z.enum(MODEL_FORMATS);
export type ModelFormat = z.infer<typeof ModelFormatSchema>;

/** A sha256 digest as 64 hex digits. */
export const Sha256Schema = z.string().regex(/^[a-f0-9]{64}$/i, 'must be 64 hex digits');

/** One model file a plugin needs, after defaults are applied. */
export const ModelRequirementSchema = z.object({
  path: z.string().min(1).meta({ description: 'Relative to the plugin folder, or to `package`’s folder' }),
  package: z.string().nullable().meta({ description: 'npm package the model ships in, if any' }),
  format: ModelFormatSchema,
  minBytes: z.number().int().min(0),
  sha256: Sha256Schema.nullable(),
  hint: z.string().nullable().meta({ description: 'How to obtain the file' }),
});
export type ModelRequirement = z.infer<typeof ModelRequirementSchema>;

/** The `requires` of a manifest, after defaults are applied. */
export const RequirementsSchema = z.object({
  gpu: z.boolean(),
  packages: z.array(z.string()),
  binaries: z.array(z.string()),
  network: z.boolean(),
  models: z.array(ModelRequirementSchema),
});
export type Requirements = z.infer<typeof RequirementsSchema>;

const positiveInt = z.number().int().positive();

/**
 * A plugin's limits in force. Manifests and the operator's config set any subset of them (validated with
 * `LimitsSchema.partial()`); unset ones fall back to the defaults.
 */
export const LimitsSchema = z.object({
  timeoutMs: positiveInt.meta({ description: 'Bound of a direct call (default 60000)' }),
  jobTimeoutMs: positiveInt.meta({ description: 'Bound of a job’s call (default 3600000)' }),
  memoryMb: positiveInt.min(32).meta({ description: 'RSS limit per worker, heap and native (default 1024)' }),
  concurrency: positiveInt.max(64).meta({ description: 'Workers of the plugin (default 1)' }),
  maxQueue: z.number().int().min(0).meta({ description: 'Calls waiting for a worker before PLUGIN_BUSY (default 32)' }),
  loadTimeoutMs: positiveInt.meta({ description: 'Bound of import + init + validate (default 30000)' }),
  maxProcesses: positiveInt
    .min(8)
    .max(100_000)
    .meta({ description: 'Processes and threads of a worker’s whole tree, the worker included (default 64)' }),
});
export type Limits = z.infer<typeof LimitsSchema>;

/** A JSON Schema object, as a plugin declared it. */
const JsonSchemaObject = z.record(z.string(), z.unknown());

export const ToolDescriptorSchema = z.object({
  name: z.string(),
  description: z.string(),
  input_schema: JsonSchemaObject.meta({ description: 'JSON Schema of the arguments' }),
  output_schema: JsonSchemaObject.nullable().meta({ description: 'JSON Schema of the result, if declared' }),
});
export type ToolDescriptor = z.infer<typeof ToolDescriptorSchema>;

/**
 * `GET /v1/plugins/:name/openapi.json` → 200: an OpenAPI 3.1 document with one operation per tool of the plugin,
 * its request and result typed by the tool's own JSON Schemas (for generated, typed clients).
 */
export const PluginOpenApiSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export type PluginOpenApi = z.infer<typeof PluginOpenApiSchema>;

/** `GET /v1/plugins/:name/manifest` → 200. */
export const ManifestResponseSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  requires: RequirementsSchema,
  limits: LimitsSchema,
  tools: z.array(ToolDescriptorSchema),
});
export type ManifestResponse = z.infer<typeof ManifestResponseSchema>;

/** Arguments of one tool call: a JSON object checked against the tool's input schema. */
export const ToolArgsSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Arguments; binary ones as base64 strings or data: URLs' });

/** `POST /v1/plugins/:name/tools/:tool/run` with a JSON body. */
export const ToolRunRequestSchema = z.object({ args: ToolArgsSchema.optional() });
export type ToolRunRequest = z.infer<typeof ToolRunRequestSchema>;

/** `POST /v1/plugins/:name/tools/:tool/run` → 200. */
export const ToolRunResponseSchema = z.object({
  ok: z.literal(true),
  plugin: z.string(),
  tool: z.string(),
  result: z.unknown().meta({ description: 'What the tool returned (JSON)' }),
  execution_time_ms: z.number().min(0),
});
export type ToolRunResponse = z.infer<typeof ToolRunResponseSchema>;

/** `POST /v1/plugins/:name/restart` → 200, after the reload attempt. */
export const RestartResponseSchema = z.object({ name: z.string(), state: PluginStateSchema });
export type RestartResponse = z.infer<typeof RestartResponseSchema>;

/** Route parameters naming a plugin, and a tool of it. */
export const PluginParamsSchema = z.object({ name: z.string().meta({ description: 'Plugin id' }) });
export const ToolParamsSchema = PluginParamsSchema.extend({ tool: z.string().meta({ description: 'Tool name' }) });
