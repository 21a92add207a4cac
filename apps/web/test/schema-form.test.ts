import { describe, expect, it } from 'vitest';
import { buildArgs, humanize, initialValues, rangeText, schemaToFields, splitList } from '../src/lib/schema-form';
import { IMAGE_ACCEPT, describeAccept } from '../src/lib/media';

const detectSchema = {
  type: 'object',
  properties: {
    image: { type: 'string', contentEncoding: 'base64', description: 'The image: JPEG or PNG' },
    min_score: { type: 'number', minimum: 0, maximum: 1, default: 0.3 },
    max_results: { type: 'integer', minimum: 1, maximum: 100 },
    classes: { type: 'array', items: { type: 'string' } },
    mode: { type: 'string', enum: ['fast', 'accurate'], default: 'fast' },
    verbose: { type: 'boolean' },
    text: { type: 'string', maxLength: 1000 },
    session_id: { type: 'string', minLength: 1, maxLength: 8, pattern: '^[a-z]+$' },
    region: { type: 'object', properties: { x: { type: 'number' } } },
  },
  required: ['image', 'session_id'],
  additionalProperties: false,
};

const file = { name: 'a.png', size: 3, type: 'image/png' };

describe('schemaToFields', () => {
  it('maps each JSON Schema property to a field kind', () => {
    const { fields, acceptsExtra } = schemaToFields(detectSchema);
    expect(acceptsExtra).toBe(false);
    expect(Object.fromEntries(fields.map((f) => [f.name, f.kind]))).toEqual({
      image: 'binary',
      min_score: 'number',
      max_results: 'integer',
      classes: 'string-array',
      mode: 'enum',
      verbose: 'boolean',
      text: 'text',
      session_id: 'string',
      region: 'json',
    });
    const image = fields.find((f) => f.name === 'image')!;
    // The description names JPEG and PNG: the picker offers exactly those.
    expect(image).toMatchObject({ required: true, accept: 'image/jpeg,image/png', media: 'image', label: 'Image' });
    const score = fields.find((f) => f.name === 'min_score')!;
    expect(score).toMatchObject({ minimum: 0, maximum: 1, defaultValue: 0.3, required: false, label: 'Min score' });
    expect(rangeText(score)).toBe('0 – 1');
  });

  it('recognises video inputs and open schemas', () => {
    const { fields, acceptsExtra } = schemaToFields({
      type: 'object',
      properties: {
        video: { type: 'string', contentEncoding: 'base64' },
        file: { type: 'string', contentEncoding: 'base64' },
      },
    });
    expect(acceptsExtra).toBe(true);
    expect(fields[0]).toMatchObject({ kind: 'binary', media: 'video', accept: 'video/*,image/gif' });
    expect(fields[1]).toMatchObject({ kind: 'binary', media: 'other', accept: null });
  });

  it('treats a schema without properties (or no schema) as a tool without fields', () => {
    expect(schemaToFields({ type: 'object' })).toEqual({ fields: [], acceptsExtra: true });
    expect(schemaToFields(null)).toEqual({ fields: [], acceptsExtra: true });
  });

  it('handles nullable types', () => {
    const { fields } = schemaToFields({ properties: { n: { type: ['integer', 'null'] } } });
    expect(fields[0]!.kind).toBe('integer');
  });
});

describe('initialValues and buildArgs', () => {
  const { fields } = schemaToFields(detectSchema);

  it('prefills defaults and sends them', () => {
    const values = initialValues(fields);
    expect(values).toMatchObject({ min_score: '0.3', mode: '0', image: null, classes: '', verbose: undefined });
    const built = buildArgs(fields, { ...values, image: file, session_id: 'cam' });
    expect(built.errors).toEqual({});
    expect(built.files).toEqual({ image: file });
    expect(built.args).toEqual({ min_score: 0.3, mode: 'fast', session_id: 'cam' });
  });

  it('converts each kind and leaves empty optional fields out', () => {
    const built = buildArgs(fields, {
      image: file,
      min_score: ' 0.5 ',
      max_results: '10',
      classes: 'person, car\n dog ,',
      mode: '1',
      verbose: false,
      text: 'hello',
      session_id: 'abc',
      region: '{"x": 1}',
    });
    expect(built.errors).toEqual({});
    expect(built.args).toEqual({
      min_score: 0.5,
      max_results: 10,
      classes: ['person', 'car', 'dog'],
      mode: 'accurate',
      verbose: false,
      text: 'hello',
      session_id: 'abc',
      region: { x: 1 },
    });
  });

  it('reports missing required fields and values out of range', () => {
    const built = buildArgs(fields, {
      image: null,
      min_score: '2',
      max_results: '1.5',
      session_id: 'ABC',
      region: '{nope',
    });
    expect(built.errors.image).toBe('choose a file');
    expect(built.errors.min_score).toBe('must be ≤ 1');
    expect(built.errors.max_results).toBe('must be a whole number');
    expect(built.errors.session_id).toMatch(/must match/);
    expect(built.errors.region).toMatch(/not valid JSON/);
    expect(buildArgs(fields, { image: file }).errors.session_id).toBe('required');
    expect(buildArgs(fields, { image: file, session_id: 'abcdefghij' }).errors.session_id).toBe('at most 8 characters');
    expect(buildArgs(fields, { image: file, session_id: 'a', min_score: 'x' }).errors.min_score).toBe(
      'must be a number',
    );
  });

  it('merges extra JSON arguments and refuses prototype keys', () => {
    expect(buildArgs([], {}, '{"a": 1}')).toMatchObject({ args: { a: 1 }, errors: {} });
    expect(buildArgs([], {}, '[1]').errors._extra).toMatch(/JSON object/);
    expect(buildArgs([], {}, '{"__proto__": {"x": 1}}').errors._extra).toMatch(/__proto__/);
    expect(buildArgs([], {}, '{').errors._extra).toMatch(/not valid JSON/);
  });
});

describe('helpers', () => {
  it('humanizes names and splits lists', () => {
    expect(humanize('session_id')).toBe('Session id');
    expect(humanize('minScore')).toBe('Min score');
    expect(splitList(' a, b\n\nc ,')).toEqual(['a', 'b', 'c']);
  });
});

describe('file pickers follow the formats a tool names', () => {
  it('offers BMP and PNM where the description names them (OCR), with a hint that says so', () => {
    const { fields } = schemaToFields({
      type: 'object',
      properties: {
        image: {
          type: 'string',
          contentEncoding: 'base64',
          description: 'PNG, JPEG, WebP, GIF, TIFF, AVIF, BMP or PNM (PBM/PGM/PPM/PAM) image',
        },
      },
    });
    const accept = fields[0]!.accept!;
    expect(accept.split(',')).toEqual(expect.arrayContaining(['image/bmp', '.bmp', '.pnm', '.pgm', '.ppm', '.pbm']));
    expect(describeAccept(accept)).toBe('JPEG, PNG, WebP, GIF, TIFF, AVIF, BMP or PNM (PBM/PGM/PPM/PAM)');
  });

  it('keeps the default image formats for a description that names none', () => {
    const { fields } = schemaToFields({
      type: 'object',
      properties: { image: { type: 'string', contentEncoding: 'base64', description: 'A photo' } },
    });
    expect(fields[0]!.accept).toBe(IMAGE_ACCEPT);
    expect(describeAccept(IMAGE_ACCEPT)).toBe('JPEG, PNG, WebP, GIF, TIFF or AVIF');
  });

  it('spells out abbreviations instead of a bare "Psm"', () => {
    expect(humanize('psm')).toBe('Page segmentation mode (psm)');
    expect(humanize('constructor')).toBe('Constructor');
  });
});
