import type { Registry, StateEvent } from '../../plugins/registry.js';
import type { LoadedTool } from '../../plugins/loaded-tool.js';

/** Coalesces the state changes of one restart (FAILED → LOADED → INITIALIZED) into few notifications. */
const COALESCE_MS = 20;

/**
 * Calls `onChange` when the set of listed MCP tools may have changed: a plugin became available or unavailable,
 * or its tools were replaced by a reload. The frequent RUNNING ⇄ INITIALIZED moves of every call change neither
 * and are ignored. Returns a function that stops watching.
 */
export function watchToolList(registry: Registry, onChange: () => void): () => void {
  const seen = new Map<string, { available: boolean; tools: readonly LoadedTool[] }>();
  for (const name of registry.names())
    seen.set(name, { available: registry.isAvailable(name), tools: registry.tools(name) });
  let timer: NodeJS.Timeout | null = null;

  const listener = (e: StateEvent): void => {
    const now = { available: registry.isAvailable(e.name), tools: registry.tools(e.name) };
    const before = seen.get(e.name);
    seen.set(e.name, now);
    if (before && before.available === now.available && (!now.available || before.tools === now.tools)) return;
    timer ??= setTimeout(() => {
      timer = null;
      onChange();
    }, COALESCE_MS);
  };
  registry.on('state', listener);
  return () => {
    registry.off('state', listener);
    if (timer) clearTimeout(timer);
  };
}
