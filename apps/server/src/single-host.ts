import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthRecord, Limits } from '@bastion/protocol';
import { pino } from 'pino';
import { serverConfigSchema } from './config/schema.js';
import { codeOfStatus } from './errors/coded.js';
import { createServer } from './server.js';
import { readManifest } from './plugins/manifest.js';

/** How {@link openPluginHost} runs the plugin. */
export interface PluginHostOptions {
  /** The operator's `plugins.<id>.options` (checked against the manifest's `bastion.options`), `{}` by default. */
  options?: Record<string, unknown>;
  /** Operator overrides of the plugin's limits. */
  limits?: Partial<Limits>;
  /** Run a `requires.gpu` plugin on the CPU (the operator's `allowCpu`). */
  allowCpu?: boolean;
  /** Where the plugin's log lines go (default: nowhere). */
  log?: (line: string) => void;
}

/** One tool call's outcome as the HTTP API answers it. */
export type HostCallOutcome =
  | { ok: true; status: number; result: unknown }
  | { ok: false; status: number; error: { code: string; message: string; details?: unknown } };

/** A host running one plugin, driven in-process through the real API and sandbox. */
export interface PluginHost {
  /** The plugin id the host registered the folder under. */
  readonly id: string;
  call(tool: string, args: Record<string, unknown>): Promise<HostCallOutcome>;
  health(): Promise<HealthRecord>;
  close(): Promise<void>;
}

/** Binary arguments travel as base64, as a JSON client sends them. */
function toJson(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
  return out;
}

/**
 * Starts a real host (registry, dependency checks, sandboxed workers, HTTP API without a listener) with only the
 * plugin in `folder`: no bundled plugins, and none of the folder's siblings (not even one with the same id). Resolves once the plugin reached its first state (INITIALIZED, FAILED or UNAVAILABLE).
 */
export async function openPluginHost(folder: string, opts: PluginHostOptions = {}): Promise<PluginHost> {
  const dir = realpathSync(path.resolve(folder));
  const read = readManifest(dir);
  const id = read.ok ? read.manifest.id : read.id;
  const plugins: Record<string, Record<string, unknown>> = {
    [id]: { ...opts.limits, allowCpu: opts.allowCpu ?? false, options: opts.options ?? {} },
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-plugin-host-'));
  const config = serverConfigSchema.parse({
    port: 0,
    bundledPlugins: false,
    pluginsDirs: [path.dirname(dir)],
    dataDir,
    logLevel: 'silent',
    file: { plugins },
  });
  const log = opts.log;
  const logger = pino(
    { level: log ? 'info' : 'silent' },
    { write: (line: string) => log?.((JSON.parse(line) as { msg?: string }).msg ?? line) },
  );
  // Only this folder loads: its siblings (which may share its id) never run, and never take its name.
  const server = await createServer(config, { logger, onlyFolders: [dir] });
  await server.loaded;
  const { app } = server;
  return {
    id,
    async call(tool, args) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/plugins/${encodeURIComponent(id)}/tools/${encodeURIComponent(tool)}/run`,
        payload: { args: toJson(args) },
      });
      const body = res.json() as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
      return body.ok
        ? { ok: true, status: res.statusCode, result: body.result }
        : {
            ok: false,
            status: res.statusCode,
            error: body.error ?? { code: codeOfStatus(res.statusCode), message: res.body },
          };
    },
    async health() {
      return (await app.inject({ url: `/v1/plugins/${encodeURIComponent(id)}/health` })).json() as HealthRecord;
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
