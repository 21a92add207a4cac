import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BastionError } from '../errors/bastion-error.js';

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const cache = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) a validator for a tool's input or output schema. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((e) => {
    // Point at the offending key itself: the one missing, or the one the schema does not allow.
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty?: string }).additionalProperty);
      return { path: `${e.instancePath}/${key}`, message: `is not an accepted property ('${key}')` };
    }
    const missing =
      e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
    return { path: `${e.instancePath}${missing}` || '/', message: e.message ?? e.keyword };
  });
}

const binaryCache = new WeakMap<object, readonly string[]>();

/** Top-level properties declared as binary (`contentEncoding: 'base64'`); computed once per schema object. */
export function binaryProperties(schema: Record<string, unknown>): readonly string[] {
  let names = binaryCache.get(schema);
  if (!names) {
    names = findBinaryProperties(schema);
    binaryCache.set(schema, names);
  }
  return names;
}

function findBinaryProperties(schema: Record<string, unknown>): string[] {
  const props = schema.properties;
  if (typeof props !== 'object' || props === null) return [];
  return Object.entries(props as Record<string, unknown>)
    .filter(
      ([, p]) =>
        typeof p === 'object' && p !== null && (p as { contentEncoding?: unknown }).contentEncoding === 'base64',
    )
    .map(([name]) => name);
}

const DATA_URL = /^data:[^,]*;base64,/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Base64 text to bytes, refusing anything that is not base64. Node's decoder skips characters it does not know, so
 * the text is checked: in the common case (canonical padded base64, what every encoder writes) by encoding the
 * result again and comparing, which costs less than half of a regex scan over megabytes; other spellings
 * (URL-safe alphabet, no padding, line breaks, a data: URL) take the regex path.
 */
function decodeBase64(value: string, name: string): Buffer {
  if (!value.startsWith('data:')) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.toString('base64') === value) return bytes;
  }
  let body = value.replace(DATA_URL, '');
  if (!BASE64.test(body)) body = body.replace(/\s+/g, '');
  if (!BASE64.test(body) || body.length % 4 === 1) {
    throw new BastionError('INVALID_INPUT', `argument '${name}' is not valid base64`, {
      details: [{ path: `/${name}`, message: 'must be base64 or a data: URL' }],
    });
  }
  return Buffer.from(body, 'base64');
}

function invalidArguments(errors: ErrorObject[] | null | undefined): BastionError {
  const details = describeErrors(errors);
  return new BastionError(
    'INVALID_INPUT',
    `invalid arguments: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    { details },
  );
}

/**
 * Validates arguments against a tool's input schema and turns binary properties into Uint8Array: base64 and
 * data: URLs from JSON, Buffers from multipart uploads. Throws INVALID_INPUT listing every problem.
 */
export function prepareArgs(schema: Record<string, unknown>, raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BastionError('INVALID_INPUT', 'args must be a JSON object', {
      details: [{ path: '/', message: 'must be object' }],
    });
  }
  const args = raw as Record<string, unknown>;
  const binary = binaryProperties(schema);
  const validate = compileSchema(schema);
  // Without binary properties the arguments go on as they are (validation does not change them).
  if (binary.length === 0) {
    if (!validate(args)) throw invalidArguments(validate.errors);
    return args;
  }
  // Uploaded files are validated as if they were the base64 text they stand for.
  const forValidation: Record<string, unknown> = { ...args };
  for (const name of binary) {
    if (Object.hasOwn(args, name) && args[name] instanceof Uint8Array) forValidation[name] = '';
  }
  if (!validate(forValidation)) throw invalidArguments(validate.errors);
  const out: Record<string, unknown> = { ...args };
  for (const name of binary) {
    const value = args[name];
    if (typeof value === 'string') out[name] = new Uint8Array(decodeBase64(value, name));
    else if (value instanceof Uint8Array) out[name] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return out;
}
