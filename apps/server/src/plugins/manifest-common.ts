import path from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { ModelFormatSchema, Sha256Schema, type Limits, type Requirements } from '@bastion/protocol';
import { createSchemaAjv } from '../schemas/schema-ajv.js';
import { schemaRuleProblem } from '../schemas/schema-rules.js';

/** What Node and Python manifests share: the id rule, model entries, option schemas and the result shape. */

export const PLUGIN_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const modelSchema = z
  .object({
    path: z.string().min(1),
    package: z.string().min(1).optional(),
    format: ModelFormatSchema.default('any'),
    minBytes: z.number().int().min(0).default(16),
    sha256: Sha256Schema.nullable().default(null),
    hint: z.string().optional(),
  })
  .strict();

/**
 * Checks option schemas against the JSON Schema meta-schema and the host's rules, without compiling them: a
 * compile of an untrusted schema runs off the event loop, at load (schemas/).
 */
const schemaChecker = createSchemaAjv({ source: false });

/** Why an option schema is refused (text to follow the field's name), or null when it is fine. */
/** `bastion.engines`: the host versions a plugin runs on (package.json and pyproject.toml alike). */
export const enginesSchema = z
  .object({
    bastion: z
      .string()
      .refine((r) => semver.validRange(r) !== null, "must be an npm semver range, e.g. '^0.1.0'")
      .optional(),
  })
  .strict()
  .default({});

export function optionsSchemaProblem(schema: Record<string, unknown>): string | null {
  try {
    const rule = schemaRuleProblem(schema);
    if (rule) return ` ${rule}`;
    if (!schemaChecker.validateSchema(schema)) {
      const e = schemaChecker.errors?.[0];
      return `: not a valid JSON Schema: ${e ? `${e.instancePath || '/'} ${e.message ?? e.keyword}` : 'invalid'}`;
    }
    return null;
  } catch (err) {
    return `: not a valid JSON Schema: ${(err as Error).message}`;
  }
}

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
  /** Set for a Python plugin (a folder with a pyproject.toml, python-manifest.ts); null for a Node one. */
  python: PythonManifest | null;
}

/** What a Python plugin declares beyond the common fields. */
export interface PythonManifest {
  /** `native` ([tool.bastion]) or `forgesyte` (a `forgesyte.plugins` entry point naming a BasePlugin class). */
  style: 'native' | 'forgesyte';
  /** The interpreter the plugin names (`[tool.bastion.python] executable`, absolute), or null for the default. */
  executable: string | null;
  /** PEP 440 range of the interpreter (`requires.python`, else `[project] requires-python`), or null. */
  versionRange: string | null;
  /** Top-level modules that must be importable (`requires.modules`). */
  modules: string[];
  /** `[project].dependencies`: PEP 508 requirements checked against installed distributions. */
  dependencies: string[];
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
