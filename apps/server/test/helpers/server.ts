import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { serverConfigSchema, type ServerConfigInput } from '../../src/config/schema.js';
import type { GpuProbeOptions } from '../../src/plugins/checks/gpu.js';
import { createServer, type BastionServer } from '../../src/server.js';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins');
/** Plugins that attack the host itself (forged frames, hostile schemas); loaded only by the tests about them. */
export const HOSTILE_FIXTURES_DIR = path.resolve(FIXTURES_DIR, '..', 'hostile-plugins');

export interface TestServer {
  server: BastionServer;
  /** Base URL when started with `listen: true`. */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts a real server (real sandboxed workers) on fixture plugins only, waits until loading finished.
 * Pass `listen: true` for tests that need real sockets (WebSocket, MCP, end-to-end); otherwise use app.inject().
 */
export async function startTestServer(
  opts: {
    config?: Partial<ServerConfigInput>;
    listen?: boolean;
    pluginsDirs?: string[];
    dataDir?: string;
    /** How the GPU probe looks (see gpu.ts helpers); default: this machine's real nvidia-smi and driver. */
    gpu?: GpuProbeOptions;
    /** Where the server logs (default: silent, or BASTION_TEST_LOG's level on stderr). */
    logger?: Logger;
    /** False: memory and process limits by the watchdog even where cgroups work (the fallback's tests). */
    cgroups?: boolean;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'bastion-test-'));
  const config = serverConfigSchema.parse({
    port: 0,
    bundledPlugins: false,
    pluginsDirs: opts.pluginsDirs ?? [FIXTURES_DIR],
    dataDir,
    logLevel: 'silent',
    ...opts.config,
  });
  const server = await createServer(config, {
    logger: opts.logger ?? pino({ level: process.env.BASTION_TEST_LOG ?? 'silent' }),
    ...(opts.gpu ? { gpu: opts.gpu } : {}),
    ...(opts.cgroups === undefined ? {} : { cgroups: opts.cgroups }),
  });
  await server.loaded;
  const url = opts.listen ? await server.listen() : '';
  return {
    server,
    url,
    dataDir,
    async close() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps its lines (parsed) in memory, for tests that assert what is logged. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** POST a tool run through app.inject(). */
export async function runTool(
  server: BastionServer,
  plugin: string,
  tool: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await server.app.inject({
    method: 'POST',
    url: `/v1/plugins/${plugin}/tools/${tool}/run`,
    payload: { args },
    headers,
  });
  return {
    status: res.statusCode,
    body: res.json() as Record<string, unknown> & { error?: { code: string; message: string } },
    headers: res.headers,
  };
}

/** The server still serves: health answers and the healthy fixture still echoes. */
export async function expectStillServing(server: BastionServer): Promise<void> {
  const health = await server.app.inject({ method: 'GET', url: '/v1/plugins' });
  if (health.statusCode !== 200) throw new Error(`GET /v1/plugins answered ${health.statusCode}`);
  const echo = await runTool(server, 'ok', 'echo', { text: 'still here' });
  if (echo.status !== 200 || (echo.body.result as { text?: string }).text !== 'still here') {
    throw new Error(`ok/echo answered ${echo.status}: ${JSON.stringify(echo.body)}`);
  }
}

/** A temporary plugins dir holding copies of just the named fixture plugins (fewer workers per test file). */
export function fixtureSubset(names: string[], from = FIXTURES_DIR): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-fixtures-'));
  for (const name of names) cpSync(path.join(from, name), path.join(dir, name), { recursive: true });
  return dir;
}
