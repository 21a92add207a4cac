import { IMAGE_SIZE_TOOL, pluginTest } from './javascript.js';
import { developSection, pluginPackageJson } from './manifest.js';
import type { ScaffoldTemplate } from './template.js';

/** The compiler the template builds with; the same major as this repository's. */
const TYPESCRIPT = '~5.9.3';
const NODE_TYPES = '^20.19.0';

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: '.',
    outDir: 'dist',
    sourceMap: true,
  },
  include: ['src', 'test'],
};

/**
 * `bastion new-plugin NAME --typescript`: sources in src/ and test/, built by tsc into dist/ (what the host loads);
 * `defineTool` infers each handler's argument and result types from its schemas, so a shape is written once.
 */
export const typescriptTemplate: ScaffoldTemplate = {
  flag: 'typescript',
  firstSteps: 'npm install && npm test',
  files: (ctx) => ({
    'package.json': pluginPackageJson(ctx, {
      main: 'dist/src/index.js',
      scripts: {
        build: 'tsc -p .',
        dev: 'tsc -p . --watch --preserveWatchOutput',
        test: 'tsc -p . && node --test dist/test/',
        prepare: 'tsc -p .',
      },
      devDependencies: { '@types/node': NODE_TYPES, typescript: TYPESCRIPT },
    }),
    'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/index.ts': `// The ${ctx.name} Bastion plugin: the default export lists its tools (see README.md).
import { definePlugin, defineTool, InputError } from '@bastion/sdk';

/** Argument and result types follow from the schemas: \`image\` is a Uint8Array, the result \`{ bytes: number }\`. */
export const imageSize = defineTool(${IMAGE_SIZE_TOOL});

export default definePlugin({
  tools: { image_size: imageSize },
  // init: async (ctx) => ({ model: await load(ctx.pluginDir) }),  // returns the state handlers get as ctx.state
  // validate: async (ctx) => { /* prove it works; throwing marks the plugin FAILED */ },
});
`,
    'test/plugin.test.ts': pluginTest('../..', ': LoadedPlugin | undefined')
      .replace(
        "import { loadPlugin } from '@bastion/testkit';",
        "import { loadPlugin, type LoadedPlugin } from '@bastion/testkit';",
      )
      .replace(/await plugin\.(health|call)\(/g, 'await plugin!.$1(')
      .replace(/assert\.rejects\(plugin\.call/g, 'assert.rejects(plugin!.call'),
    'README.md': `# ${ctx.name}

A Bastion plugin in TypeScript. \`src/index.ts\` default-exports the plugin: its tools, each with a JSON
Schema for its arguments and its result (\`defineTool\` derives the handler's types from them), and an optional
\`init\`/\`validate\`/\`dispose\`. \`tsc\` builds it into \`dist/\`, which is what the host loads (\`main\`).

${developSection({
  test: 'npm test',
  extra:
    '- `npm run dev` rebuilds on every change; with `npm run serve` running, the plugin restarts after each build.',
})}
## Tools

- \`image_size\` — \`{ image }\` (a file) → \`{ bytes }\`.
`,
  }),
};
