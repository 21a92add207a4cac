import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpuDeviceNodes } from '../../src/plugins/checks/gpu.js';
import { buildSpawnSpec, detectIsolation } from '../../src/sandbox/isolation.js';
import { oneGpu } from '../helpers/gpu.js';
import { pythonFixtureSubset } from '../helpers/python.js';
import { expectStillServing, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/** A folder of stand-in NVIDIA device nodes (plain files: binding them needs no driver) beside other nodes. */
function standInDev(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-dev-'));
  for (const n of ['nvidia0', 'nvidia1', 'nvidiactl', 'nvidia-uvm', 'nvidia-uvm-tools', 'nvidia-modeset']) {
    writeFileSync(path.join(dir, n), `stand-in ${n}`);
  }
  mkdirSync(path.join(dir, 'nvidia-caps'));
  for (const n of ['null', 'nvidiafake', 'sda']) writeFileSync(path.join(dir, n), '');
  return dir;
}

describe('GPU device nodes', () => {
  it('lists the NVIDIA nodes of a /dev, and nothing else', () => {
    const dev = standInDev();
    try {
      expect(gpuDeviceNodes(dev).map(([, inside]) => inside)).toEqual([
        '/dev/nvidia-caps',
        '/dev/nvidia-modeset',
        '/dev/nvidia-uvm',
        '/dev/nvidia-uvm-tools',
        '/dev/nvidia0',
        '/dev/nvidia1',
        '/dev/nvidiactl',
      ]);
      expect(gpuDeviceNodes(path.join(dev, 'missing'))).toEqual([]);
    } finally {
      rmSync(dev, { recursive: true, force: true });
    }
  });

  it('binds them after the fresh /dev in a namespace command line', () => {
    const isolation = { ...detectIsolation('process'), mode: 'namespace' as const };
    const spec = buildSpawnSpec({
      isolation,
      workerEntry: '/srv/worker.js',
      program: ['/usr/bin/python3', '-I', '/srv/worker.py'],
      devices: [['/dev/nvidia0', '/dev/nvidia0']],
      pluginDir: '/srv/plugins/p',
      hiddenDirs: [],
      network: false,
      memoryMb: 256,
      user: null,
    });
    const args = spec.args.join(' ');
    expect(args).toMatch(/--dev \/dev .*--dev-bind-try \/dev\/nvidia0 \/dev\/nvidia0/);
    expect(args).toMatch(/\/usr\/bin\/python3 -I \/srv\/worker\.py$/);
    expect(args).not.toMatch(/max-old-space-size/);
  });
});

describe.runIf(process.platform === 'linux' && detectIsolation('auto').mode === 'namespace')(
  'GPU nodes inside the sandbox (stand-in nodes)',
  () => {
    let t: TestServer;
    let dir: string;
    let dev: string;
    beforeAll(async () => {
      dev = standInDev();
      dir = pythonFixtureSubset(['py-gpu', 'py-no-gpu']);
      t = await startTestServer({ pluginsDirs: [dir], gpu: { ...oneGpu(), deviceDir: dev } });
    }, 60_000);
    afterAll(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(dev, { recursive: true, force: true });
    });

    it('a plugin that declares requires.gpu sees the NVIDIA nodes in its /dev', async () => {
      const call = await runTool(t.server, 'py-gpu', 'devices');
      expect(call.status).toBe(200);
      expect(call.body.result).toEqual({
        nodes: ['nvidia-caps', 'nvidia-modeset', 'nvidia-uvm', 'nvidia-uvm-tools', 'nvidia0', 'nvidia1', 'nvidiactl'],
        nvidia0: 'stand-in nvidia0',
      });
    });

    it('a plugin that does not declare it sees none', async () => {
      const call = await runTool(t.server, 'py-no-gpu', 'devices');
      expect(call.body.result).toEqual({ nodes: [], nvidia0: null });
      await expectStillServing(t.server);
    });
  },
);
