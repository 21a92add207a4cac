import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { ModelFormatSchema, Sha256Schema, type Limits, type Requirements } from '@bastion/protocol';
import { limitsShape } from '../config/schema.js';
import { createSchemaAjv } from '../runner/schemas/schema-ajv.js';
import { schemaRuleProblem } from '../runner/schemas/schema-rules.js';

export const PLUGIN_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const modelSchema = z
  .object({
    path: z.string().min(1),
    package: z.string().min(1).optional(),
    format: ModelFormatSchema.default('any'),
    minBytes: z.number().int().min(0).default(16),
    sha256: Sha256Schema.nullable().default(null),
    hint: z.string().optional(),
  })
  .strict();

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
    engines: z
      .object({
        bastion: z
          .string()
          .refine((r) => semver.validRange(r) !== null, "must be an npm semver range, e.g. '^0.1.0'")
          .optional(),
      })
      .strict()
      .default({}),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/**
 * Checks option schemas against the JSON Schema meta-schema and the host's rules, without compiling them: a
 * compile of an untrusted schema runs off the event loop, at load (runner/schemas/).
 */
const schemaChecker = createSchemaAjv({ source: false });

const packageSchema = z.object({
  name: z.string().min(1, 'must be a non-empty string'),
  version: z.string().optional(),
  description: z.string().optional(),
  type: z.literal('module', { message: "must be 'module' (plugins are ES modules)" }),
  main: z.string().min(1).default('index.js'),
  bastion: bastionSchema,
});

/** A plugin folder's static facts, checked without running its code. */
export interface Manifest {
  id: string;
  version: string | null;
  description: string | null;
  /** Absolute path of the entry module, inside the plugin folder. */
  entry: string;
  requires: Requirements;
  /** Limits declared by the plugin (operator overrides are applied later). */
  limits: Partial<Limits>;
  /** Host versions the plugin works with (`bastion.engines.bastion`, an npm semver range), or null for any. */
  engines: string | null;
  /** JSON Schema of the operator's `plugins.<id>.options` (`bastion.options`), or null when undeclared. */
  optionsSchema: Record<string, unknown> | null;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; id: string; problems: string[] };

/** Best-effort id for a folder whose manifest is broken: stable and always a valid id. */
export function fallbackId(folder: string): string {
  const cleaned = path
    .basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 64);
  return cleaned || 'plugin';
}

function idFromName(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

/** Reads and validates `<folder>/package.json`, listing every problem at once. */
export function readManifest(folder: string): ManifestResult {
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
    try {
      const rule = schemaRuleProblem(pkg.bastion.options);
      if (rule) problems.push(`package.json bastion.options ${rule}`);
      else if (!schemaChecker.validateSchema(pkg.bastion.options)) {
        const e = schemaChecker.errors?.[0];
        problems.push(
          `package.json bastion.options: not a valid JSON Schema: ${e ? `${e.instancePath || '/'} ${e.message ?? e.keyword}` : 'invalid'}`,
        );
      }
    } catch (err) {
      problems.push(`package.json bastion.options: not a valid JSON Schema: ${(err as Error).message}`);
    }
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
    },
  };
}
