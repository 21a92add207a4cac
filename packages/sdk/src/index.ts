/**
 * @bastion/sdk — what a plugin author needs: {@link definePlugin} and the types around it.
 * It imports nothing from the server; a plugin depends on this package only.
 */

/** A JSON Schema object (draft 2020-12 or draft-07). Binary inputs use `contentEncoding: 'base64'`. */
export type JsonSchema = Record<string, unknown>;

/** Per-call context handed to a tool handler. */
export interface ToolContext {
  /** Aborted when the call is cancelled (a cancelled job, a client gone); stop work soon after. */
  signal: AbortSignal;
  /**
   * Reports progress of a long call, 0–100, with an optional stage name. Jobs publish it live.
   * @example ctx.progress(40, 'decoding frames')
   */
  progress(pct: number, stage?: string): void;
  /**
   * Emits a partial result (e.g. one video frame) before the final one; jobs push it to subscribers.
   * @example ctx.partial({ frame: 12, tracks })
   */
  partial(result: unknown): void;
  /** Writes a line to the host log, prefixed with the plugin id. */
  log(...args: unknown[]): void;
  /** Absolute path of the plugin's folder (read-only inside the sandbox). */
  pluginDir: string;
  /** The operator's `plugins.<id>.options` object from the config file (`{}` when none). */
  config: Readonly<Record<string, unknown>>;
}

/** Context handed to `init()` and `validate()`. */
export type LoadContext = Pick<ToolContext, 'log' | 'pluginDir' | 'config'>;

/**
 * One tool. Arguments are validated against `inputSchema` before the handler runs; properties with
 * `contentEncoding: 'base64'` arrive as `Uint8Array`. The result must be JSON-serialisable.
 *
 * @example
 * const echo: ToolDefinition<{ text: string }> = {
 *   description: 'Echo the text back',
 *   inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
 *   handler: async ({ text }) => ({ text }),
 * };
 */
export interface ToolDefinition<Args = Record<string, unknown>, Result = unknown> {
  description: string;
  inputSchema: JsonSchema;
  /** Optional; the host checks the result against it and answers INVALID_OUTPUT on a mismatch. */
  outputSchema?: JsonSchema;
  handler(args: Args, ctx: ToolContext): Result | Promise<Result>;
}

/**
 * The default export of a plugin's entry module.
 *
 * @example
 * export default definePlugin({
 *   tools: { hello: { description: 'Greets', inputSchema: { type: 'object' }, handler: () => ({ hi: true }) } },
 *   init: async (ctx) => ctx.log('model loaded'),
 * });
 */
export interface PluginDefinition {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool narrows its own argument type
  tools: Record<string, ToolDefinition<any, unknown>>;
  /** Loads models; runs once per worker before any call, within `loadTimeoutMs`. */
  init?(ctx: LoadContext): void | Promise<void>;
  /** Checks the plugin is really usable (e.g. a tiny inference); throwing makes the plugin FAILED. */
  validate?(ctx: LoadContext): void | Promise<void>;
  /** Frees resources on shutdown or restart. */
  dispose?(): void | Promise<void>;
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

/** Model file formats the host can check by their first bytes. */
export type ModelFormat = 'onnx' | 'tflite' | 'gzip' | 'json' | 'safetensors' | 'any';

/** The `bastion` field of a plugin's package.json, checked by the host without running plugin code. */
export interface BastionManifest {
  /** Plugin id; defaults to the package name without its scope. `^[a-z0-9][a-z0-9_-]{0,63}$` */
  id?: string;
  apiVersion: 1;
  description?: string;
  requires?: {
    gpu?: boolean;
    packages?: string[];
    binaries?: string[];
    network?: boolean;
    models?: Array<{
      /** Path of the file, relative to the plugin folder (or to `package`'s folder when given). */
      path: string;
      /** npm package whose folder `path` is relative to, for models shipped inside a package. */
      package?: string;
      format?: ModelFormat;
      minBytes?: number;
      sha256?: string | null;
      hint?: string;
    }>;
  };
  limits?: {
    timeoutMs?: number;
    jobTimeoutMs?: number;
    memoryMb?: number;
    concurrency?: number;
    maxQueue?: number;
    loadTimeoutMs?: number;
  };
}
