import type { ScaffoldContext } from './template.js';

/**
 * The package.json of a new JavaScript or TypeScript plugin: the `bastion` manifest the host reads, the
 * SDK as its one dependency, the testkit and the CLI for its tests and scripts. `bastion` in these scripts
 * resolves to the `@bastion/server` dev dependency's bin, never to an unrelated npm package of that name.
 */
export function pluginPackageJson(
  ctx: ScaffoldContext,
  opts: {
    main: string;
    scripts: Record<string, string>;
    devDependencies?: Record<string, string>;
  },
): string {
  const pkg = {
    name: `bastion-plugin-${ctx.name}`,
    version: '0.1.0',
    private: true,
    description: `The ${ctx.name} plugin for Bastion`,
    type: 'module',
    main: opts.main,
    scripts: {
      ...opts.scripts,
      check: 'bastion check-plugin .',
      serve: 'bastion serve --watch --no-bundled-plugins --plugins-dir ..',
    },
    dependencies: { '@bastion/sdk': ctx.packages.sdk },
    devDependencies: {
      '@bastion/server': ctx.packages.server,
      '@bastion/testkit': ctx.packages.testkit,
      ...opts.devDependencies,
    },
    bastion: {
      id: ctx.name,
      apiVersion: 1,
      description: `The ${ctx.name} plugin`,
      engines: { bastion: `^${ctx.hostVersion}` },
      requires: { gpu: false, packages: ['@bastion/sdk'], binaries: [], network: false, models: [] },
      limits: { timeoutMs: 60000, memoryMb: 512, concurrency: 1, maxQueue: 32 },
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** The README's "Develop" section, shared by the JavaScript and TypeScript templates. */
export function developSection(steps: { test: string; extra?: string }): string {
  return `## Develop

- \`npm install\` links Bastion's SDK, testkit and CLI (\`file:\` links to the host that scaffolded this folder).
- \`${steps.test}\` loads the plugin in Bastion's real sandbox with \`loadPlugin\` from \`@bastion/testkit\` and
  calls its tools as a client would.${steps.extra ? `\n${steps.extra}` : ''}
- \`npm run check\` checks the manifest and requirements and loads it once (\`bastion check-plugin .\`).
- \`npm run serve\` serves every plugin in the parent folder and restarts this one when its files change.
- \`npx --no-install bastion <command> --help\` runs this folder's Bastion CLI, never a package of that name
  from the registry.

Add a dependency with \`npm install <package>\` and list it in \`bastion.requires.packages\` so the host checks
that it resolves before loading the plugin.
`;
}
