import type { FastifyRequest } from 'fastify';
import { BastionError } from '../errors/bastion-error.js';

/**
 * Reads `{args}` from a JSON body, or from multipart: file parts become binary args named by their field, a
 * field `args` holds JSON, and other fields are plain string args. Extra top-level keys are returned as `rest`.
 */
export async function readArgsBody(
  request: FastifyRequest,
): Promise<{ args: Record<string, unknown>; rest: Record<string, unknown> }> {
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

async function readMultipart(
  request: FastifyRequest,
): Promise<{ args: Record<string, unknown>; rest: Record<string, unknown> }> {
  {
    const args: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    let jsonArgs: Record<string, unknown> = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        args[part.fieldname] = await part.toBuffer();
      } else if (part.fieldname === 'args') {
        jsonArgs = parseArgsJson(String(part.value));
      } else if (['plugin', 'tool'].includes(part.fieldname)) {
        rest[part.fieldname] = String(part.value);
      } else {
        args[part.fieldname] = String(part.value);
      }
    }
    return { args: { ...jsonArgs, ...args }, rest };
  }
}

function readJson(request: FastifyRequest): { args: Record<string, unknown>; rest: Record<string, unknown> } {
  const body = request.body;
  if (body === undefined || body === null) return { args: {}, rest: {} };
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BastionError('BAD_REQUEST', 'the body must be a JSON object like {"args": {...}}');
  }
  const { args, ...rest } = body as Record<string, unknown>;
  if (args === undefined) return { args: {}, rest };
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new BastionError('INVALID_INPUT', '"args" must be a JSON object', {
      details: [{ path: '/', message: 'must be object' }],
    });
  }
  return { args: args as Record<string, unknown>, rest };
}

function parseArgsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BastionError('BAD_REQUEST', 'the multipart field "args" must hold a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BastionError('BAD_REQUEST', 'the multipart field "args" must hold a JSON object');
  }
  // JSON.parse keeps "__proto__" as an own key; never let it reach an object spread as a prototype.
  if (Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor')) {
    throw new BastionError(
      'BAD_REQUEST',
      'the multipart field "args" contains a forbidden key (__proto__ or constructor)',
    );
  }
  return value as Record<string, unknown>;
}
