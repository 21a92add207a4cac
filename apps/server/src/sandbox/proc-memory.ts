import { readFileSync } from 'node:fs';

function readStatus(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rss = /VmRSS:\s+(\d+)/.exec(text);
    const hwm = /VmHWM:\s+(\d+)/.exec(text);
    return { rssKb: rss ? Number(rss[1]) : 0, hwmKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Samples the memory of a worker's whole process tree (the sandbox wrappers, node, and anything the plugin
 * spawns such as ffmpeg). The tree is re-walked every few samples; `/proc/PID/status` is read every sample.
 */
export class TreeMemory {
  #pids: number[] = [];
  #samples = 0;

  constructor(private readonly rootPid: number) {}

  /** Current RSS of the tree and the highest single-process peak (VmHWM), in MB. */
  sample(): { rssMb: number; hwmMb: number } {
    if (this.#samples++ % 8 === 0 || this.#pids.length === 0) {
      const pids: number[] = [];
      const stack = [this.rootPid];
      while (stack.length && pids.length < 256) {
        const pid = stack.pop() as number;
        pids.push(pid);
        stack.push(...childrenOf(pid));
      }
      this.#pids = pids;
    }
    let rssKb = 0;
    let hwmKb = 0;
    for (const pid of this.#pids) {
      const st = readStatus(pid);
      if (!st) continue;
      rssKb += st.rssKb;
      hwmKb = Math.max(hwmKb, st.hwmKb);
    }
    return { rssMb: rssKb / 1024, hwmMb: hwmKb / 1024 };
  }
}
