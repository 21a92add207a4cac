import { afterAll, describe, expect, it } from 'vitest';
import { SchemaCompiler, SchemaError } from '../../src/schemas/schema-compiler.js';

const manyProperties = (n: number) => ({
  type: 'object',
  properties: Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'string', maxLength: 9, pattern: '^[a-z]+$' }]),
  ),
});

const compiler = new SchemaCompiler();
afterAll(async () => {
  await compiler.close();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SchemaError);
    return (err as Error).message;
  }
  throw new Error('expected a SchemaError');
}

describe('schema compiler', () => {
  it('compiles validators that check values, patterns on the linear-time engine', async () => {
    const [validate] = await compiler.compile([
      {
        where: 'test',
        schema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, required: ['s'] },
      },
    ]);
    expect(validate?.({ s: 'aaa' })).toBe(true);
    expect(validate?.({ s: `${'a'.repeat(100_000)}!` })).toBe(false);
    expect(validate?.({})).toBe(false);
    expect(validate?.errors?.[0]?.keyword).toBe('required');
  });

  it('keeps distinct patterns distinct', async () => {
    const [validate] = await compiler.compile([
      {
        where: 'test',
        schema: {
          type: 'object',
          properties: { a: { type: 'string', pattern: '^a$' }, b: { type: 'string', pattern: '^b$' } },
        },
      },
    ]);
    expect(validate?.({ a: 'a', b: 'b' })).toBe(true);
    expect(validate?.({ a: 'b', b: 'a' })).toBe(false);
  });

  it('names the schema and the JSON pointer of the first problem', async () => {
    expect(await refusal(compiler.compile([{ where: "tool 'x' inputSchema", schema: { type: 'strin' } }]))).toMatch(
      /^tool 'x' inputSchema \/type: must be equal to one of the allowed values/,
    );
    expect(
      await refusal(compiler.compile([{ where: 'w', schema: { properties: { s: { pattern: '(?=a)' } } } }])),
    ).toMatch(/^w \/properties\/s\/pattern: pattern "\(\?=a\)" is not supported/);
    expect(await refusal(compiler.compile([{ where: 'w', schema: { $ref: 'http://example.com/s.json' } }]))).toMatch(
      /^w \/\$ref: only references inside the schema/,
    );
  });

  it('refuses schemas whose validator code is too large', async () => {
    expect(await refusal(compiler.compile([{ where: 'w', schema: manyProperties(600) }]))).toMatch(/too complex/);
  });

  it('stops a compile that takes too long, and compiles again afterwards', async () => {
    const hasty = new SchemaCompiler({ timeoutMs: 1500, maxCodeBytes: 64 * 1024 * 1024 });
    try {
      expect(await refusal(hasty.compile([{ where: 'w', schema: manyProperties(5000) }]))).toMatch(
        /took longer than 1500 ms/,
      );
      const [validate] = await hasty.compile([{ where: 'w', schema: { type: 'integer' } }]);
      expect(validate?.(3)).toBe(true);
    } finally {
      await hasty.close();
    }
  });
});
