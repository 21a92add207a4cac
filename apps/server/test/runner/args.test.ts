import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../../src/errors/bastion-error.js';
import { prepareArgs, type ArgsCheck } from '../../src/runner/args.js';
import { binaryProperties } from '../../src/schemas/binary-properties.js';
import { createSchemaAjv } from '../../src/schemas/schema-ajv.js';

const schema: ArgsCheck = checkOf({
  type: 'object',
  properties: { file: { type: 'string', contentEncoding: 'base64' }, label: { type: 'string' } },
  required: ['file'],
  additionalProperties: false,
});

function checkOf(json: Record<string, unknown>): ArgsCheck {
  return { validateInput: createSchemaAjv({ source: false }).compile(json), binary: binaryProperties(json) };
}

const decode = (file: unknown): Uint8Array => prepareArgs(schema, { file }).file as Uint8Array;

function refusal(file: unknown): BastionError {
  try {
    prepareArgs(schema, { file });
  } catch (err) {
    if (err instanceof BastionError) return err;
    throw err;
  }
  throw new Error(`accepted ${String(file)}`);
}

describe('binary arguments', () => {
  // Lengths 0..6 cover every padding case (none, '=', '==').
  const samples = [...Array.from({ length: 7 }, (_, n) => randomBytes(n)), randomBytes(3 * 1024 * 1024 + 1)];

  it('decodes every spelling of base64 to the same bytes', () => {
    for (const bytes of samples) {
      const canonical = bytes.toString('base64');
      const spellings = [
        canonical,
        canonical.replace(/=+$/, ''),
        bytes.toString('base64url'),
        `data:application/octet-stream;base64,${canonical}`,
        canonical.replace(/(.{76})/g, '$1\r\n'),
        ` ${canonical.replace(/(.{4})/g, '$1\n')} `,
      ];
      for (const text of spellings) expect(Buffer.from(decode(text)).equals(bytes)).toBe(true);
    }
  });

  it('refuses text that is not base64, wherever the bad character is', () => {
    const good = randomBytes(3000).toString('base64');
    const cases = [
      '###not base64###',
      `${good.slice(0, 1000)}!${good.slice(1001)}`,
      `${good.slice(0, -1)}*`,
      `*${good.slice(1)}`,
      `${good}=`,
      `${good}===`,
      'QUJD=RA==',
      'QUJDR',
      `data:image/png;base64,${good.slice(0, 10)}%${good.slice(11)}`,
    ];
    for (const text of cases) {
      const err = refusal(text);
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.extra.details).toEqual([{ path: '/file', message: 'must be base64 or a data: URL' }]);
    }
  });

  it('passes uploaded bytes through and keeps other arguments', () => {
    const bytes = new Uint8Array([7, 8, 9]);
    const args = prepareArgs(schema, { file: bytes, label: 'x' });
    expect(args).toEqual({ file: bytes, label: 'x' });
    expect(refusal(5).code).toBe('INVALID_INPUT');
  });
});
