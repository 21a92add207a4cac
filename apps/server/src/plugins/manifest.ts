import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { limitsShape } from '../config/schema.js';
import {
  enginesSchema,
  fallbackId,
  modelSchema,
  optionsSchemaProblem,
  PLUGIN_ID,
  type ManifestResult,
} from './manifest-common.js';
import { isPythonFolder, readPythonManifest } from './python-manifest.js';

export { fallbackId, PLUGIN_ID, type Manifest, type ManifestResult, type PythonManifest } from './manifest-common.js';

const bastionSchema = z
  .object({
    id: z.string().regex(PLUGIN_ID, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$').optional(),
    apiVersion: z.literal(1, { message: 'must be 1' }),
    description: z.string().optional(),
    requires: z
      .object({
        gpu: z.boolean().default(false),
        packages: z.array(z.string().min(1)).default([]),
        binaries: z.array(z.string().regex(/^[^/\s]+$/, 'a binary name, not a path')).default([]),
        network: z.boolean().default(false),
        models: z.array(modelSchema).default([]),
      })
      .strict()
      .default({ gpu: false, packages: [], binaries: [], network: false, models: [] }),
    limits: z.object(limitsShape).strict().default({}),
    engines: enginesSchema,
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const packageSchema = z.object({
  name: z.string().min(1, 'must be a non-empty string'),
  version: z.string().optional(),
  description: z.string().optional(),
  type: z.literal('module', { message: "must be 'module' (plugins are ES modules)" }),
  main: z.string().min(1).default('index.js'),
  bastion: bastionSchema,
});

function idFromName(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

/**
 * Reads and validates a plugin folder's manifest, listing every problem at once: `pyproject.toml` for a Python
 * plugin (see python-manifest.ts), else `package.json`.
 */
export function readManifest(folder: string): ManifestResult {
  if (isPythonFolder(folder)) return readPythonManifest(folder);
  const file = path.join(folder, 'package.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    return { ok: false, id: fallbackId(folder), problems: [`package.json: ${why}`] };
  }
  const looseName = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  const looseId = (raw as { bastion?: { id?: unknown } } | null)?.bastion?.id;
  const guessId =
    typeof looseId === 'string' && PLUGIN_ID.test(looseId)
      ? looseId
      : typeof looseName === 'string' && PLUGIN_ID.test(idFromName(looseName))
        ? idFromName(looseName)
        : fallbackId(folder);

  const parsed = packageSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      id: guessId,
      problems: parsed.error.issues.map((i) => `package.json ${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  const pkg = parsed.data;
  const problems: string[] = [];
  const id = pkg.bastion.id ?? idFromName(pkg.name);
  if (!PLUGIN_ID.test(id)) {
    problems.push(`plugin id '${id}' (from the package name) must match ^[a-z0-9][a-z0-9_-]{0,63}$; set bastion.id`);
  }
  const entry = path.resolve(folder, pkg.main);
  if (!entry.startsWith(path.resolve(folder) + path.sep)) {
    problems.push(`package.json main: '${pkg.main}' points outside the plugin folder`);
  }
  for (const model of pkg.bastion.requires.models) {
    if (path.isAbsolute(model.path) || model.path.split(/[\\/]/).includes('..')) {
      problems.push(`package.json bastion.requires.models: '${model.path}' must be a relative path inside the folder`);
    }
  }
  if (pkg.bastion.options) {
    const problem = optionsSchemaProblem(pkg.bastion.options);
    if (problem) problems.push(`package.json bastion.options${problem}`);
  }
  if (problems.length) return { ok: false, id: PLUGIN_ID.test(id) ? id : guessId, problems };
  const { requires } = pkg.bastion;
  return {
    ok: true,
    manifest: {
      id,
      version: pkg.version ?? null,
      description: pkg.bastion.description ?? pkg.description ?? null,
      entry,
      requires: {
        gpu: requires.gpu,
        packages: requires.packages,
        binaries: requires.binaries,
        network: requires.network,
        models: requires.models.map((m) => ({
          path: m.path,
          package: m.package ?? null,
          format: m.format,
          minBytes: m.minBytes,
          sha256: m.sha256,
          hint: m.hint ?? null,
        })),
      },
      limits: pkg.bastion.limits,
      engines: pkg.bastion.engines.bastion ?? null,
      optionsSchema: pkg.bastion.options ?? null,
      python: null,
    },
  };
}
