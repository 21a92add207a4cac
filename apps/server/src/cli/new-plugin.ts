import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PLUGIN_ID } from '../plugins/manifest.js';

/** `bastion new-plugin NAME [--dir DIR]`: a minimal working plugin folder to start from. */
export async function newPlugin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' } },
    allowPositionals: true,
  });
  const name = positionals[0];
  if (!name || !PLUGIN_ID.test(name)) {
    console.error('usage: bastion new-plugin NAME [--dir DIR]   (NAME must match ^[a-z0-9][a-z0-9_-]{0,63}$)');
    return 1;
  }
  const folder = path.resolve(values.dir ?? '.', name);
  if (existsSync(folder)) {
    console.error(`new-plugin: ${folder} already exists`);
    return 1;
  }
  mkdirSync(folder, { recursive: true });
  const pkg = {
    name: `bastion-plugin-${name}`,
    version: '0.1.0',
    type: 'module',
    main: 'index.js',
    bastion: {
      id: name,
      apiVersion: 1,
      description: `The ${name} plugin`,
      requires: { gpu: false, packages: [], binaries: [], network: false, models: [] },
      limits: { timeoutMs: 60000, memoryMb: 512, concurrency: 1, maxQueue: 32 },
    },
  };
  writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    path.join(folder, 'index.js'),
    `// A Bastion plugin: the default export lists its tools. See docs/plugin-authoring.md.
/** @type {import('@bastion/sdk').PluginDefinition} */
export default {
  tools: {
    image_size: {
      description: 'Returns the size in bytes of an uploaded file',
      inputSchema: {
        type: 'object',
        properties: { image: { type: 'string', contentEncoding: 'base64' } },
        required: ['image'],
      },
      handler: async ({ image }, ctx) => {
        ctx.progress(100, 'done');
        return { bytes: image.byteLength };
      },
    },
  },
  // init: async (ctx) => { /* load models once per worker */ },
  // validate: async (ctx) => { /* prove it works; throwing marks the plugin FAILED */ },
};
`,
  );
  console.log(`created ${folder}\nnext: bastion check-plugin ${path.relative(process.cwd(), folder) || '.'}`);
  return 0;
}
