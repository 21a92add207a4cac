import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../../src/errors/bastion-error.js';
import { codeOfStatus, isUnexpected, toCoded } from '../../src/errors/coded.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('toCoded', () => {
  it('keeps a coded error as it is', () => {
    const err = new BastionError('TOOL_ERROR', 'boom', { plugin: 'p', tool: 't' });
    expect(toCoded(err)).toBe(err);
    expect(toCoded(err, { plugin: 'p', tool: 't' })).toBe(err);
  });

  it('turns anything else into INTERNAL_ERROR, keeping it as the cause for the log and out of the message', () => {
    const bug = new TypeError('secret detail');
    const coded = toCoded(bug, { plugin: 'p', tool: 't' });
    expect(coded.code).toBe('INTERNAL_ERROR');
    expect(isUnexpected(coded)).toBe(true);
    expect(coded.cause).toBe(bug);
    expect(coded.toInfo()).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'internal error; see the server log',
      plugin: 'p',
      tool: 't',
    });
    expect(toCoded('a string').code).toBe('INTERNAL_ERROR');
  });

  it('names the call of an error that does not name it yet, without changing the shared original', () => {
    const shared = new BastionError('PLUGIN_BUSY', 'queue full', { plugin: 'p', retryAfterS: 2 });
    const coded = toCoded(shared, { plugin: 'p', tool: 't' });
    expect(coded).not.toBe(shared);
    expect(coded.cause).toBe(shared);
    expect(coded.code).toBe('PLUGIN_BUSY');
    expect(coded.extra).toEqual({ plugin: 'p', tool: 't', retryAfterS: 2 });
    expect(shared.extra.tool).toBeUndefined();
    expect(isUnexpected(coded)).toBe(false);
  });

  it('maps a library answer status to a registry code', () => {
    expect([404, 413, 406, 500, 503].map(codeOfStatus)).toEqual([
      'NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'BAD_REQUEST',
      'INTERNAL_ERROR',
      'INTERNAL_ERROR',
    ]);
  });

  it('is the only maker of INTERNAL_ERROR: no other source file names the code', () => {
    const others = sources(SRC).filter(
      (f) => !f.startsWith(path.join(SRC, 'errors') + path.sep) && readFileSync(f, 'utf8').includes('INTERNAL_ERROR'),
    );
    expect(others.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
