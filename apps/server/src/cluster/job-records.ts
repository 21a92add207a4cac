import type { ErrorCode, JobStatus } from '@bastion/protocol';
import type { JobView } from '../jobs/backend.js';
import type { Redis } from 'ioredis';
import type { ClusterKeys } from './keys.js';

/**
 * Job records of cluster mode, in Redis: one hash per job of flat fields (a missing field is null), an index of
 * all jobs by submission sequence, and an index of finished jobs by finish time (retention). Every state change
 * is one Lua script, so two nodes never both move a job (e.g. a cancel racing a start). A run is identified by
 * its token (`<node>:<BullMQ lock token>`); a node whose run was taken over (its lock expired) cannot write
 * progress or an outcome any more.
 */

const FINAL = "s == 'succeeded' or s == 'failed' or s == 'cancelled'";

/**
 * KEYS: job, finished, open. ARGV: now, node, token, nowMs, id.
 * → attempts (started), 0 skip (final or gone), -1 cancelled now (a cancel was asked).
 */
const START = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s or ${FINAL} then redis.call('SREM', KEYS[3], ARGV[5]) return 0 end
if redis.call('HGET', KEYS[1], 'cancel') == '1' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[1], 'error_code', 'CANCELLED',
    'error_message', 'the job was cancelled')
  redis.call('HDEL', KEYS[1], 'run')
  redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
  redis.call('SREM', KEYS[3], ARGV[5])
  return -1
end
redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1], 'node', ARGV[2], 'run', ARGV[3], 'progress', '0')
redis.call('HDEL', KEYS[1], 'stage')
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
`;

/** KEYS: job, finished, open. ARGV: id, token ('' = any run), status, now, nowMs, then field/value pairs. → 1 or 0. */
const FINISH = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s or ${FINAL} then redis.call('SREM', KEYS[3], ARGV[1]) return 0 end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'run') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'finished_at', ARGV[4])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HDEL', KEYS[1], 'run')
redis.call('ZADD', KEYS[2], ARGV[5], KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
`;

/** KEYS: job. ARGV: token, progress, stage ('' = none). Only the current run may write. */
const PROGRESS = `
if redis.call('HGET', KEYS[1], 'run') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], 'stage') else redis.call('HSET', KEYS[1], 'stage', ARGV[3]) end
return 1
`;

/** KEYS: job. ARGV: token, uncount ('1' = this start does not count as an attempt). running → queued. */
const REQUEUE = `
if redis.call('HGET', KEYS[1], 'run') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', '0')
redis.call('HDEL', KEYS[1], 'run', 'node', 'started_at', 'stage')
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'attempts', -1) end
return 1
`;

/** KEYS: job, finished, open. ARGV: now, nowMs, id. → 1 cancelled (was queued), 2 cancel asked (running), 0 final/gone. */
const CANCEL = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s or ${FINAL} then return 0 end
if s == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[1], 'error_code', 'CANCELLED',
    'error_message', 'the job was cancelled')
  redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
  redis.call('SREM', KEYS[3], ARGV[3])
  return 1
end
redis.call('HSET', KEYS[1], 'cancel', '1')
return 2
`;

/**
 * KEYS: job. ARGV: status seen, run seen ('' = none). A job the reconciler found with no BullMQ job behind it, still
 * as it was seen (same status, same run): a running one goes back to queued (its start still counts). → 1 or 0.
 */
const ORPHAN = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
if (redis.call('HGET', KEYS[1], 'run') or '') ~= ARGV[2] then return 0 end
if ARGV[1] == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', '0')
  redis.call('HDEL', KEYS[1], 'run', 'node', 'started_at', 'stage')
end
return 1
`;

/** What the reconciler needs to know about an open job. */
export interface OpenJob {
  id: string;
  status: string | null;
  plugin: string | null;
  run: string | null;
  node: string | null;
  /** The BullMQ job data (JSON), kept with the record so a lost queue entry can be added again. */
  data: string | null;
  createdAt: string | null;
}

type Fields = Record<string, string>;

export type FinalStatus = 'succeeded' | 'failed' | 'cancelled';

export interface Outcome {
  /** The result as the worker serialised it, stored as it is. */
  resultJson?: string;
  error?: { code: string; message: string };
  progress?: number;
  stage?: string | null;
}

function toView(id: string, f: Fields): JobView {
  return {
    job_id: id,
    plugin: f.plugin ?? '',
    tool: f.tool ?? '',
    status: (f.status ?? 'queued') as JobStatus,
    progress: Number(f.progress ?? 0),
    stage: f.stage ?? null,
    resultJson: f.result ?? null,
    error: f.error_code === undefined ? null : { code: f.error_code as ErrorCode, message: f.error_message ?? '' },
    created_at: f.created_at ?? '',
    started_at: f.started_at ?? null,
    finished_at: f.finished_at ?? null,
    node: f.node ?? null,
    attempts: Number(f.attempts ?? 0),
  };
}

/** How many index entries one list request reads at most while filtering (keeps a request bounded). */
const LIST_SCAN_MAX = 5000;
const LIST_BATCH = 200;

export class ClusterJobRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  /** `data` is the BullMQ job's data (JSON), kept so a queue entry that went missing can be added again. */
  async create(id: string, plugin: string, tool: string, data: string): Promise<JobView> {
    const seq = await this.redis.incr(this.keys.jobSeq);
    const createdAt = new Date().toISOString();
    await this.redis
      .multi()
      .hset(this.keys.job(id), {
        plugin,
        tool,
        status: 'queued',
        progress: '0',
        attempts: '0',
        created_at: createdAt,
        seq: String(seq),
        data,
      })
      .zadd(this.keys.jobs, seq, id)
      .sadd(this.keys.open, id)
      .exec();
    return toView(id, { plugin, tool, status: 'queued', progress: '0', attempts: '0', created_at: createdAt });
  }

  /** Undoes a create whose queue entry could not be written. */
  async remove(id: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.job(id), this.keys.input(id))
      .zrem(this.keys.jobs, id)
      .zrem(this.keys.finished, this.keys.job(id))
      .srem(this.keys.open, id)
      .exec();
  }

  async get(id: string): Promise<JobView | null> {
    const f = await this.redis.hgetall(this.keys.job(id));
    return f.status ? toView(id, f) : null;
  }

  /** Whether a cancel has been asked for this job. */
  async cancelAsked(id: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.job(id), 'cancel')) === '1';
  }

  /** The node running the job confirms it got the cancel (see ClusterJobBackend.cancel). */
  async ackCancel(id: string): Promise<void> {
    await this.redis.hset(this.keys.job(id), 'cancel_ack', '1');
  }

  async cancelAcked(id: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.job(id), 'cancel_ack')) === '1';
  }

  /** Newest first, filtered; `before` is a sequence number from a previous page. */
  async list(q: {
    status?: JobStatus | undefined;
    plugin?: string | undefined;
    beforeSeq?: number | undefined;
    limit: number;
  }): Promise<{ jobs: JobView[]; nextBeforeSeq: number | null }> {
    const jobs: JobView[] = [];
    let max = q.beforeSeq === undefined ? '+inf' : `(${q.beforeSeq}`;
    let scanned = 0;
    let lastSeq: number | null = null;
    while (scanned < LIST_SCAN_MAX) {
      const batch = await this.redis.zrevrangebyscore(
        this.keys.jobs,
        max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        LIST_BATCH,
      );
      if (batch.length === 0) return { jobs, nextBeforeSeq: null };
      const pipe = this.redis.pipeline();
      for (let i = 0; i < batch.length; i += 2) pipe.hgetall(this.keys.job(batch[i] as string));
      const rows = (await pipe.exec()) ?? [];
      for (let i = 0; i < batch.length; i += 2) {
        const id = batch[i] as string;
        const seq = Number(batch[i + 1]);
        scanned++;
        const f = rows[i / 2]?.[1] as Fields | undefined;
        if (!f?.status) continue;
        if (q.status && f.status !== q.status) continue;
        if (q.plugin && f.plugin !== q.plugin) continue;
        if (jobs.length === q.limit) return { jobs, nextBeforeSeq: lastSeq };
        jobs.push(toView(id, f));
        lastSeq = seq;
      }
      const lastInBatch = Number(batch[batch.length - 1]);
      max = `(${lastInBatch}`;
      if (batch.length < LIST_BATCH * 2) return { jobs, nextBeforeSeq: null };
      // Scan cap reached with a short page: hand out a cursor that continues where the scan stopped.
      if (scanned >= LIST_SCAN_MAX) return { jobs, nextBeforeSeq: lastInBatch };
    }
    return { jobs, nextBeforeSeq: lastSeq };
  }

  /** Claims the job for a run; see START. */
  async start(id: string, node: string, token: string): Promise<number> {
    const now = Date.now();
    return Number(
      await this.redis.eval(
        START,
        3,
        this.keys.job(id),
        this.keys.finished,
        this.keys.open,
        new Date(now).toISOString(),
        node,
        token,
        String(now),
        id,
      ),
    );
  }

  /** A final status; `token` '' finishes whichever run holds it (a cancel of a job whose node is gone). */
  async finish(id: string, token: string, status: FinalStatus, outcome: Outcome): Promise<boolean> {
    const fields: string[] = [];
    if (outcome.resultJson !== undefined) fields.push('result', outcome.resultJson);
    if (outcome.error) fields.push('error_code', outcome.error.code, 'error_message', outcome.error.message);
    if (outcome.progress !== undefined) fields.push('progress', String(outcome.progress));
    if (outcome.stage) fields.push('stage', outcome.stage);
    const now = Date.now();
    const n = await this.redis.eval(
      FINISH,
      3,
      this.keys.job(id),
      this.keys.finished,
      this.keys.open,
      id,
      token,
      status,
      new Date(now).toISOString(),
      String(now),
      ...fields,
    );
    return Number(n) === 1;
  }

  async progress(id: string, token: string, progress: number, stage: string | null): Promise<void> {
    await this.redis.eval(PROGRESS, 1, this.keys.job(id), token, String(progress), stage ?? '');
  }

  /** running → queued for another try; `uncount` when this start should not count as an attempt. */
  async requeue(id: string, token: string, uncount: boolean): Promise<boolean> {
    return Number(await this.redis.eval(REQUEUE, 1, this.keys.job(id), token, uncount ? '1' : '0')) === 1;
  }

  /** See CANCEL. */
  async cancel(id: string): Promise<number> {
    const now = Date.now();
    return Number(
      await this.redis.eval(
        CANCEL,
        3,
        this.keys.job(id),
        this.keys.finished,
        this.keys.open,
        new Date(now).toISOString(),
        String(now),
        id,
      ),
    );
  }

  /** One batch of open (queued or running) job ids, from a SSCAN cursor ('0' starts and ends a pass). */
  async openBatch(cursor: string): Promise<{ next: string; ids: string[] }> {
    const [next, ids] = await this.redis.sscan(this.keys.open, cursor, 'COUNT', 200);
    return { next, ids };
  }

  /** An open job as the reconciler sees it, and whether BullMQ still tracks it. */
  async inspect(id: string): Promise<{ job: OpenJob; inBullMq: boolean }> {
    const f = await this.redis.hmget(this.keys.job(id), 'status', 'plugin', 'run', 'node', 'data', 'created_at');
    const [status, plugin, run, node, data, createdAt] = f.map((v) => v ?? null);
    const job: OpenJob = {
      id,
      status: status ?? null,
      plugin: plugin ?? null,
      run: run ?? null,
      node: node ?? null,
      data: data ?? null,
      createdAt: createdAt ?? null,
    };
    const inBullMq = plugin ? (await this.redis.exists(this.keys.bullJob(plugin, id))) === 1 : false;
    return { job, inBullMq };
  }

  /** Drops an id from the open index (its record is final or gone). */
  async close(id: string): Promise<void> {
    await this.redis.srem(this.keys.open, id);
  }

  /** See ORPHAN: true when the job is still as the reconciler saw it (and, if it was running, is queued now). */
  async orphan(job: OpenJob): Promise<boolean> {
    return Number(await this.redis.eval(ORPHAN, 1, this.keys.job(job.id), job.status ?? '', job.run ?? '')) === 1;
  }

  /** Deletes finished jobs older than the cutoff (a batch at a time); returns their ids. */
  async sweep(cutoffMs: number): Promise<string[]> {
    const jobKeys = await this.redis.zrangebyscore(this.keys.finished, '-inf', cutoffMs, 'LIMIT', 0, 500);
    if (!jobKeys.length) return [];
    const ids = jobKeys.map((k) => k.slice(this.keys.job('').length));
    const multi = this.redis.multi();
    for (const id of ids)
      multi.del(this.keys.job(id), this.keys.input(id)).zrem(this.keys.jobs, id).srem(this.keys.open, id);
    multi.zrem(this.keys.finished, ...jobKeys);
    await multi.exec();
    return ids;
  }
}
