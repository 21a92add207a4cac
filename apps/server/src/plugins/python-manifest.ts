import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
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

/** `package.module:NAME`, the form of both a native entry and a ForgeSyte entry point. */
const ENTRY = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$/;
const MODULE = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;

const toolBastionSchema = z
  .object({
    id: z.string().regex(PLUGIN_ID, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$').optional(),
    apiVersion: z.literal(1, { message: 'must be 1' }),
    description: z.string().optional(),
    entry: z.string().regex(ENTRY, "must be 'package.module:NAME'"),
    requires: z
      .object({
        gpu: z.boolean().default(false),
        binaries: z.array(z.string().regex(/^[^/\s]+$/, 'a binary name, not a path')).default([]),
        network: z.boolean().default(false),
        models: z.array(modelSchema).default([]),
        python: z.string().min(1).optional(),
        modules: z.array(z.string().regex(MODULE, 'a module name, e.g. cv2')).default([]),
      })
      .strict()
      .default({ gpu: false, binaries: [], network: false, models: [], modules: [] }),
    python: z
      .object({ executable: z.string().min(1).optional() })
      .strict()
      .default({}),
    limits: z.object(limitsShape).strict().default({}),
    engines: enginesSchema,
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const projectSchema = z
  .object({
    name: z.string().optional(),
    version: z.string().optional(),
    description: z.string().optional(),
    'requires-python': z.string().optional(),
    dependencies: z.array(z.string()).default([]),
    'entry-points': z.record(z.string(), z.record(z.string(), z.string())).optional(),
  })
  .loose();

interface Pyproject {
  project?: unknown;
  tool?: { bastion?: unknown };
}

const FORGESYTE_GROUP = 'forgesyte.plugins';

function readToml(file: string): { ok: true; doc: Pyproject } | { ok: false; problem: string } {
  try {
    return { ok: true, doc: parseToml(readFileSync(file, 'utf8')) as Pyproject };
  } catch (err) {
    return { ok: false, problem: `pyproject.toml: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Whether a pyproject declares a plugin: a [tool.bastion] table or a ForgeSyte entry point. */
function declaresPlugin(doc: Pyproject): boolean {
  const project = doc.project as { 'entry-points'?: Record<string, unknown> } | undefined;
  return doc.tool?.bastion !== undefined || project?.['entry-points']?.[FORGESYTE_GROUP] !== undefined;
}

/**
 * A folder holding a pyproject.toml is a Python plugin; where a package.json sits beside it, only when the
 * pyproject declares a plugin (a Node plugin may carry Python tooling).
 */
export function isPythonFolder(folder: string): boolean {
  const file = path.join(folder, 'pyproject.toml');
  if (!existsSync(file)) return false;
  if (!existsSync(path.join(folder, 'package.json'))) return true;
  const read = readToml(file);
  return read.ok && declaresPlugin(read.doc);
}

/** Reads and validates a Python plugin's pyproject.toml (native or ForgeSyte), listing every problem at once. */
export function readPythonManifest(folder: string): ManifestResult {
  const read = readToml(path.join(folder, 'pyproject.toml'));
  if (!read.ok) return { ok: false, id: fallbackId(folder), problems: [read.problem] };
  const { doc } = read;
  const project = projectSchema.safeParse(doc.project ?? {});
  if (!project.success) {
    return {
      ok: false,
      id: fallbackId(folder),
      problems: project.error.issues.map((i) => `pyproject.toml project.${i.path.join('.')}: ${i.message}`),
    };
  }
  const proj = project.data;
  if (doc.tool?.bastion === undefined) return forgesyteManifest(folder, proj);
  const parsed = toolBastionSchema.safeParse(doc.tool.bastion);
  const looseId = (doc.tool.bastion as { id?: unknown } | null)?.id;
  const guessId = typeof looseId === 'string' && PLUGIN_ID.test(looseId) ? looseId : fallbackId(folder);
  if (!parsed.success) {
    return {
      ok: false,
      id: guessId,
      problems: parsed.error.issues.map(
        (i) => `pyproject.toml tool.bastion${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`,
      ),
    };
  }
  const b = parsed.data;
  const id = b.id ?? proj.name ?? '';
  const problems: string[] = [];
  if (!PLUGIN_ID.test(id)) {
    problems.push(`plugin id '${id}' (from project.name) must match ^[a-z0-9][a-z0-9_-]{0,63}$; set tool.bastion.id`);
  }
  for (const model of b.requires.models) {
    // System data files (e.g. Debian's opencv-data) are named by absolute path; relative ones stay inside.
    if (!path.isAbsolute(model.path) && model.path.split(/[\\/]/).includes('..')) {
      problems.push(`pyproject.toml tool.bastion.requires.models: '${model.path}' must not leave the plugin folder`);
    }
  }
  if (b.options) {
    const problem = optionsSchemaProblem(b.options);
    if (problem) problems.push(`pyproject.toml tool.bastion.options${problem}`);
  }
  if (problems.length) return { ok: false, id: PLUGIN_ID.test(id) ? id : guessId, problems };
  return {
    ok: true,
    manifest: {
      id,
      version: proj.version ?? null,
      description: b.description ?? proj.description ?? null,
      entry: b.entry,
      requires: {
        gpu: b.requires.gpu,
        packages: [],
        binaries: b.requires.binaries,
        network: b.requires.network,
        models: b.requires.models.map((m) => ({
          path: m.path,
          package: m.package ?? null,
          format: m.format,
          minBytes: m.minBytes,
          sha256: m.sha256,
          hint: m.hint ?? null,
        })),
      },
      limits: b.limits,
      engines: b.engines.bastion ?? null,
      optionsSchema: b.options ?? null,
      python: {
        style: 'native',
        executable: b.python.executable ? path.resolve(folder, b.python.executable) : null,
        versionRange: b.requires.python ?? proj['requires-python'] ?? null,
        modules: b.requires.modules,
        dependencies: proj.dependencies,
      },
    },
  };
}

/** A ForgeSyte plugin: its id is the `forgesyte.plugins` entry point's name, its entry the `module:Class`. */
function forgesyteManifest(folder: string, proj: z.infer<typeof projectSchema>): ManifestResult {
  const points = Object.entries(proj['entry-points']?.[FORGESYTE_GROUP] ?? {});
  const guess = fallbackId(folder);
  if (points.length !== 1) {
    return {
      ok: false,
      id: guess,
      problems: [
        points.length === 0
          ? `pyproject.toml declares no plugin: add a [tool.bastion] table (a native plugin) or one [project.entry-points."${FORGESYTE_GROUP}"] entry (a ForgeSyte plugin)`
          : `pyproject.toml declares ${points.length} ForgeSyte plugins; Bastion loads one plugin per folder`,
      ],
    };
  }
  const [id, entry] = points[0] as [string, string];
  const problems: string[] = [];
  if (!PLUGIN_ID.test(id)) problems.push(`ForgeSyte entry point name '${id}' must match ^[a-z0-9][a-z0-9_-]{0,63}$`);
  if (!ENTRY.test(entry.trim())) problems.push(`ForgeSyte entry point '${id}' = '${entry}' must be 'module:Class'`);
  if (problems.length) return { ok: false, id: PLUGIN_ID.test(id) ? id : guess, problems };
  return {
    ok: true,
    manifest: {
      id,
      version: proj.version ?? null,
      description: proj.description ?? null,
      entry: entry.trim(),
      requires: { gpu: false, packages: [], binaries: [], network: false, models: [] },
      limits: {},
      engines: null,
      optionsSchema: null,
      python: {
        style: 'forgesyte',
        executable: null,
        versionRange: proj['requires-python'] ?? null,
        modules: [],
        dependencies: proj.dependencies,
      },
    },
  };
}
