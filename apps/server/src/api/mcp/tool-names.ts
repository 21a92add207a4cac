import { createHash } from 'node:crypto';

/** What MCP allows as a tool name. */
export const MCP_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ToolRef {
  plugin: string;
  tool: string;
}

/** The natural MCP name of a plugin tool: `<plugin>__<tool>`. */
export function naturalName(ref: ToolRef): string {
  return `${ref.plugin}__${ref.tool}`;
}

/**
 * The fallback name of a tool whose natural name is not a valid MCP name (too long, odd characters) or collides
 * with another tool's: the natural name with every other character replaced by `_`, cut so that `_` plus the
 * first `digits` hex digits of sha256(`<plugin>\0<tool>`) fit in 64 characters. It depends only on the pair, so it
 * is stable across restarts and listings.
 */
export function hashedName(ref: ToolRef, digits = 8): string {
  const digest = createHash('sha256').update(`${ref.plugin}\0${ref.tool}`).digest('hex').slice(0, digits);
  const safe = naturalName(ref)
    .replace(/[^a-zA-Z0-9_-]/g, '_')
    .slice(0, 64 - digits - 1);
  return `${safe}_${digest}`;
}

/**
 * Gives every plugin tool one MCP name, deterministically for a given set of tools. A natural name that is valid
 * and unique is used as is; the others get their hashed name (longer digests only if even that collides).
 */
export function assignNames(refs: readonly ToolRef[]): Map<string, ToolRef> {
  const counts = new Map<string, number>();
  for (const ref of refs) counts.set(naturalName(ref), (counts.get(naturalName(ref)) ?? 0) + 1);
  const byName = new Map<string, ToolRef>();
  const odd: ToolRef[] = [];
  for (const ref of refs) {
    const name = naturalName(ref);
    if (MCP_TOOL_NAME.test(name) && counts.get(name) === 1) byName.set(name, ref);
    else odd.push(ref);
  }
  // Sorted so that which pair gets the longer digest never depends on the registry's order.
  odd.sort((a, b) => (a.plugin === b.plugin ? cmp(a.tool, b.tool) : cmp(a.plugin, b.plugin)));
  for (const ref of odd) {
    let digits = 8;
    let name = hashedName(ref, digits);
    while (byName.has(name) && digits < 32) name = hashedName(ref, (digits += 8));
    if (!byName.has(name)) byName.set(name, ref);
  }
  return byName;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
