import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The processes in a cgroup (`cgroup.procs`), or [] when it is gone. */
export function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs every process in a cgroup, the ones that moved to another session included. A process cannot leave its
 * cgroup, so a few rounds catch what was forked meanwhile (bounded by the cgroup's pids limit); v2's `cgroup.kill`
 * does it in one step.
 */
export function killProcs(dir: string): void {
  try {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    return;
  } catch {
    // cgroup v1, or a kernel before 5.14
  }
  for (let round = 0; round < 8; round++) {
    const pids = cgroupProcs(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
