import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { ErrorCode, JobInput, JobStatus } from '@bastion/protocol';
import type { JobView } from './backend.js';
import { inputFiles, type JobInputMeta } from './input.js';
import { migrate } from './migrations.js';

interface Row {
  seq: number;
  id: string;
  plugin: string;
  tool: string;
  status: JobStatus;
  progress: number;
  stage: string | null;
  args_json: string;
  files_json: string;
  result_json: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  node: string | null;
  attempts: number;
  traceparent: string | null;
  input_json: string | null;
}

/** `input_json`: file part names and types, file sizes, and the preview file's name and type. */
interface StoredInput {
  parts: JobInputMeta['parts'];
  sizes: Record<string, number>;
  preview: { file: string; contentType: string } | null;
}

export interface StoredJob {
  seq: number;
  record: JobView;
}

export interface ListQuery {
  status?: JobStatus | undefined;
  plugin?: string | undefined;
  /** Only jobs with a smaller seq (older). */
  beforeSeq?: number | undefined;
  limit: number;
}

const nowIso = (): string => new Date().toISOString();

function toView(row: Row): JobView {
  return {
    job_id: row.id,
    plugin: row.plugin,
    tool: row.tool,
    status: row.status,
    progress: row.progress,
    stage: row.stage,
    resultJson: row.result_json,
    error: row.error_code === null ? null : { code: row.error_code as ErrorCode, message: row.error_message ?? '' },
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    node: row.node,
    attempts: row.attempts,
  };
}

/**
 * Jobs persisted in SQLite (`<data-dir>/jobs.db`, WAL) with their uploaded inputs as files under
 * `<data-dir>/jobs/<id>/`. Arguments are kept as JSON with binary ones replaced by file references, so a queued
 * job can be resumed after a restart. Only the host's event loop uses it (better-sqlite3 is synchronous).
 */
export class JobStore {
  readonly #db: Database;
  readonly #filesDir: string;
  readonly #stmts: {
    insert: Statement;
    get: Statement<[string], Row>;
    running: Statement<[string, string, string, string]>;
    requeue: Statement<[string]>;
    progress: Statement<[number, string | null, string]>;
    finish: Statement;
    queued: Statement<[], Row>;
    countQueued: Statement<[], { n: number }>;
  };
  #closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.#filesDir = path.join(dataDir, 'jobs');
    mkdirSync(this.#filesDir, { recursive: true });
    this.#db = new BetterSqlite3(path.join(dataDir, 'jobs.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 2000');
    migrate(this.#db);
    this.#stmts = {
      insert: this.#db.prepare(
        `INSERT INTO jobs (id, plugin, tool, status, progress, stage, args_json, files_json, input_json, created_at,
           traceparent)
         VALUES (@id, @plugin, @tool, 'queued', 0, NULL, @args_json, @files_json, @input_json, @created_at, @traceparent)`,
      ),
      get: this.#db.prepare<[string], Row>('SELECT * FROM jobs WHERE id = ?'),
      running: this.#db.prepare(
        `UPDATE jobs SET status = 'running', started_at = ?, node = ?, attempts = attempts + 1, progress = 0, stage = NULL
         WHERE id = ? AND status = ?`,
      ),
      requeue: this.#db.prepare(
        `UPDATE jobs SET status = 'queued', started_at = NULL, node = NULL, attempts = MAX(0, attempts - 1)
         WHERE id = ? AND status = 'running'`,
      ),
      progress: this.#db.prepare(`UPDATE jobs SET progress = ?, stage = ? WHERE id = ? AND status = 'running'`),
      finish: this.#db.prepare(
        `UPDATE jobs SET status = @status, result_json = @result_json, error_code = @error_code,
           error_message = @error_message, finished_at = @finished_at,
           progress = COALESCE(@progress, progress), stage = COALESCE(@stage, stage)
         WHERE id = @id AND status IN ('queued', 'running')`,
      ),
      queued: this.#db.prepare<[], Row>(`SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq ASC`),
      countQueued: this.#db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'`),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Marks every job a previous process left running as failed with HOST_RESTARTED; returns their ids. */
  recoverInterrupted(): string[] {
    const rows = this.#db
      .prepare(
        `UPDATE jobs SET status = 'failed', error_code = 'HOST_RESTARTED',
           error_message = 'the server stopped while this job was running; submit it again', finished_at = ?
         WHERE status = 'running' RETURNING id`,
      )
      .all(nowIso()) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /**
   * Stores a new queued job: writes its binary arguments as files, the rest as JSON, what the submission said about
   * its input (file names, the client's preview) for `GET /v1/jobs/:id/input`, and the trace context it was submitted
   * in (its run, even after a restart, joins that trace).
   */
  insert(
    id: string,
    plugin: string,
    tool: string,
    args: Record<string, unknown>,
    meta: JobInputMeta = { parts: {}, preview: null },
    traceparent: string | null = null,
  ): JobView {
    const json: Record<string, unknown> = {};
    const files: Record<string, string> = {};
    const input: StoredInput = { parts: {}, sizes: {}, preview: null };
    let n = 0;
    for (const [key, value] of Object.entries(args)) {
      if (value instanceof Uint8Array) {
        const dir = this.#jobDir(id);
        mkdirSync(dir, { recursive: true });
        const file = `input-${n++}.bin`;
        writeFileSync(path.join(dir, file), value);
        files[key] = file;
        input.sizes[key] = value.byteLength;
        if (meta.parts[key]) input.parts[key] = meta.parts[key];
      } else {
        json[key] = value;
      }
    }
    if (meta.preview) {
      const dir = this.#jobDir(id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'preview'), meta.preview.bytes);
      input.preview = { file: 'preview', contentType: meta.preview.contentType };
    }
    try {
      this.#stmts.insert.run({
        id,
        plugin,
        tool,
        args_json: JSON.stringify(json),
        files_json: JSON.stringify(files),
        input_json: JSON.stringify(input),
        created_at: nowIso(),
        traceparent,
      });
    } catch (err) {
      this.removeFiles(id);
      throw err;
    }
    return this.get(id) as JobView;
  }

  /** The job's arguments with binary ones read back from their files. Throws if a file has gone. */
  loadArgs(id: string): Record<string, unknown> {
    const row = this.#stmts.get.get(id);
    if (!row) throw new Error(`job ${id} not found`);
    const args = JSON.parse(row.args_json) as Record<string, unknown>;
    const files = JSON.parse(row.files_json) as Record<string, string>;
    for (const [key, file] of Object.entries(files)) args[key] = readFileSync(path.join(this.#jobDir(id), file));
    return args;
  }

  get(id: string): JobView | null {
    const row = this.#stmts.get.get(id);
    return row ? toView(row) : null;
  }

  /** The W3C trace context the job was submitted in, or null. */
  traceparent(id: string): string | null {
    return this.#stmts.get.get(id)?.traceparent ?? null;
  }

  /** What the job ran on; null if unknown. Jobs stored before inputs were kept list their args and no files. */
  input(id: string): JobInput | null {
    const row = this.#stmts.get.get(id);
    if (!row) return null;
    const stored = row.input_json ? (JSON.parse(row.input_json) as StoredInput) : null;
    let preview: string | null = null;
    if (stored?.preview) {
      try {
        const bytes = readFileSync(path.join(this.#jobDir(id), stored.preview.file));
        preview = `data:${stored.preview.contentType};base64,${bytes.toString('base64')}`;
      } catch {
        preview = null; // removed with the job's files
      }
    }
    return {
      job_id: id,
      kept: true,
      args: JSON.parse(row.args_json) as Record<string, unknown>,
      files: inputFiles(stored?.sizes ?? {}, stored?.parts ?? {}),
      preview,
    };
  }

  /** queued → running; false if the job was not queued any more (e.g. cancelled meanwhile). */
  markRunning(id: string, node: string): boolean {
    return this.#stmts.running.run(nowIso(), node, id, 'queued').changes === 1;
  }

  /** running → queued (the plugin's queue was full; the job will be retried, so this start does not count). */
  requeue(id: string): boolean {
    return this.#stmts.requeue.run(id).changes === 1;
  }

  saveProgress(id: string, progress: number, stage: string | null): void {
    this.#stmts.progress.run(progress, stage, id);
  }

  /** queued/running → a final status; false if the job had already finished. The result is stored as given. */
  finish(
    id: string,
    status: 'succeeded' | 'failed' | 'cancelled',
    outcome: {
      resultJson?: string;
      error?: { code: string; message: string };
      progress?: number;
      stage?: string | null;
    },
  ): boolean {
    const info = this.#stmts.finish.run({
      id,
      status,
      result_json: outcome.resultJson ?? null,
      error_code: outcome.error?.code ?? null,
      error_message: outcome.error?.message ?? null,
      finished_at: nowIso(),
      progress: outcome.progress ?? null,
      stage: outcome.stage ?? null,
    });
    return info.changes === 1;
  }

  /** Queued jobs, oldest first (to resume them after a restart). */
  queued(): JobView[] {
    return this.#stmts.queued.all().map(toView);
  }

  countQueued(): number {
    return this.#stmts.countQueued.get()?.n ?? 0;
  }

  /** Newest first; fetches one more than `limit` so the caller knows whether another page exists. */
  list(q: ListQuery): StoredJob[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.plugin) {
      where.push('plugin = ?');
      params.push(q.plugin);
    }
    if (q.beforeSeq !== undefined) {
      where.push('seq < ?');
      params.push(q.beforeSeq);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#db.prepare<Array<string | number>, Row>(sql).all(...params, q.limit + 1);
    return rows.map((row) => ({ seq: row.seq, record: toView(row) }));
  }

  /** Deletes finished jobs older than the cutoff, with their files; returns how many went. */
  deleteFinishedBefore(cutoffIso: string): number {
    const rows = this.#db
      .prepare(`DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? RETURNING id`)
      .all(cutoffIso) as Array<{ id: string }>;
    for (const { id } of rows) this.removeFiles(id);
    return rows.length;
  }

  /** Removes input folders no job refers to (left by a crash between writing the files and the row). */
  removeOrphanFiles(): number {
    let removed = 0;
    for (const name of readdirSync(this.#filesDir)) {
      if (!this.#stmts.get.get(name)) {
        rmSync(path.join(this.#filesDir, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  removeFiles(id: string): void {
    rmSync(this.#jobDir(id), { recursive: true, force: true });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #jobDir(id: string): string {
    // Ids are generated by the host (UUIDs); never join anything else into a path.
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`bad job id ${JSON.stringify(id)}`);
    return path.join(this.#filesDir, id);
  }
}
