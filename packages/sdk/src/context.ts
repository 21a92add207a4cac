/**
 * Context handed to `init()`: where the plugin lives and what the operator configured.
 *
 * @example
 * init: async (ctx) => ({ model: await loadModel(path.join(ctx.pluginDir, 'models/m.onnx')) })
 */
export interface LoadContext {
  /** Writes a line to the host log, prefixed with the plugin id. */
  log(...args: unknown[]): void;
  /** Absolute path of the plugin's folder (read-only inside the sandbox). */
  pluginDir: string;
  /**
   * The operator's `plugins.<id>.options` object from the config file (`{}` when none). When the manifest declares
   * `bastion.options` (a JSON Schema), the host has checked it against that schema before loading the plugin.
   */
  config: Readonly<Record<string, unknown>>;
}

/**
 * Context handed to `validate()`: the load context plus what `init()` returned.
 *
 * @example
 * validate: async (ctx) => { if (!(await ctx.state.model.selfTest())) throw new Error('self-test failed'); }
 */
export type ValidateContext<State = undefined> = LoadContext & StateOf<State>;

/** `ctx.state`: required when the plugin has state, optional when `init()` returns nothing. */
type StateOf<State> = undefined extends State
  ? {
      /** What `init()` returned (`undefined` without an `init`). */
      state?: State;
    }
  : {
      /** What `init()` returned. */
      state: State;
    };

/**
 * Per-call context handed to a tool handler.
 *
 * @example
 * handler: async (args, ctx) => { ctx.progress(10, 'decoding'); return ctx.state.model.run(args.image); }
 */
export type ToolContext<State = undefined> = ValidateContext<State> & CallContext;

/** The per-call part of {@link ToolContext}. */
export interface CallContext {
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
  /**
   * The W3C trace context (`traceparent` header value) of this call when the server traces (`--otel`), else
   * undefined. A plugin that calls another service (it needs `requires.network`) sends it on, so that service's
   * spans join the caller's trace under this call's worker span.
   * @example fetch(url, { headers: ctx.traceparent ? { traceparent: ctx.traceparent } : {} })
   */
  traceparent?: string | undefined;
}
