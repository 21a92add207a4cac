import type { FastifyRequest } from 'fastify';
import { BastionError } from '../errors/bastion-error.js';

/** Deeper JSON than this is refused: no tool needs it, and recursive code further on (IPC, validators) could overflow. */
export const MAX_JSON_DEPTH = 64;
/** JSON.parse keeps these as own keys; merged or spread later they could reach a prototype. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** A multipart file part as sent: its file name and declared media type (the bytes are the arg's value). */
export interface PartInfo {
  name: string | null;
  contentType: string | null;
}

/** What a body carried: the args, extra top-level keys, and for multipart the file parts' names and types. */
export interface ArgsBody {
  args: Record<string, unknown>;
  rest: Record<string, unknown>;
  /** Binary args that came as file parts, by arg name (multipart only). */
  parts: Record<string, PartInfo>;
  /** The optional `input_preview` file part of a job submission (kept apart from the args). */
  preview: { bytes: Buffer; contentType: string | null } | null;
  /** Args that came from multipart text fields: strings whatever the tool's schema says. */
  textFields: string[];
}

/**
 * Reads `{args}` from a JSON body, or from multipart: file parts become binary args named by their field, a
 * field `args` holds JSON, and other fields are plain string args (named in `textFields`, for coerceFormFields).
 * Extra top-level keys are returned as `rest`.
 */
export async function readArgsBody(request: FastifyRequest): Promise<ArgsBody> {
  if (request.isMultipart()) {
    try {
      return await readMultipart(request);
    } catch (err) {
      // Errors with a status (size limits) keep it; parser errors (no boundary, truncated body) are the client's.
      if (err instanceof BastionError || typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err;
      throw new BastionError('BAD_REQUEST', `malformed multipart body: ${(err as Error).message}`);
    }
  }
  return readJson(request);
}

async function readMultipart(request: FastifyRequest): Promise<ArgsBody> {
  {
    const args: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    const parts: Record<string, PartInfo> = {};
    let preview: ArgsBody['preview'] = null;
    const textFields: string[] = [];
    let jsonArgs: Record<string, unknown> = {};
    for await (const part of request.parts()) {
      const name: unknown = part.fieldname;
      if (typeof name !== 'string' || !name) {
        throw new BastionError(
          'BAD_REQUEST',
          'every multipart part needs a name (Content-Disposition: form-data; name=...)',
        );
      }
      if (FORBIDDEN_KEYS.has(name)) {
        throw new BastionError('BAD_REQUEST', `the multipart part name '${name}' is not allowed`);
      }
      if (part.type === 'file' && part.fieldname === 'input_preview') {
        preview = { bytes: await part.toBuffer(), contentType: part.mimetype || null };
      } else if (part.type === 'file') {
        args[part.fieldname] = await part.toBuffer();
        parts[part.fieldname] = { name: part.filename || null, contentType: part.mimetype || null };
      } else if (part.fieldname === 'args') {
        jsonArgs = parseArgsJson(String(part.value));
      } else if (['plugin', 'tool'].includes(part.fieldname)) {
        rest[part.fieldname] = String(part.value);
      } else {
        args[part.fieldname] = String(part.value);
        textFields.push(part.fieldname);
      }
    }
    return { args: { ...jsonArgs, ...args }, rest, textFields, parts, preview };
  }
}

function readJson(request: FastifyRequest): ArgsBody {
  const body = request.body;
  if (body === undefined || body === null) return { args: {}, rest: {}, parts: {}, preview: null, textFields: [] };
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BastionError('BAD_REQUEST', 'the body must be a JSON object like {"args": {...}}');
  }
  const { args, ...rest } = body as Record<string, unknown>;
  if (args === undefined) return { args: {}, rest, parts: {}, preview: null, textFields: [] };
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new BastionError('INVALID_INPUT', '"args" must be a JSON object', {
      details: [{ path: '/', message: 'must be object' }],
    });
  }
  return { args: args as Record<string, unknown>, rest, parts: {}, preview: null, textFields: [] };
}

function parseArgsJson(text: string): Record<string, unknown> {
  const value = parseJsonText(text, 'the multipart field "args"');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BastionError('BAD_REQUEST', 'the multipart field "args" must hold a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Throws BAD_REQUEST when a parsed JSON value nests deeper than MAX_JSON_DEPTH or (unless `keys` is false) holds a
 * forbidden key.
 */
export function checkJsonValue(value: unknown, what = 'the body', keys = true): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new BastionError('BAD_REQUEST', `${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    if (Array.isArray(node)) {
      for (const v of node) stack.push([v, depth + 1]);
      continue;
    }
    for (const [k, v] of Object.entries(node)) {
      if (keys && FORBIDDEN_KEYS.has(k))
        throw new BastionError('BAD_REQUEST', `${what} contains the forbidden key '${k}'`);
      stack.push([v, depth + 1]);
    }
  }
}

/** JSON.parse for anything a client sends: malformed JSON, too deep nesting and forbidden keys are BAD_REQUEST. */
export function parseJsonText(text: string, what = 'the body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BastionError('BAD_REQUEST', `${what} is not valid JSON`);
  }
  checkJsonValue(value, what);
  return value;
}
