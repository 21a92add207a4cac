import type { HealthRecord } from '@bastion/protocol';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/cgroups/host.js';
import { detectIsolation } from '../../src/sandbox/isolation.js';
import { noGpu } from '../helpers/gpu.js';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Memory and process limits against plugins that hide memory or processes from a naive watchdog, under each
 * enforcement: a cgroup per worker (where this host can make them: here, cgroup v1 as root) and the watchdog the
 * host falls back to elsewhere (forced with the server's `cgroups: false`).
 */
const cgroups = detectCgroups();
const namespaces = process.platform === 'linux' && detectIsolation('auto', { cgroups: false }).mode === 'namespace';
const ENFORCEMENTS = [
  { name: 'cgroup' as const, skip: cgroups.host === null, why: cgroups.why },
  { name: 'watchdog' as const, skip: process.platform !== 'linux', why: 'the watchdog reads /proc' },
];
const FIXTURES = ['ok', 'thread-child-leak', 'many-processes', 'tmpfs-fill', 'fork-bomb', 'fakes-heap-oom', 'escapes'];

function gone(pid: number): boolean {
  try {
    // A zombie waiting for init to reap it is dead too.
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return true;
  }
}

/** Processes the fork-bomb fixture started (`sleep 31.4159`) that are still running, anywhere on the machine. */
function bombSleeps(): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\u000031.4159\u0000' && !gone(Number(pid))) n++;
    } catch {
      // gone
    }
  }
  return n;
}

async function until(what: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
    if (what()) return true;
  }
  return what();
}

/** The worker's memory cgroup folder, from its own /proc/self/cgroup (cgroup v1 or v2). */
function memoryCgroupDir(selfCgroup: string): string {
  const host = cgroups.host;
  if (!host) throw new Error('no cgroups');
  const line = selfCgroup.split('\n').find((l) => (host.version === 1 ? /^\d+:[^:]*\bmemory\b/ : /^0::/).test(l));
  const name = path.basename(line?.split(':')[2] ?? '');
  return path.join(host.version === 1 ? host.memoryParent : host.parent, name);
}

for (const enforcement of ENFORCEMENTS) {
  describe.skipIf(enforcement.skip)(
    `limits enforced by ${enforcement.name}${enforcement.skip ? ` (skipped: ${enforcement.why})` : ''}`,
    () => {
      let t: TestServer;
      const logLines: string[] = [];
      const health = async (name: string): Promise<HealthRecord> =>
        (await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` })).json<HealthRecord>();
      const restart = (name: string) => t.server.app.inject({ method: 'POST', url: `/v1/plugins/${name}/restart` });

      beforeAll(async () => {
        t = await startTestServer({
          gpu: noGpu(),
          pluginsDirs: [fixtureSubset(FIXTURES)],
          cgroups: enforcement.name === 'cgroup',
          logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
        });
      });
      afterAll(() => t.close());

      it('the health record says which enforcement is in use, and the startup log says why', async () => {
        expect((await health('ok')).memory_enforcement).toBe(enforcement.name);
        const line = logLines
          .map((l) => JSON.parse(l) as { level: number; msg: string })
          .find((l) => /memory and process limits/.test(l.msg));
        expect(line?.msg).toMatch(
          enforcement.name === 'cgroup' ? /kernel-enforced \(cgroup v[12]: / : /watchdog.*\(cgroups turned off\)/,
        );
        expect(line?.level).toBe(enforcement.name === 'cgroup' ? 30 : 40); // info, or a warning
      });

      async function expectMemoryKill(plugin: string, args: Record<string, unknown> = {}): Promise<HealthRecord> {
        const crashes = (await health(plugin)).crash_count;
        const call = await runTool(t.server, plugin, 'run', args);
        expect(call.status, JSON.stringify(call.body)).toBe(502);
        expect(call.body.error?.code).toBe('PLUGIN_MEMORY_LIMIT');
        const h = await health(plugin);
        expect([h.state, h.reason_code, h.crash_count]).toEqual(['FAILED', 'PLUGIN_MEMORY_LIMIT', crashes + 1]);
        await expectStillServing(t.server);
        return h;
      }

      it('memory held by a child a worker_thread spawned counts (260 MB under 160 MB)', async () => {
        const h = await expectMemoryKill('thread-child-leak');
        expect(h.memory_peak_mb).toBeGreaterThan(150);
      });

      it('memory held past the 256th process of the tree counts (300 processes, then 700 MB in the first, under 700 MB)', async () => {
        await expectMemoryKill('many-processes');
      });

      it.skipIf(!namespaces)('files in the private /tmp count (200 MB of files under 100 MB)', async () => {
        await expectMemoryKill('tmpfs-fill', { dir: '/tmp' });
      });

      it.skipIf(!namespaces)('files in the private /dev/shm count, and /dev itself is read-only', async () => {
        await restart('tmpfs-fill');
        const dev = await runTool(t.server, 'tmpfs-fill', 'run', { dir: '/dev' });
        expect(dev.status).toBe(200);
        expect(dev.body.result).toEqual({ written_mb: 0, error: 'EROFS' });
        await expectMemoryKill('tmpfs-fill', { dir: '/dev/shm' });
      });

      it('a fork bomb is stopped at maxProcesses (40): PLUGIN_CRASHED naming the limit, nothing left running', async () => {
        const call = await runTool(t.server, 'fork-bomb', 'run');
        expect(call.status, JSON.stringify(call.body)).toBe(502);
        expect(call.body.error?.code).toBe('PLUGIN_CRASHED');
        expect(call.body.error?.message).toMatch(/maxProcesses limit \(40 /);
        const h = await health('fork-bomb');
        expect([h.state, h.reason_code]).toEqual(['FAILED', 'PLUGIN_CRASHED']);
        expect(await until(() => bombSleeps() === 0)).toBe(true);
        await expectStillServing(t.server);
      });

      it('a plugin that prints "heap out of memory" and exits is PLUGIN_CRASHED, not a memory kill', async () => {
        const call = await runTool(t.server, 'fakes-heap-oom', 'run');
        expect(call.body.error?.code).toBe('PLUGIN_CRASHED');
        expect(call.body.error?.message).toMatch(/SIGABRT|exited with code 134/);
        expect((await health('fakes-heap-oom')).reason_code).toBe('PLUGIN_CRASHED');
        await expectStillServing(t.server);
      });

      it.runIf(enforcement.name === 'cgroup')('each worker has its own cgroup, removed when it dies', async () => {
        const where = await runTool(t.server, 'escapes', 'cgroup');
        expect(where.status).toBe(200);
        const dir = memoryCgroupDir((where.body.result as { cgroup: string }).cgroup);
        expect(path.basename(dir)).toMatch(new RegExp(`^bastion-${process.pid}-[0-9a-f]+$`));
        expect(
          readFileSync(
            path.join(dir, cgroups.host?.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'),
            'utf8',
          ).trim(),
        ).toBe(String(256 * 1024 * 1024));
        expect((await runTool(t.server, 'escapes', 'exit')).body.error?.code).toBe('PLUGIN_CRASHED');
        expect(await until(() => !existsSync(dir))).toBe(true);
        await restart('escapes');
        await expectStillServing(t.server);
      });
    },
  );
}

describe.skipIf(process.platform !== 'linux')(
  '--isolation process: a grandchild in its own session holding fd 3',
  () => {
    for (const enforcement of ENFORCEMENTS.filter((e) => !e.skip)) {
      it(`dies with the worker (${enforcement.name})`, async () => {
        const t = await startTestServer({
          gpu: noGpu(),
          pluginsDirs: [fixtureSubset(['ok', 'escapes'])],
          config: { isolation: 'process' },
          cgroups: enforcement.name === 'cgroup',
        });
        try {
          const started = await runTool(t.server, 'escapes', 'grandchild');
          expect(started.status, JSON.stringify(started.body)).toBe(200);
          const pid = (started.body.result as { pid: number }).pid;
          expect(gone(pid)).toBe(false);
          expect((await runTool(t.server, 'escapes', 'exit')).body.error?.code).toBe('PLUGIN_CRASHED');
          expect(await until(() => gone(pid))).toBe(true);
          await expectStillServing(t.server);
        } finally {
          await t.close();
        }
      });
    }
  },
);

describe.skipIf(cgroups.host === null)(
  `worker cgroups left by a host that crashed${cgroups.host ? '' : ` (skipped: ${cgroups.why})`}`,
  () => {
    it('are removed at the next start; those of a live host are kept', () => {
      const host = cgroups.host;
      if (!host) return;
      const parent = host.version === 1 ? host.memoryParent : host.parent;
      const dead = spawnSync('true').pid as number;
      const stale = path.join(parent, `bastion-${dead}-0123abcd`);
      const live = path.join(parent, `bastion-${process.pid}-0123abcd`);
      mkdirSync(stale);
      mkdirSync(live);
      try {
        expect(detectCgroups().why).toMatch(/removed 1 left by a stopped host/);
        expect(existsSync(stale)).toBe(false);
        expect(existsSync(live)).toBe(true);
      } finally {
        for (const dir of [live, stale]) if (existsSync(dir)) rmdirSync(dir);
      }
    });
  },
);
