import type { Database } from 'better-sqlite3';

/**
 * The job store's schema, versioned. Each entry runs once, in order, inside a transaction; the database's
 * `PRAGMA user_version` records the last one applied. Never edit a released entry: append a new one.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; description: string; sql: string }> = [
  {
    version: 1,
    description: 'jobs table',
    sql: `
      CREATE TABLE jobs (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT NOT NULL UNIQUE,
        plugin        TEXT NOT NULL,
        tool          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        progress      REAL NOT NULL DEFAULT 0,
        stage         TEXT,
        args_json     TEXT NOT NULL,
        files_json    TEXT NOT NULL DEFAULT '{}',
        result_json   TEXT,
        error_code    TEXT,
        error_message TEXT,
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT
      );
      CREATE INDEX jobs_status_seq ON jobs (status, seq);
      CREATE INDEX jobs_plugin_seq ON jobs (plugin, seq);
      CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;
    `,
  },
  {
    version: 2,
    description: 'node that ran the job, attempts',
    sql: `
      ALTER TABLE jobs ADD COLUMN node TEXT;
      ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 3,
    description: 'what the job ran on: file names and types, the preview file',
    sql: `
      ALTER TABLE jobs ADD COLUMN input_json TEXT;
    `,
  },
];

/** Applies the migrations the database has not seen yet. Refuses a database newer than this code. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `the job database is at schema version ${current}, newer than this server knows (${latest}); upgrade Bastion or use another --data-dir`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
