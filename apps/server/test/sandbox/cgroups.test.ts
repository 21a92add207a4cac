import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/cgroups/host.js';

/**
 * How the host finds its own cgroup folders from /proc/self/cgroup and /proc/self/mountinfo, on layouts this
 * machine does not have (cgroup v2, a container's mount root), with both files and the hierarchy in a temp folder.
 * The folders are plain directories, so creating a cgroup there fails the way a read-only hierarchy would.
 */
describe.skipIf(process.platform !== 'linux')('cgroup detection', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function layout(cgroup: string, mounts: string[]): { cgroup: string; mountinfo: string } {
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-cgroups-'));
    const files = { cgroup: path.join(dir, 'cgroup'), mountinfo: path.join(dir, 'mountinfo') };
    writeFileSync(files.cgroup, cgroup);
    writeFileSync(files.mountinfo, mounts.map((m) => m.replaceAll('$DIR', dir)).join('\n'));
    return files;
  }

  it('cgroup v2 without the memory and pids controllers delegated: the watchdog, saying which is missing', () => {
    const files = layout('0::/system.slice/bastion.service\n', [
      '30 23 0:26 / $DIR/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
    ]);
    const own = path.join(dir, 'unified', 'system.slice', 'bastion.service');
    mkdirSync(own, { recursive: true });
    writeFileSync(path.join(own, 'cgroup.controllers'), 'cpu io memory\n');
    const found = detectCgroups(files);
    expect(found.host).toBeNull();
    expect(found.why).toBe(`cgroup v2 at ${own}: controller pids not delegated to ${own}`);
  });

  it("in a container, the host's cgroup path is taken relative to the mount's root", () => {
    const files = layout('5:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n', [
      '40 31 0:36 /docker/abc $DIR/pids rw - cgroup cgroup rw,pids',
      '35 31 0:32 /docker/abc $DIR/memory rw - cgroup cgroup rw,memory',
    ]);
    mkdirSync(path.join(dir, 'pids'));
    mkdirSync(path.join(dir, 'memory'));
    const found = detectCgroups(files);
    expect(found.host).toBeNull();
    expect(found.why).toMatch(
      new RegExp(`^cgroup v1: cannot make cgroups under ${dir}/memory and ${dir}/pids \\(ENOTEMPTY\\)`),
    );
  });

  it('no cgroup hierarchy of this process at all', () => {
    const found = detectCgroups(layout('', []));
    expect(found).toEqual({ host: null, why: 'no cgroup hierarchy of this process was found' });
  });
});
