import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import semver from 'semver';
import { SERVER_ROOT } from '../paths.js';
import type { SchemaCompiler } from '../schemas/schema-compiler.js';
import type { CheckProblem } from './checks/result.js';
import type { Manifest } from './manifest.js';

/** This host's version (apps/server/package.json), what `bastion.engines.bastion` ranges are matched against. */
export const HOST_VERSION = (
  JSON.parse(readFileSync(path.join(SERVER_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The plugin's declared host range against this host's version, before any of its code runs. Prereleases of the
 * host count as their release (a plugin for ^0.2.0 runs on 0.2.0-rc.1).
 */
export function checkEngines(manifest: Manifest, hostVersion: string = HOST_VERSION): CheckProblem | null {
  if (manifest.engines === null) return null;
  const release = semver.coerce(hostVersion)?.version ?? hostVersion;
  if (semver.satisfies(release, manifest.engines)) return null;
  return {
    state: 'FAILED',
    code: 'MANIFEST_INVALID',
    reason: `plugin '${manifest.id}' requires Bastion ${manifest.engines} (bastion.engines.bastion) but this host is ${hostVersion}; install a plugin version built for ${hostVersion} or a host that satisfies ${manifest.engines}`,
  };
}

function describeIssue(e: ErrorObject): string {
  const where = e.instancePath ? `options${e.instancePath.replace(/\//g, '.')}` : 'options';
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown option '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
  }
  if (e.keyword === 'required') {
    return `${where}: missing required option '${String((e.params as { missingProperty: string }).missingProperty)}'`;
  }
  return `${where} ${e.message ?? 'is invalid'}`;
}

/**
 * The operator's `plugins.<id>.options` against the manifest's `bastion.options` schema, before load. Options are
 * checked as declared: no defaults filled in, no coercion, so ctx.config is exactly the operator's file. The schema
 * is compiled off the event loop like the tools' (it is the plugin's, so untrusted).
 */
export async function checkOptions(
  manifest: Manifest,
  options: Record<string, unknown>,
  compiler: SchemaCompiler,
): Promise<CheckProblem | null> {
  if (manifest.optionsSchema === null) return null;
  let validate;
  try {
    [validate] = await compiler.compile([{ where: 'bastion.options', schema: manifest.optionsSchema }]);
  } catch (err) {
    return {
      state: 'FAILED',
      code: 'MANIFEST_INVALID',
      reason: `package.json ${err instanceof Error ? err.message : String(err)}; fix the schema in bastion.options`,
    };
  }
  if (!validate || validate(options)) return null;
  const issues = (validate.errors ?? []).map(describeIssue);
  return {
    state: 'FAILED',
    code: 'OPTIONS_INVALID',
    reason: `config file plugins.${manifest.id}.options does not match the plugin's options schema: ${issues.join('; ')}; fix it in the config file (the schema is bastion.options in the plugin's package.json) and restart the plugin`,
  };
}
