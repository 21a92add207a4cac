import type { ErrorObject, ValidateFunction } from 'ajv';
import { BastionError } from '../errors/bastion-error.js';
import type { CallPlace } from '../errors/coded.js';
import { describeErrors } from '../schemas/schema-errors.js';

const DATA_URL = /^data:[^,]*;base64,/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Base64 text to bytes, refusing anything that is not base64. Node's decoder skips characters it does not know, so
 * the text is checked: in the common case (canonical padded base64, what every encoder writes) by encoding the
 * result again and comparing, which costs less than half of a regex scan over megabytes; other spellings
 * (URL-safe alphabet, no padding, line breaks, a data: URL) take the regex path.
 */
function decodeBase64(value: string, name: string, place: CallPlace | undefined): Buffer {
  if (!value.startsWith('data:')) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.toString('base64') === value) return bytes;
  }
  let body = value.replace(DATA_URL, '');
  if (!BASE64.test(body)) body = body.replace(/\s+/g, '');
  if (!BASE64.test(body) || body.length % 4 === 1) {
    throw new BastionError('INVALID_INPUT', `argument '${name}' is not valid base64`, {
      ...place,
      details: [{ path: `/${name}`, message: 'must be base64 or a data: URL' }],
    });
  }
  return Buffer.from(body, 'base64');
}

function invalidArguments(errors: ErrorObject[] | null | undefined, place: CallPlace | undefined): BastionError {
  const details = describeErrors(errors);
  return new BastionError(
    'INVALID_INPUT',
    `invalid arguments: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    { ...place, details },
  );
}

/** What prepareArgs needs of a tool: its compiled argument check and its binary properties. */
export interface ArgsCheck {
  readonly validateInput: ValidateFunction;
  readonly binary: readonly string[];
}

/** Runs the compiled check; a check that throws (arguments nested past the stack) refuses them, never the host. */
function check(tool: ArgsCheck, args: Record<string, unknown>, place: CallPlace | undefined): void {
  let valid: boolean;
  try {
    valid = tool.validateInput(args) as boolean;
  } catch (err) {
    throw new BastionError('INVALID_INPUT', 'arguments could not be checked against the input schema', {
      ...place,
      details: [{ path: '/', message: err instanceof RangeError ? 'nested too deeply' : 'could not be checked' }],
    });
  }
  if (!valid) throw invalidArguments(tool.validateInput.errors, place);
}

/**
 * Validates arguments against a tool's input schema and turns binary properties into Uint8Array: base64 and
 * data: URLs from JSON, Buffers from multipart uploads. Throws INVALID_INPUT listing every problem, naming `place`.
 */
export function prepareArgs(tool: ArgsCheck, raw: unknown, place?: CallPlace): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BastionError('INVALID_INPUT', 'args must be a JSON object', {
      ...place,
      details: [{ path: '/', message: 'must be object' }],
    });
  }
  const args = raw as Record<string, unknown>;
  const { binary } = tool;
  // Without binary properties the arguments go on as they are (validation does not change them).
  if (binary.length === 0) {
    check(tool, args, place);
    return args;
  }
  // Uploaded files are validated as if they were the base64 text they stand for.
  const forValidation: Record<string, unknown> = { ...args };
  for (const name of binary) {
    if (Object.hasOwn(args, name) && args[name] instanceof Uint8Array) forValidation[name] = '';
  }
  check(tool, forValidation, place);
  const out: Record<string, unknown> = { ...args };
  for (const name of binary) {
    const value = args[name];
    if (typeof value === 'string') out[name] = new Uint8Array(decodeBase64(value, name, place));
    else if (value instanceof Uint8Array) out[name] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return out;
}
