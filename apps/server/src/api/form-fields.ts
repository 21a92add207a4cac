import { parseJsonText } from './body.js';

/**
 * Multipart text fields arrive as strings (`curl -F size=120`); a tool's schema may want a number, a boolean, an
 * object or an array there. Each named field whose top-level property declares such a type (and not `string`) is
 * converted before validation: integers and numbers from their decimal text, booleans from `true`/`false`, objects
 * and arrays from JSON. Text that does not convert stays a string, so validation reports it against the schema.
 */
export function coerceFormFields(
  schema: Record<string, unknown>,
  args: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  const props = schema.properties;
  if (fields.length === 0 || typeof props !== 'object' || props === null) return args;
  const out = { ...args };
  for (const name of fields) {
    const value = out[name];
    if (typeof value !== 'string' || !Object.hasOwn(props, name)) continue;
    const types = declaredTypes((props as Record<string, unknown>)[name]);
    if (types.includes('string')) continue;
    for (const type of types) {
      const converted = convert(value, type);
      if (converted !== undefined) {
        out[name] = converted;
        break;
      }
    }
  }
  return out;
}

function declaredTypes(prop: unknown): string[] {
  if (typeof prop !== 'object' || prop === null) return [];
  const type = (prop as { type?: unknown }).type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function convert(text: string, type: string): unknown {
  const trimmed = text.trim();
  switch (type) {
    case 'integer':
      return INTEGER.test(trimmed) ? Number(trimmed) : undefined;
    case 'number':
      return NUMBER.test(trimmed) ? Number(trimmed) : undefined;
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : undefined;
    case 'null':
      return trimmed === 'null' || trimmed === '' ? null : undefined;
    case 'object':
    case 'array': {
      if (!trimmed.startsWith(type === 'object' ? '{' : '[')) return undefined;
      // Malformed JSON, too deep nesting and forbidden keys are the client's mistake (BAD_REQUEST), as in a JSON body.
      const value = parseJsonText(trimmed, `the multipart field`);
      return type === 'array' ? (Array.isArray(value) ? value : undefined) : value;
    }
    default:
      return undefined;
  }
}
