import type { ToolContext } from '@bastion/sdk';

/**
 * A tool context as the plugin worker builds it, for calling `init()`, `validate()` and tool handlers directly in
 * tests: progress, partial results and log lines go nowhere, and the abort signal is a fresh one unless given.
 *
 * @param pluginDir absolute path of the plugin's folder (what the host passes as `ctx.pluginDir`)
 * @param config the operator's options for the plugin (`plugins.<id>.options`), `{}` by default
 * @param signal the call's abort signal, e.g. from an `AbortController` the test aborts
 * @param state what the plugin's `init()` returned, handed to handlers as `ctx.state`
 * @example
 * const state = await plugin.init!(makeCtx(pluginDir, { maxSessions: 3 }));
 * await plugin.tools.detect.handler(args, makeCtx(pluginDir, {}, undefined, state));
 */
export function makeCtx<State = undefined>(
  pluginDir: string,
  config: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
  state?: State,
): ToolContext<State> {
  return {
    signal,
    progress: () => {},
    partial: () => {},
    log: () => {},
    pluginDir,
    config,
    state,
  } as ToolContext<State>;
}
