/** The files of a new plugin (`bastion new-plugin`), by path relative to its folder. */
export function scaffoldFiles(name: string, hostVersion: string): Record<string, string> {
  const pkg = {
    name: `bastion-plugin-${name}`,
    version: '0.1.0',
    private: true,
    description: `The ${name} plugin for Bastion`,
    type: 'module',
    main: 'index.js',
    scripts: { test: 'node --test' },
    dependencies: { '@bastion/sdk': `^${hostVersion}` },
    devDependencies: { '@bastion/testkit': `^${hostVersion}` },
    bastion: {
      id: name,
      apiVersion: 1,
      description: `The ${name} plugin`,
      engines: { bastion: `^${hostVersion}` },
      requires: { gpu: false, packages: ['@bastion/sdk'], binaries: [], network: false, models: [] },
      limits: { timeoutMs: 60000, memoryMb: 512, concurrency: 1, maxQueue: 32 },
    },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    '.gitignore': 'node_modules/\n',
    'index.js': `// The ${name} Bastion plugin: the default export lists its tools. Types come from the SDK (see README.md).
import { definePlugin, defineTool, InputError } from '@bastion/sdk';

export default definePlugin({
  tools: {
    image_size: defineTool({
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
    }),
  },
  // init: async (ctx) => ({ model: await load(ctx.pluginDir) }),  // returns the state handlers get as ctx.state
  // validate: async (ctx) => { /* prove it works; throwing marks the plugin FAILED */ },
});
`,
    'test/plugin.test.js': `// Runs the plugin in Bastion's real sandbox, as the server would: npm test
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPlugin } from '@bastion/testkit';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
let plugin;

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
`,
    'README.md': `# ${name}

A Bastion plugin. \`index.js\` default-exports the plugin: its tools, each with a JSON
Schema for its arguments and its result, and an optional \`init\`/\`validate\`/\`dispose\`.

## Develop

- \`npm test\` runs \`test/plugin.test.js\`: it loads the plugin in Bastion's real sandbox with \`loadPlugin\`
  from \`@bastion/testkit\` and calls its tools as a client would.
- \`bastion check-plugin .\` checks the manifest and requirements and loads it once.
- \`bastion serve --plugins-dir ..\` serves it (with every other plugin in the parent folder).

\`@bastion/sdk\` and \`@bastion/testkit\` come with the Bastion host: \`bastion new-plugin\` linked them into
\`node_modules/\` where they did not resolve already. Declare every npm package the plugin imports in
\`bastion.requires.packages\` so the host checks it before loading.

## Tools

- \`image_size\` — \`{ image }\` (a file) → \`{ bytes }\`.
`,
  };
}
