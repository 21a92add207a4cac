import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkerUser } from './isolation.js';

/** Whether `user` (with no supplementary groups) may read `file` and search every folder above it. */
export function readableBy(user: WorkerUser, file: string, opts: { dir?: boolean } = {}): boolean {
  const abs = path.resolve(file);
  const need = (mode: number, uid: number, gid: number, bits: number): boolean => {
    const shift = uid === user.uid ? 6 : gid === user.gid ? 3 : 0;
    return ((mode >> shift) & bits) === bits;
  };
  try {
    const parts = abs.split(path.sep).filter(Boolean);
    let dir: string = path.sep;
    for (const part of parts.slice(0, -1)) {
      dir = path.join(dir, part);
      const st = statSync(dir);
      if (!need(st.mode, st.uid, st.gid, 1)) return false;
    }
    const st = statSync(abs);
    return need(st.mode, st.uid, st.gid, st.isDirectory() || opts.dir ? 5 : 4);
  } catch {
    return false;
  }
}

/** The first of the paths a worker must read that `user` cannot, or null when it can read them all. */
export function unreadablePath(user: WorkerUser, files: string[], dirs: string[]): string | null {
  for (const f of files) if (!readableBy(user, f)) return f;
  for (const d of dirs) if (!readableBy(user, d, { dir: true })) return d;
  return null;
}

/** A private, writable temp folder (TMPDIR and HOME) for one worker that runs as `user`; removed when it dies. */
export function privateTmp(user: WorkerUser): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-worker-'));
  chownSync(dir, user.uid, user.gid); // mkdtemp makes it 0700
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
