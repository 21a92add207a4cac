import { z } from 'zod';
import {
  ClusterResponseSchema,
  ErrorBodySchema,
  ErrorCodeSchema,
  ErrorInfoSchema,
  HealthRecordSchema,
  HealthRequiresSchema,
  JobErrorSchema,
  JobListResponseSchema,
  JobRecordSchema,
  JobInputSchema,
  JobInputFileSchema,
  JobStatusSchema,
  JobSubmitRequestSchema,
  JobSubmitResponseSchema,
  JsonRpcBodySchema,
  JsonRpcErrorResponseSchema,
  JsonRpcMessageSchema,
  LastErrorSchema,
  LimitsSchema,
  ManifestResponseSchema,
  ModelFormatSchema,
  ModelRequirementSchema,
  PluginOpenApiSchema,
  PluginStateSchema,
  ProbeResponseSchema,
  RequirementsSchema,
  RestartResponseSchema,
  TimestampSchema,
  ToolDescriptorSchema,
  ToolRunRequestSchema,
  ToolRunResponseSchema,
} from '@bastion/protocol';
import type { JsonSchema } from './json-schema.js';

/** `GET /v1/plugins` → 200. */
export const HealthRecordListSchema = z.array(HealthRecordSchema);

/**
 * The protocol schemas the OpenAPI document names in `components.schemas`. A schema used inside another one
 * becomes a `$ref` to its component; only components some operation reaches are emitted.
 */
const NAMED: Record<string, z.ZodType> = {
  ErrorBody: ErrorBodySchema,
  ErrorInfo: ErrorInfoSchema,
  ErrorCode: ErrorCodeSchema,
  PluginState: PluginStateSchema,
  Timestamp: TimestampSchema,
  HealthRecord: HealthRecordSchema,
  HealthRecordList: HealthRecordListSchema,
  HealthRequires: HealthRequiresSchema,
  LastError: LastErrorSchema,
  ManifestResponse: ManifestResponseSchema,
  PluginOpenApi: PluginOpenApiSchema,
  Requirements: RequirementsSchema,
  ModelRequirement: ModelRequirementSchema,
  ModelFormat: ModelFormatSchema,
  Limits: LimitsSchema,
  ToolDescriptor: ToolDescriptorSchema,
  ToolRunRequest: ToolRunRequestSchema,
  ToolRunResponse: ToolRunResponseSchema,
  RestartResponse: RestartResponseSchema,
  JobStatus: JobStatusSchema,
  JobError: JobErrorSchema,
  JobRecord: JobRecordSchema,
  JobInput: JobInputSchema,
  JobInputFile: JobInputFileSchema,
  JobSubmitRequest: JobSubmitRequestSchema,
  JobSubmitResponse: JobSubmitResponseSchema,
  JobListResponse: JobListResponseSchema,
  ProbeResponse: ProbeResponseSchema,
  JsonRpcErrorResponse: JsonRpcErrorResponseSchema,
  JsonRpcMessage: JsonRpcMessageSchema,
  JsonRpcBody: JsonRpcBodySchema,
  ClusterResponse: ClusterResponseSchema,
};

const registry = z.registry<{ id: string }>();
const names = new Map<z.ZodType, string>();
for (const [id, schema] of Object.entries(NAMED)) {
  registry.add(schema, { id });
  names.set(schema, id);
}

const PREFIX = '#/components/schemas/';

/** `{$ref}` to a registered schema's component; throws for one that is not registered (a table mistake). */
export function refTo(schema: z.ZodType): JsonSchema {
  const id = names.get(schema);
  if (!id) throw new Error('schema is not a named OpenAPI component; add it in api/openapi/components.ts');
  return { $ref: PREFIX + id };
}

/** Components that only clients send: described as input (extra keys allowed, defaults optional). */
const REQUESTS = new Set(['ToolRunRequest', 'JobSubmitRequest', 'JsonRpcMessage', 'JsonRpcBody']);

function generate(io: 'input' | 'output'): Record<string, JsonSchema> {
  const out = z.toJSONSchema(registry, { target: 'openapi-3.0', io, unrepresentable: 'any', uri: (id) => PREFIX + id })
    .schemas as Record<string, JsonSchema>;
  for (const schema of Object.values(out)) delete schema.$id; // not a keyword of OpenAPI 3.0 schemas
  return out;
}

let cached: Record<string, JsonSchema> | null = null;

/** Every named component as an OpenAPI 3.0 schema: answers as output shapes, request bodies as input shapes. */
function allComponents(): Record<string, JsonSchema> {
  if (cached) return cached;
  const output = generate('output');
  const input = generate('input');
  const all = Object.fromEntries(
    Object.keys(output).map((id) => [id, (REQUESTS.has(id) ? input[id] : output[id]) ?? {}]),
  );
  inlineNullableRefs(all, all);
  cached = all;
  return all;
}

/**
 * OpenAPI 3.0 has no nullable reference: `{nullable: true, allOf: [{$ref}]}` still rejects null (validators apply
 * the referenced schema to it). Such a spot gets the referenced schema inline, with `nullable: true` beside its
 * `type`.
 */
function inlineNullableRefs(node: unknown, all: Record<string, JsonSchema>): void {
  if (Array.isArray(node)) return node.forEach((n) => inlineNullableRefs(n, all));
  if (typeof node !== 'object' || node === null) return;
  const schema = node as JsonSchema;
  const ref = Array.isArray(schema.allOf) && schema.allOf.length === 1 ? (schema.allOf[0] as JsonSchema).$ref : null;
  const target = typeof ref === 'string' ? all[ref.slice(PREFIX.length)] : undefined;
  if (schema.nullable === true && target?.type !== undefined) {
    delete schema.allOf;
    Object.assign(
      schema,
      structuredClone(target),
      { nullable: true },
      schema.description ? { description: schema.description } : {},
    );
  }
  for (const value of Object.values(schema)) inlineNullableRefs(value, all);
}

/** The components `doc` refers to, directly or through other components. */
export function componentsFor(doc: unknown): Record<string, JsonSchema> {
  const all = allComponents();
  const used: Record<string, JsonSchema> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(PREFIX)) {
        const id = value.slice(PREFIX.length);
        const schema = all[id];
        if (schema && !used[id]) {
          used[id] = schema;
          visit(schema);
        }
      } else visit(value);
    }
  };
  visit(doc);
  return Object.fromEntries(Object.keys(all).flatMap((id) => (used[id] ? [[id, used[id]]] : [])));
}
