import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterResponse } from '@bastion/protocol';
import { serveArgs, startCli, type CliRun } from '../helpers/cli.js';
import { until } from '../helpers/ws.js';

export const CLUSTER_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface NodeOptions {
  id: string;
  redisUrl: string;
  /** Fixture plugins under test/cluster/fixtures this node has (none: a node without plugins). */
  plugins: string[];
  /** Extra `queue` settings for the config file. */
  queue?: Record<string, unknown>;
  /** Extra top-level config file settings. */
  file?: Record<string, unknown>;
  /** How the queue URL reaches the node: `--queue` (default) or BASTION_QUEUE_URL. */
  urlVia?: 'flag' | 'env';
  /** Extra environment (e.g. BASTION_LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** Extra `serve` flags. */
  flags?: string[];
  /** Wait for /readyz 200 (default true). */
  waitReady?: boolean;
}

/** One real `bastion serve --queue` process with shrunken cluster intervals (job lock 1 s, heartbeat 250 ms), so tests run in seconds. */
export class ClusterNodeProcess {
  private constructor(
    readonly id: string,
    readonly url: string,
    readonly run: CliRun,
    private readonly dir: string,
  ) {}

  static async start(opts: NodeOptions): Promise<ClusterNodeProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), `bastion-node-${opts.id}-`));
    const pluginsDir = path.join(dir, 'plugins');
    mkdirSync(pluginsDir);
    // A plugins dir holding copies of just this node's plugins.
    for (const name of opts.plugins)
      cpSync(path.join(CLUSTER_FIXTURES, name), path.join(pluginsDir, name), { recursive: true });
    const configFile = path.join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        shutdownGraceMs: 500,
        ...opts.file,
        queue: { stalledIntervalMs: 1000, heartbeatMs: 250, ...opts.queue },
      }),
    );
    const viaEnv = opts.urlVia === 'env';
    const run = startCli(
      serveArgs(
        pluginsDir,
        path.join(dir, 'data'),
        '--config',
        configFile,
        ...(viaEnv ? [] : ['--queue', opts.redisUrl]),
        '--node-id',
        opts.id,
        ...(opts.flags ?? []),
      ),
      { ...(viaEnv ? { BASTION_QUEUE_URL: opts.redisUrl } : {}), ...opts.env },
    );
    let url: string;
    try {
      url = await run.url;
    } finally {
      run.exited.then(
        () => rmSync(dir, { recursive: true, force: true }),
        () => {},
      );
    }
    const node = new ClusterNodeProcess(opts.id, url, run, dir);
    if (opts.waitReady !== false) {
      await until(
        async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
        30_000,
        `${opts.id} ready`,
      );
    }
    return node;
  }

  /** Everything the node wrote to stdout and stderr so far. */
  logs(): string {
    const { stdout, stderr } = this.run.output();
    return stdout + stderr;
  }

  async cluster(): Promise<ClusterResponse> {
    return (await (await fetch(`${this.url}/v1/cluster`)).json()) as ClusterResponse;
  }

  /** Waits until this node's `/v1/cluster` lists exactly these node ids. */
  async waitForNodes(ids: string[], timeoutMs = 20_000): Promise<ClusterResponse> {
    const want = [...ids].sort().join(',');
    return until(
      async () => {
        const c = await this.cluster();
        return c.nodes.map((n) => n.id).join(',') === want ? c : undefined;
      },
      timeoutMs,
      `${this.id} to list ${want}`,
    );
  }

  kill(): Promise<unknown> {
    if (this.run.child.exitCode !== null) return Promise.resolve();
    this.run.child.kill('SIGKILL');
    return this.run.exited;
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.run.child.exitCode === null) this.run.child.kill('SIGTERM');
    const exited = await this.run.exited;
    rmSync(this.dir, { recursive: true, force: true });
    return exited;
  }
}
