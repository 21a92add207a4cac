import { developSection, pluginPackageJson } from './manifest.js';
import type { ScaffoldTemplate } from './template.js';

/** The tool every JavaScript/TypeScript template starts with: its schemas and handler body, shared. */
export const IMAGE_SIZE_TOOL = `{
  description: 'Returns the size in bytes of an uploaded file',
  // Arguments are checked against this schema before the handler runs; base64 strings arrive as bytes.
  inputSchema: {
    type: 'object',
    properties: { image: { type: 'string', contentEncoding: 'base64', description: 'Any file' } },
    required: ['image'],
    additionalProperties: false,
  },
  // The host checks every result against this schema (INVALID_OUTPUT when it does not match).
  outputSchema: {
    type: 'object',
    properties: { bytes: { type: 'integer', minimum: 1 } },
    required: ['bytes'],
    additionalProperties: false,
  },
  handler: async ({ image }, ctx) => {
    // A caller's mistake: 400 INVALID_INPUT for them, and no failure counted against the plugin.
    if (image.byteLength === 0) throw new InputError('image is empty; send a file of at least one byte');
    ctx.progress(100, 'done');
    return { bytes: image.byteLength };
  },
}`;

/** The tests every JavaScript/TypeScript template starts with (node:test, the plugin loaded in the sandbox). */
export function pluginTest(pluginDirUrl: string, stateType: string): string {
  return `// Runs the plugin in Bastion's real sandbox, as the server would: npm test
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPlugin } from '@bastion/testkit';

const pluginDir = fileURLToPath(new URL('${pluginDirUrl}', import.meta.url));
let plugin${stateType};

before(async () => {
  plugin = await loadPlugin(pluginDir);
});
after(() => plugin?.close());

test('loads and lists its tool', async () => {
  const health = await plugin.health();
  assert.equal(health.state, 'INITIALIZED', health.reason ?? '');
  assert.deepEqual(health.tools, ['image_size']);
});

test('counts the bytes of a file', async () => {
  assert.deepEqual(await plugin.call('image_size', { image: new Uint8Array([1, 2, 3]) }), { bytes: 3 });
});

test("an empty file is the caller's mistake, not the plugin's", async () => {
  await assert.rejects(plugin.call('image_size', { image: new Uint8Array() }), { code: 'INVALID_INPUT' });
  await assert.rejects(plugin.call('image_size', {}), { code: 'INVALID_INPUT' });
  assert.equal((await plugin.health()).error_count, 0);
});
`;
}

function indent(text: string, by: string): string {
  return text.replace(/\n(?=.)/g, `\n${by}`);
}

/** `bastion new-plugin NAME`: a JavaScript plugin (ESM), its tests run by `node --test`. */
export const javascriptTemplate: ScaffoldTemplate = {
  flag: null,
  firstSteps: 'npm install && npm test',
  files: (ctx) => ({
    'package.json': pluginPackageJson(ctx, { main: 'index.js', scripts: { test: 'node --test' } }),
    '.gitignore': 'node_modules/\n',
    'index.js': `// The ${ctx.name} Bastion plugin: the default export lists its tools. Types come from the SDK (see README.md).
import { definePlugin, defineTool, InputError } from '@bastion/sdk';

export default definePlugin({
  tools: {
    image_size: defineTool(${indent(IMAGE_SIZE_TOOL, '    ')}),
  },
  // init: async (ctx) => ({ model: await load(ctx.pluginDir) }),  // returns the state handlers get as ctx.state
  // validate: async (ctx) => { /* prove it works; throwing marks the plugin FAILED */ },
});
`,
    'test/plugin.test.js': pluginTest('..', ''),
    'README.md': `# ${ctx.name}

A Bastion plugin. \`index.js\` default-exports the plugin: its tools, each with a JSON
Schema for its arguments and its result, and an optional \`init\`/\`validate\`/\`dispose\`.

${developSection({ test: 'npm test' })}
## Tools

- \`image_size\` — \`{ image }\` (a file) → \`{ bytes }\`.
`,
  }),
};
