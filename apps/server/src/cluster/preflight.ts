import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterKeys } from './keys.js';
import { redactUrl } from './redact.js';
import { describeRedisError, withDeadline } from './redis.js';

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username/i;

/** How long each preflight step may take; a peer silent for longer is treated as unreachable, not refused. */
const STEP_MS = 2000;

/** What the preflight found; `problem` is a configuration error the node must not start with (exit 2). */
export type PreflightResult = { ok: true; reachable: boolean } | { ok: false; problem: string };

export interface PreflightOptions {
  url: string;
  keys: ClusterKeys;
  /** An id given by the operator (`--node-id`), checked for a live node already using it; null: derived, unique. */
  nodeId: string | null;
  heartbeatMs: number;
  logger: Logger;
}

/**
 * Checks the queue before the node joins: the peer answers `PING` and `INFO` like Redis, the URL's database
 * exists there (Redis would otherwise leave the connection on database 0, in whatever cluster lives there), the
 * password is right, and no live node uses this `--node-id`. A Redis that cannot be reached at all is not a
 * configuration error (the node starts and connects when it can); one that answers wrongly is.
 */
export async function preflight(opts: PreflightOptions): Promise<PreflightResult> {
  const where = redactUrl(opts.url);
  const target = parseQueueUrl(opts.url);
  const client = new Redis({
    ...target,
    db: 0,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: STEP_MS,
    commandTimeout: STEP_MS,
    connectionName: 'bastion-preflight',
  });
  // ioredis reports a refused AUTH as an error event; connect() itself only says the connection closed.
  let lastError = '';
  client.on('error', (err: Error) => (lastError = err.message));
  try {
    try {
      await withDeadline(client.connect(), STEP_MS + 500);
    } catch (err) {
      if (AUTH_REFUSED.test(lastError)) {
        return {
          ok: false,
          problem: `queueUrl: Redis at ${where} refused the credentials in the URL (${describeRedisError(new Error(lastError))})`,
        };
      }
      opts.logger.warn(
        `cluster: the job queue at ${where} cannot be reached now (${describeRedisError(err)}); starting anyway and connecting when it is there`,
      );
      return { ok: true, reachable: false };
    }
    let pong: unknown;
    try {
      pong = await client.ping();
    } catch (err) {
      const text = describeRedisError(err);
      if (AUTH_REFUSED.test(text)) {
        return { ok: false, problem: `queueUrl: Redis at ${where} refused the credentials in the URL (${text})` };
      }
      if (/timed out|no answer/i.test(text)) {
        opts.logger.warn(`cluster: the job queue at ${where} does not answer now; starting anyway and retrying`);
        return { ok: true, reachable: false };
      }
      return { ok: false, problem: `queueUrl: ${where} does not answer like a Redis server (${text})` };
    }
    if (pong !== 'PONG') {
      return { ok: false, problem: `queueUrl: ${where} does not answer PING like a Redis server; is it Redis?` };
    }
    const info = String(await client.info('server').catch(() => ''));
    const version = /redis_version:([0-9.]+)/.exec(info)?.[1];
    if (!version) {
      return { ok: false, problem: `queueUrl: ${where} does not answer INFO like a Redis server; is it Redis?` };
    }
    if (Number(version.split('.')[0]) < 5) {
      return {
        ok: false,
        problem: `queueUrl: Redis at ${where} is version ${version}; cluster mode needs 5.0 or newer`,
      };
    }
    if (target.db > 0) {
      try {
        await client.select(target.db);
      } catch (err) {
        const count = await client
          .config('GET', 'databases')
          .then((r) => (Array.isArray(r) ? String(r[1]) : null))
          .catch(() => null);
        return {
          ok: false,
          problem: `queueUrl: database ${target.db} does not exist on Redis at ${where} (${describeRedisError(err)}${count ? `; it has databases 0 to ${Number(count) - 1}` : ''})`,
        };
      }
    }
    const memory = String(await client.info('memory').catch(() => ''));
    const policy = /maxmemory_policy:(\S+)/.exec(memory)?.[1];
    if (policy && policy !== 'noeviction') {
      opts.logger.warn(
        `cluster: Redis at ${where} has maxmemory-policy ${policy}; BullMQ needs noeviction, or Redis may evict queued jobs and records`,
      );
    }
    if (opts.nodeId !== null) {
      const taken = await nodeIdInUse(client, opts.keys, opts.nodeId, opts.heartbeatMs);
      if (taken) return { ok: false, problem: `nodeId: ${taken}` };
    }
    return { ok: true, reachable: true };
  } finally {
    client.disconnect();
  }
}

/**
 * Whether a live node uses `id`: its heartbeat key exists and is renewed while we watch for a little more than
 * one beat. A key that is not renewed is a dead node's (killed, restarted under the same id): it is taken over.
 */
async function nodeIdInUse(client: Redis, keys: ClusterKeys, id: string, heartbeatMs: number): Promise<string | null> {
  const key = keys.node(id);
  const first = await client.get(key).catch(() => null);
  if (first === null) return null;
  const deadline = Date.now() + Math.ceil(heartbeatMs * 1.5);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(250, heartbeatMs / 4)));
    const now = await client.get(key).catch(() => null);
    if (now === null) return null;
    if (now !== first) {
      const url = safeField(now, 'url');
      return `a live node already uses the id '${id}'${url ? ` (at ${url})` : ''} in this cluster; give each node its own --node-id`;
    }
  }
  return null;
}

function safeField(json: string, field: string): string | null {
  try {
    const value = (JSON.parse(json) as Record<string, unknown>)[field];
    return typeof value === 'string' && value ? value : null;
  } catch {
    return null;
  }
}

/** The connection settings of a queue URL (already validated by the config schema). */
export function parseQueueUrl(url: string): RedisOptions & { db: number } {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    db,
  };
}
