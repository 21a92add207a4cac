import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  definePlugin,
  defineTool,
  InputError,
  isInputError,
  type ArgsOf,
  type ResultOf,
  type ToolContext,
} from '../src/index.js';

describe('InputError', () => {
  it('carries its name, message and details', () => {
    const err = new InputError('image is not a picture', { field: 'image' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('InputError');
    expect(err.message).toBe('image is not a picture');
    expect(err.details).toEqual({ field: 'image' });
    expect(new InputError('x').details).toBeUndefined();
  });

  it('is recognised by name, also when thrown without the SDK', () => {
    expect(isInputError(new InputError('x'))).toBe(true);
    expect(isInputError(Object.assign(new Error('x'), { name: 'InputError' }))).toBe(true);
    expect(isInputError(new Error('x'))).toBe(false);
    expect(isInputError(new TypeError('x'))).toBe(false);
    expect(isInputError(null)).toBe(false);
    expect(isInputError('InputError')).toBe(false);
  });
});

describe('types from the schema', () => {
  const _schema = {
    type: 'object',
    properties: {
      image: { type: 'string', contentEncoding: 'base64' },
      threshold: { type: 'number', default: 25 },
      mode: { enum: ['fast', 'best'] },
    },
    required: ['image'],
    additionalProperties: false,
  } as const;

  it('derives handler arguments (binary as bytes) and results', () => {
    expectTypeOf<ArgsOf<typeof _schema>>().toEqualTypeOf<{
      image: Uint8Array;
      threshold?: number;
      mode?: 'fast' | 'best';
    }>();
    expectTypeOf<
      ResultOf<{ type: 'object'; properties: { n: { type: 'integer' } }; required: ['n']; additionalProperties: false }>
    >().toEqualTypeOf<{ n: number }>();
  });

  it('defineTool types the handler from inline schemas and returns the tool unchanged', async () => {
    const tool = defineTool({
      description: 'size',
      inputSchema: {
        type: 'object',
        properties: { image: { type: 'string', contentEncoding: 'base64' } },
        required: ['image'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { bytes: { type: 'integer' } },
        required: ['bytes'],
        additionalProperties: false,
      },
      handler: ({ image }) => ({ bytes: image.byteLength }),
    });
    expectTypeOf(tool.handler).parameter(0).toEqualTypeOf<{ image: Uint8Array }>();
    expectTypeOf(tool.handler).returns.toEqualTypeOf<{ bytes: number } | Promise<{ bytes: number }>>();
    const ctx = {
      signal: new AbortController().signal,
      progress() {},
      partial() {},
      log() {},
      pluginDir: '/',
      config: {},
    };
    expect(await tool.handler({ image: new Uint8Array(3) }, ctx)).toEqual({ bytes: 3 });
  });

  it('hands the plugin state to handlers as ctx.state', async () => {
    interface State {
      greeting: string;
    }
    const plugin = definePlugin({
      init: (): State => ({ greeting: 'hi' }),
      tools: {
        hello: defineTool({
          description: 'greets',
          inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          handler: ({ name }, ctx: ToolContext<State>) => `${ctx.state.greeting} ${name}`,
        }),
      },
    });
    const state = await plugin.init();
    const ctx = {
      signal: new AbortController().signal,
      progress() {},
      partial() {},
      log() {},
      pluginDir: '/',
      config: {},
    };
    expect(await plugin.tools.hello.handler({ name: 'ada' }, { ...ctx, state })).toBe('hi ada');
    // @ts-expect-error a plugin with state needs ctx.state
    const _withoutState = () => plugin.tools.hello.handler({ name: 'ada' }, ctx);
  });
});
