// Starting Bastion for a benchmark: in-process (createServer, for the runner API) or as the real CLI in its own
// process (for anything measured over HTTP, so the load generator never shares the server's event loop).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep } from './stats.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = path.join(root, 'apps/server/test/fixtures/plugins');
export const tmp = (prefix) => mkdtempSync(path.join(tmpdir(), `bastion-bench-${prefix}-`));

/**
 * A plugins dir holding copies of the named fixture plugins, plus `copies` renamed copies of a fixture
 * (`{ ok: 20 }` → ok-0 … ok-19).
 */
export function subset(names, copies = {}) {
  const dir = tmp('plugins');
  for (const n of names) cpSync(path.join(fixtures, n), path.join(dir, n), { recursive: true });
  for (const [n, count] of Object.entries(copies)) {
    for (let i = 0; i < count; i++) {
      const to = path.join(dir, `${n}-${i}`);
      cpSync(path.join(fixtures, n), to, { recursive: true });
      const pkg = JSON.parse(readFileSync(path.join(to, 'package.json'), 'utf8'));
      pkg.bastion.id = `${n}-${i}`;
      writeFileSync(path.join(to, 'package.json'), JSON.stringify(pkg));
    }
  }
  return dir;
}

/**
 * createServer() in this process (dist/ must be built). `file` is the config file's content; `cgroups: false`
 * forces the watchdog enforcement of memory and process limits.
 */
export async function startInProcess(pluginsDir, file = {}, { listen = false, cgroups } = {}) {
  const { createServer } = await import(pathToFileURL(path.join(root, 'apps/server/dist/server.js')).href);
  const { serverConfigSchema } = await import(pathToFileURL(path.join(root, 'apps/server/dist/config/schema.js')).href);
  const { pino } = await import('pino');
  const config = serverConfigSchema.parse({
    port: 0,
    bundledPlugins: false,
    pluginsDirs: [pluginsDir],
    dataDir: tmp('data'),
    file,
  });
  const server = await createServer(config, {
    logger: pino({ level: 'silent' }),
    ...(cgroups === undefined ? {} : { cgroups }),
  });
  await server.loaded;
  const url = listen ? await server.listen() : '';
  return { server, url };
}

/**
 * The real CLI (`bastion serve`) in a child process, sandboxed workers and all. Resolves once /readyz answers 200.
 * `pluginsDir` null = bundled plugins only; `config` is written to a config file; `nodeArgs` go before the script
 * (e.g. --cpu-prof); `env` is added to the environment.
 */
export async function startCli({ pluginsDir = null, config = {}, nodeArgs = [], env = {}, logLevel = 'error' } = {}) {
  const dataDir = tmp('data');
  const configFile = path.join(dataDir, '..', `${path.basename(dataDir)}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const args = [
    ...nodeArgs,
    path.join(root, 'apps/server/bin/bastion.js'),
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--config',
    configFile,
    ...(pluginsDir ? ['--no-bundled-plugins', '--plugins-dir', pluginsDir] : []),
  ];
  const t0 = performance.now();
  const { child, url, exit, exited } = await spawnListening(args, { BASTION_LOG_LEVEL: logLevel, ...env });
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    if (res?.status === 200) break;
    if (exited()) throw new Error('server exited while loading');
    await sleep(50);
  }
  const readyMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    readyMs,
    /** The exit status once it has exited on its own (a host crash), else null. */
    exited,
    async stop() {
      if (!exited()) child.kill('SIGTERM');
      const status = await exit;
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(configFile, { force: true });
      return status;
    },
  };
}

/** Spawns `node ...args` and resolves once it prints `listening on URL`. */
async function spawnListening(args, env = {}) {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let status = null;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve((status = { code, signal }))));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exit.then(() => reject(new Error(`${args.join(' ')} exited before listening: ${out}`)));
  });
  return { child, url, exit, exited: () => status };
}

/** The fastify + Piscina peer (bench/lib/peer-server.mjs) in its own process. */
export async function startPeer(threads = 2, constantBody = '[]') {
  const file = path.join(tmp('peer'), 'constant.json');
  writeFileSync(file, constantBody);
  const { child, url, exit } = await spawnListening([
    path.join(root, 'bench/lib/peer-server.mjs'),
    String(threads),
    file,
  ]);
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exit;
      rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}

/** POSTs JSON and returns { status, body }. */
export async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The health records of a running server. */
export const plugins = async (url) => (await fetch(`${url}/v1/plugins`)).json();
