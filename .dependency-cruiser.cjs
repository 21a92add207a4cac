/**
 * dependency-cruiser's configuration: how apps/server/test/architecture/layers.test.ts reads the import graph
 * (TypeScript sources, type-only imports included). That test checks that the folders of apps/server/src import
 * each other without loops (each folder under src/ and each file at its top is one node; docs/architecture.md,
 * "Layout"), and that @bastion/testkit uses only @bastion/server's public entry.
 */
module.exports = {
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
