/** Top-level properties declared as binary (`contentEncoding: 'base64'`). */
export function binaryProperties(schema: Record<string, unknown>): readonly string[] {
  const props = schema.properties;
  if (typeof props !== 'object' || props === null) return [];
  return Object.entries(props as Record<string, unknown>)
    .filter(
      ([, p]) =>
        typeof p === 'object' && p !== null && (p as { contentEncoding?: unknown }).contentEncoding === 'base64',
    )
    .map(([name]) => name);
}
