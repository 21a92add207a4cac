import type { LoadContext, ToolContext, ValidateContext } from './context.js';
import type { ArgsOf, JsonSchema, JSONSchema, ResultOf } from './schema.js';

/**
 * One tool. Arguments are validated against `inputSchema` before the handler runs; properties with
 * `contentEncoding: 'base64'` arrive as `Uint8Array`. The result must be JSON-serialisable. Prefer
 * {@link defineTool}, which derives `Args` and `Result` from the schemas.
 *
 * @example
 * const echo: ToolDefinition<{ text: string }> = {
 *   description: 'Echo the text back',
 *   inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
 *   handler: async ({ text }) => ({ text }),
 * };
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the default accepts a tool of any plugin's state
export interface ToolDefinition<Args = Record<string, unknown>, Result = unknown, State = any> {
  description: string;
  inputSchema: JsonSchema;
  /** Optional; the host checks the result against it and answers INVALID_OUTPUT on a mismatch. */
  outputSchema?: JsonSchema;
  handler(args: Args, ctx: ToolContext<State>): Result | Promise<Result>;
}

/**
 * What `defineTool` infers a schema literal against: deliberately loose, because inferring against the full recursive
 * JSON Schema type is too deep for the compiler; {@link Schema} narrows it afterwards.
 */
type SchemaLiteral = { readonly [key: string]: unknown };
type Schema<S> = S extends JSONSchema ? S : never;

/**
 * A tool whose argument and result types follow from its JSON Schemas, so no shape is written twice. Write the
 * schemas inline (or `as const`); binary properties (`contentEncoding: 'base64'`) are typed `Uint8Array`.
 * The plugin's state type comes from the handler's `ctx` annotation (`ctx: ToolContext<MyState>`) when it needs one.
 *
 * @example
 * const size = defineTool({
 *   description: 'Size of an uploaded file',
 *   inputSchema: { type: 'object', properties: { image: { type: 'string', contentEncoding: 'base64' } },
 *                  required: ['image'], additionalProperties: false },
 *   outputSchema: { type: 'object', properties: { bytes: { type: 'integer' } }, required: ['bytes'],
 *                   additionalProperties: false },
 *   handler: async ({ image }) => ({ bytes: image.byteLength }), // image: Uint8Array; result checked: { bytes }
 * });
 */
export function defineTool<
  const In extends SchemaLiteral,
  const Out extends SchemaLiteral | true = true,
  State = undefined,
  // Computed as defaults (not in the parameter list) so the compiler does not expand them while inferring In/Out.
  Args = ArgsOf<Schema<In>>,
  Result = ResultOf<Schema<Out>>,
>(tool: {
  description: string;
  inputSchema: In;
  outputSchema?: Out;
  handler(args: NoInfer<Args>, ctx: ToolContext<State>): NoInfer<Result> | Promise<NoInfer<Result>>;
}): ToolDefinition<Args, Result, State> {
  return tool as ToolDefinition<Args, Result, State>;
}

/**
 * The default export of a plugin's entry module. Whatever `init()` returns is the plugin's state: it is handed to
 * `validate()` and to every handler as `ctx.state`, so a plugin needs no module-level variables. Each worker process
 * has its own state (with `concurrency` above 1 there are several).
 *
 * @example
 * export default definePlugin({
 *   init: async (ctx) => ({ greeting: String(ctx.config.greeting ?? 'hi') }),
 *   tools: {
 *     hello: {
 *       description: 'Greets',
 *       inputSchema: { type: 'object' },
 *       handler: (_args, ctx: ToolContext<{ greeting: string }>) => ({ text: ctx.state.greeting }),
 *     },
 *   },
 * });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the default accepts any plugin's state
export interface PluginDefinition<State = any> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool narrows its own argument type
  tools: Record<string, ToolDefinition<any, unknown, State>>;
  /** Loads models; runs once per worker before any call, within `loadTimeoutMs`. Returns the plugin's state. */
  init?(ctx: LoadContext): State | Promise<State>;
  /** Checks the plugin is really usable (e.g. a tiny inference); throwing makes the plugin FAILED. */
  validate?(ctx: ValidateContext<State>): void | Promise<void>;
  /** Frees resources on shutdown or restart; `ctx.state` is what `init()` returned. */
  dispose?(ctx: ValidateContext<State>): void | Promise<void>;
}

/**
 * Identity function that gives a plugin definition its types.
 *
 * @example
 * import { definePlugin } from '@bastion/sdk';
 * export default definePlugin({ tools: { ... } });
 */
export function definePlugin<T extends PluginDefinition>(definition: T): T {
  return definition;
}
