/**
 * Worker side: turns whatever a plugin hands back (a result, a thrown value, InputError details) into text for
 * the host. Nothing here may throw, whatever the value: getters and `toString` that throw, Proxies that throw on
 * every trap, revoked Proxies, `toJSON` that throws. A value that cannot be read becomes a placeholder.
 */
import { MAX_RESULT_DEPTH } from '@bastion/protocol/worker-limits';
import { clip } from '../../encoding/clip.js';
import { nestsDeeperThan } from '../../encoding/json-depth.js';

const UNREADABLE = 'the plugin threw a value that cannot be read (reading its properties threw)';

function read(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** String(value), or a placeholder when even that throws. */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable value]';
  }
}

export interface Described {
  message: string;
  stack?: string;
}

/** Longest message or stack sent to the host (which shows less still); keeps a frame of a huge message small. */
const MAX_TEXT_CHARS = 64 * 1024;

/** `text`, cut to MAX_TEXT_CHARS. */
export const clipText = (text: string): string => clip(text, MAX_TEXT_CHARS);

/** A message (and stack, for Errors) for a thrown value, clipped; never throws. */
export function describeThrown(err: unknown): Described {
  const d = describeUnclipped(err);
  return { message: clipText(d.message), ...(d.stack !== undefined ? { stack: clipText(d.stack) } : {}) };
}

function describeUnclipped(err: unknown): Described {
  if (typeof err === 'string') return { message: err };
  if ((typeof err !== 'object' && typeof err !== 'function') || err === null) {
    return { message: `non-Error thrown: ${safeString(err)}` };
  }
  const message = read(err, 'message');
  if (isError(err) || typeof message === 'string') {
    const name = read(err, 'name');
    const stack = read(err, 'stack');
    const text =
      typeof message === 'string' && message !== '' ? message : typeof name === 'string' && name ? name : UNREADABLE;
    return { message: text, ...(typeof stack === 'string' ? { stack } : {}) };
  }
  try {
    const json = JSON.stringify(err);
    if (typeof json === 'string') return { message: `non-Error thrown: ${json}` };
  } catch {
    // fall through to String()
  }
  const text = safeString(err);
  return { message: text === '[unprintable value]' ? UNREADABLE : `non-Error thrown: ${text}` };
}

/** A plugin's InputError, recognised by its name alone (so plugins without the SDK can throw one). */
export function isInputError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && read(err, 'name') === 'InputError';
}

export type Encoded = { json: string } | { error: string };

const IDENT = /^[A-Za-z_$][\w$]*$/;
const segment = (holder: unknown, key: string): string =>
  Array.isArray(holder) ? `[${key}]` : IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/** Where `target` sits under `root` (a search run only after a bad value was found; the hot path keeps no map). */
function pathOf(root: unknown, target: object): string | null {
  const seen = new Set<object>();
  const stack: Array<[unknown, string]> = [[root, 'result']];
  let budget = 100_000;
  while (stack.length && budget-- > 0) {
    const [node, at] = stack.pop() as [unknown, string];
    if (node === target) return at;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    let keys: string[];
    try {
      keys = Object.keys(node);
    } catch {
      continue;
    }
    for (const k of keys) stack.push([read(node, k), at + segment(node, k)]);
  }
  return null;
}

/** Built-ins JSON would silently turn into `{}` (or a lossy object); a result holding one is refused. */
function lossyObject(v: object): string | null {
  if (v instanceof Map) return 'a Map (JSON would turn it into {}; use an object or an array of pairs)';
  if (v instanceof Set) return 'a Set (JSON would turn it into {}; use an array)';
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    return 'binary data (a typed array, Buffer or ArrayBuffer; convert it with Array.from() or to a base64 string)';
  }
  if (v instanceof RegExp) return 'a RegExp (JSON would turn it into {})';
  if (v instanceof Promise) return 'a Promise (await it first)';
  if (v instanceof WeakMap || v instanceof WeakSet) return 'a WeakMap or WeakSet';
  if (v instanceof Error) return 'an Error object (JSON would turn it into {})';
  return null;
}

class Bad {
  constructor(
    readonly holder: object,
    readonly key: string,
    readonly why: string,
  ) {}
}

/**
 * JSON text of a result in one walk (JSON.stringify with a checking replacer), or why it cannot be sent:
 * functions, symbols, BigInts, NaN/Infinity, `undefined` in arrays, Maps, Sets, binary data and the like are
 * refused with the path of the first one (`result.items[2].fn`) instead of being silently changed. Dates become
 * ISO strings (their toJSON), as JSON does; an `undefined` object property is left out, as JSON does.
 */
export function encodeResult(value: unknown, maxBytes: number): Encoded {
  const root = value === undefined ? null : value;
  function check(this: unknown, key: string, v: unknown): unknown {
    const holder = this as object;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (Number.isFinite(v)) return v;
        throw new Bad(holder, key, `${v} (JSON would turn it into null)`);
      case 'undefined':
        if (Array.isArray(holder)) throw new Bad(holder, key, 'undefined in an array (JSON would turn it into null)');
        return v;
      case 'function':
        throw new Bad(holder, key, 'a function');
      case 'symbol':
        throw new Bad(holder, key, 'a symbol');
      case 'bigint':
        throw new Bad(holder, key, 'a BigInt (convert it to a number or a string)');
      case 'object': {
        if (v === null) return v;
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
          const why = lossyObject(v);
          if (why) throw new Bad(holder, key, why);
        }
        // A Buffer reaches here already turned into {type, data} by its toJSON: look at what the holder holds.
        if (proto === Object.prototype) {
          const raw = read(holder, key);
          if (raw !== v && typeof raw === 'object' && raw !== null && ArrayBuffer.isView(raw)) {
            throw new Bad(holder, key, lossyObject(raw) as string);
          }
        }
        return v;
      }
    }
    return v;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(root, check);
  } catch (err) {
    if (err instanceof Bad) {
      const at = err.key === '' ? 'result' : `${pathOf(root, err.holder) ?? 'result…'}${segment(err.holder, err.key)}`;
      return { error: `result is not JSON: ${at} is ${err.why}` };
    }
    const { message } = describeThrown(err);
    if (isError(err) && /circular/i.test(message)) return { error: `result is not JSON-serialisable: ${message}` };
    return { error: `result could not be serialised: reading it threw: ${message}` };
  }
  if (json === undefined) return { error: `result of type ${typeof root} is not JSON-serialisable` };
  // The limit is in UTF-8 bytes, what crosses to the host (a string's length counts UTF-16 units: '€' is 3 bytes).
  if (json.length > maxBytes || (json.length * 3 > maxBytes && Buffer.byteLength(json) > maxBytes)) {
    return {
      error: `result is ${Buffer.byteLength(json)} bytes of JSON, over the ${maxBytes}-byte limit (maxResultMb)`,
    };
  }
  if (nestsDeeperThan(json, MAX_RESULT_DEPTH)) {
    return { error: `result is nested deeper than ${MAX_RESULT_DEPTH} levels` };
  }
  return { json };
}
