import type { WorkerToolInfo } from '@bastion/protocol';

type Schema = Record<string, unknown>;

/** How MCP shows one tool, derived from its schemas once per load (MCP names and descriptions come from the catalog). */
export interface McpView {
  /** The input schema as an object schema, binary properties described as base64 strings. */
  readonly inputSchema: Schema;
  /** The output schema as MCP's structuredContent sees it (wrapped as `{result}` unless an object schema). */
  readonly outputSchema: Schema | null;
  /**
   * Whether results go to structuredContent wrapped as `{result: <value>}`: always for a declared output schema that
   * is not an object schema, never for an object schema, and for a tool without one only results that are not objects
   * (null: decided per result).
   */
  readonly wraps: boolean | null;
  /** Result properties declared as base64 images (name, media type), sent as MCP `image` items too. */
  readonly images: ReadonlyArray<readonly [string, string]>;
}

const BINARY_HINT = 'Binary data as a base64 string (a data: URL works too).';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mcpView(info: WorkerToolInfo): McpView {
  const wraps = info.outputSchema ? info.outputSchema.type !== 'object' : null;
  return {
    inputSchema: inputSchemaOf(info.inputSchema),
    outputSchema: info.outputSchema ? outputSchemaOf(info.outputSchema, wraps === true) : null,
    wraps,
    images: info.outputSchema ? declaredImages(info.outputSchema) : [],
  };
}

/** The tool's own JSON Schema, as an object schema, with binary properties described as base64 strings. */
function inputSchemaOf(schema: Schema): Schema {
  const out = structuredClone(schema);
  // Arguments are always a JSON object (MCP requires it, and so does the runner).
  out.type = 'object';
  const props = out.properties;
  if (isPlainObject(props)) {
    for (const prop of Object.values(props)) {
      if (!isPlainObject(prop) || prop.contentEncoding !== 'base64') continue;
      prop.type ??= 'string';
      prop.description = typeof prop.description === 'string' ? `${prop.description} (${BINARY_HINT})` : BINARY_HINT;
    }
  }
  return out;
}

function outputSchemaOf(schema: Schema, wrapped: boolean): Schema {
  const output = structuredClone(schema);
  return wrapped
    ? {
        type: 'object',
        description: 'The tool result, wrapped as {result} because it is not a JSON object',
        properties: { result: output },
        required: ['result'],
      }
    : output;
}

/** Result properties an output schema declares as base64 images: name → declared media type. */
function declaredImages(schema: Schema): ReadonlyArray<readonly [string, string]> {
  const props = schema.properties;
  if (!isPlainObject(props)) return [];
  return Object.entries(props).flatMap(([name, p]): Array<[string, string]> => {
    const { contentMediaType, contentEncoding } = (p ?? {}) as Record<string, unknown>;
    return typeof contentMediaType === 'string' && contentMediaType.startsWith('image/') && contentEncoding === 'base64'
      ? [[name, contentMediaType]]
      : [];
  });
}
