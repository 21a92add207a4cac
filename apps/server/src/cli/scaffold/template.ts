/** What every template is given: the plugin's id and how its folder gets Bastion's own packages. */
export interface ScaffoldContext {
  /** The plugin id (also its folder name). */
  name: string;
  /** This host's version: the plugin declares `engines.bastion: ^<version>`. */
  hostVersion: string;
  /** package.json specs for Bastion's packages (see host-packages.ts): `file:` links outside the repository. */
  packages: HostPackageSpecs;
}

export interface HostPackageSpecs {
  sdk: string;
  testkit: string;
  /** `@bastion/server`, a dev dependency for its `bastion` bin: npm scripts and `npx --no-install` find ours. */
  server: string;
}

/**
 * One kind of plugin `bastion new-plugin` can create (`--typescript`, …): its files by path relative to the new
 * folder, and the commands that take an author from scaffold to a passing test.
 */
export interface ScaffoldTemplate {
  /** The flag that picks it (`--typescript`); the default template has none. */
  flag: string | null;
  /** What the next-steps hint tells the author to run in the new folder. */
  firstSteps: string;
  files(ctx: ScaffoldContext): Record<string, string>;
}
