import type { HealthRecord } from '@bastion/protocol';
import { openPluginHost, type PluginHostOptions } from '@bastion/server';

/** A tool call the host answered with an error: the §4 code, the HTTP status and the details when any. */
export class ToolCallError extends Error {
  override readonly name = 'ToolCallError';
  constructor(
    /** The error code, e.g. `INVALID_INPUT`, `TOOL_ERROR`, `PLUGIN_TIMEOUT`. */
    readonly code: string,
    message: string,
    /** The HTTP status the API answered. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A plugin loaded in the real sandbox by {@link loadPlugin}. */
export interface LoadedPlugin {
  /** The plugin id the host gave it. */
  readonly id: string;
  /**
   * Calls a tool as a client would (arguments checked against its schema, `Uint8Array` values sent as binary);
   * resolves to the result, rejects with a {@link ToolCallError} carrying the error code.
   */
  call(tool: string, args?: Record<string, unknown>): Promise<unknown>;
  /** The plugin's health record (`state`, `reason`, `reason_code`, counters). */
  health(): Promise<HealthRecord>;
  /** Stops the worker(s) and the host. */
  close(): Promise<void>;
}

/** How {@link loadPlugin} runs the plugin: what an operator could set for it in the config file. */
export type LoadPluginOptions = PluginHostOptions;

/**
 * Loads the plugin in `dir` exactly as the server does (manifest and dependency checks, a sandboxed worker,
 * `init()` and `validate()`), alone in a host of its own, and drives it through the real API. The plugin may end
 * up FAILED or UNAVAILABLE: check `health()` to assert on that.
 *
 * @example
 * const plugin = await loadPlugin(pluginDir, { options: { maxSessions: 4 } });
 * try {
 *   expect((await plugin.health()).state).toBe('INITIALIZED');
 *   expect(await plugin.call('image_size', { image: new Uint8Array([1, 2, 3]) })).toEqual({ bytes: 3 });
 *   await expect(plugin.call('image_size', { image: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
 * } finally {
 *   await plugin.close();
 * }
 */
export async function loadPlugin(dir: string, options: LoadPluginOptions = {}): Promise<LoadedPlugin> {
  const host = await openPluginHost(dir, options);
  return {
    id: host.id,
    async call(tool, args = {}) {
      const outcome = await host.call(tool, args);
      if (outcome.ok) return outcome.result;
      const { code, message, details } = outcome.error;
      throw new ToolCallError(code, message, outcome.status, details);
    },
    health: () => host.health(),
    close: () => host.close(),
  };
}
