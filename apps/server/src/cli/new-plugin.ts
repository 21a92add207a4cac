import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PYTHON_DIR, SERVER_ROOT } from '../paths.js';
import { HOST_VERSION } from '../plugins/host-checks.js';
import { PLUGIN_ID } from '../plugins/manifest.js';
import { scaffoldPythonFiles } from './scaffold-python.js';
import { scaffoldFiles } from './scaffold-template.js';

/** The folder of an installed package, or null when it does not resolve from `from`. */
function packageDir(name: string, from: string): string | null {
  try {
    const entry = createRequire(path.join(from, 'package.json')).resolve(name);
    let dir = path.dirname(entry);
    while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') dir = path.dirname(dir);
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/**
 * Makes `@bastion/sdk` and `@bastion/testkit` resolve from a new plugin folder without a registry: where they do
 * not already (inside this repository they do), the folder's node_modules links to this host's installed copies.
 * Returns the packages it linked.
 */
function linkHostPackages(folder: string): string[] {
  const linked: string[] = [];
  for (const name of ['@bastion/sdk', '@bastion/testkit']) {
    if (packageDir(name, folder)) continue;
    const target = packageDir(name, SERVER_ROOT);
    if (!target) throw new Error(`${name} is not installed next to this host (${SERVER_ROOT}); run 'npm ci' there`);
    const link = path.join(folder, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
    linked.push(name);
  }
  return linked;
}

/**
 * `bastion new-plugin NAME [--dir DIR] [--python]`: a working plugin folder with a test, ready for `npm test`
 * (or, with --python, a native Python plugin ready for `python3 -m unittest`).
 */
export async function newPlugin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, python: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const name = positionals[0];
  if (!name || !PLUGIN_ID.test(name)) {
    console.error(
      'usage: bastion new-plugin NAME [--dir DIR] [--python]   (NAME must match ^[a-z0-9][a-z0-9_-]{0,63}$)',
    );
    return 1;
  }
  const folder = path.resolve(values.dir ?? '.', name);
  if (existsSync(folder)) {
    console.error(`new-plugin: ${folder} already exists; choose another NAME or --dir`);
    return 1;
  }
  const files = values.python ? scaffoldPythonFiles(name, HOST_VERSION, PYTHON_DIR) : scaffoldFiles(name, HOST_VERSION);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
    writeFileSync(path.join(folder, rel), text);
  }
  const rel = path.relative(process.cwd(), folder);
  const shown = rel.startsWith('..') ? folder : rel || '.';
  console.log(`created ${folder}`);
  if (values.python) {
    console.log(`next: cd ${shown} && python3 -m unittest        (then: bastion check-plugin ${shown})`);
    return 0;
  }
  const linked = linkHostPackages(folder);
  if (linked.length) console.log(`linked ${linked.join(' and ')} from this host into ${shown}/node_modules`);
  console.log(`next: cd ${shown} && npm test        (then: bastion check-plugin ${shown})`);
  return 0;
}
