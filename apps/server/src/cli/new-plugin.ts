import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HOST_VERSION } from '../plugins/host-checks.js';
import { PLUGIN_ID } from '../plugins/manifest.js';
import { hostPackageSpecs } from './scaffold/host-packages.js';
import { TEMPLATES } from './scaffold/templates.js';

const USAGE = `usage: bastion new-plugin NAME [--dir DIR] [${TEMPLATES.flatMap((t) => (t.flag ? [`--${t.flag}`] : [])).join(' | ')}]   (NAME must match ^[a-z0-9][a-z0-9_-]{0,63}$)`;

/** `bastion new-plugin NAME [--dir DIR] [--typescript]`: a working plugin folder with a test. */
export async function newPlugin(argv: string[]): Promise<number> {
  const flags = Object.fromEntries(TEMPLATES.flatMap((t) => (t.flag ? [[t.flag, { type: 'boolean' as const }]] : [])));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { dir: { type: 'string' }, ...flags }, allowPositionals: true });
  } catch (err) {
    console.error(`new-plugin: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const name = positionals[0];
  if (!name || !PLUGIN_ID.test(name) || positionals.length > 1) {
    console.error(USAGE);
    return 1;
  }
  const picked = TEMPLATES.filter((t) => t.flag && (values as Record<string, unknown>)[t.flag] === true);
  if (picked.length > 1) {
    console.error(`new-plugin: pick one of ${picked.map((t) => `--${t.flag}`).join(', ')}`);
    return 1;
  }
  const template = picked[0] ?? (TEMPLATES[0] as (typeof TEMPLATES)[number]);
  const folder = path.resolve(values.dir ?? '.', name);
  if (existsSync(folder)) {
    console.error(`new-plugin: ${folder} already exists; choose another NAME or --dir`);
    return 1;
  }
  const files = template.files({ name, hostVersion: HOST_VERSION, packages: hostPackageSpecs(folder, HOST_VERSION) });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
    writeFileSync(path.join(folder, rel), text);
  }
  const rel = path.relative(process.cwd(), folder);
  const shown = rel.startsWith('..') ? folder : rel || '.';
  console.log(`created ${folder}`);
  console.log(`next: cd ${shown} && ${template.firstSteps}     (then: npm run check, npm run serve)`);
  return 0;
}
