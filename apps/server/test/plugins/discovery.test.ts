import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthRecord } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { discoverFolders } from '../../src/plugins/discovery.js';
import { FIXTURES_DIR, expectStillServing, startTestServer } from '../helpers/server.js';

describe('discovery', () => {
  it('skips hidden folders, node_modules and files; reports links leading outside', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bastion-disc-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'bastion-outside-'));
    for (const d of ['b', 'a', '.hidden', 'node_modules']) mkdirSync(path.join(root, d));
    writeFileSync(path.join(root, 'file.txt'), '');
    symlinkSync(outside, path.join(root, 'escape'));
    const { folders, warnings } = discoverFolders([root, path.join(root, 'missing-dir')]);
    expect(folders.map((f) => path.basename(f.folder))).toEqual(['a', 'b', 'escape']);
    expect(folders[2]?.problem).toMatch(/outside/);
    expect(warnings[0]).toMatch(/missing-dir/);
  });

  it('marks the second of two plugins with one id FAILED, naming both folders, and a link outside FAILED', async () => {
    const one = mkdtempSync(path.join(tmpdir(), 'bastion-dup1-'));
    const two = mkdtempSync(path.join(tmpdir(), 'bastion-dup2-'));
    cpSync(path.join(FIXTURES_DIR, 'ok'), path.join(one, 'ok'), { recursive: true });
    cpSync(path.join(FIXTURES_DIR, 'ok'), path.join(two, 'ok-copy'), { recursive: true });
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'bastion-else-'));
    cpSync(path.join(FIXTURES_DIR, 'throws'), path.join(elsewhere, 'throws'), { recursive: true });
    symlinkSync(path.join(elsewhere, 'throws'), path.join(two, 'linked'));
    const t = await startTestServer({ pluginsDirs: [one, two] });
    try {
      const list = (await t.server.app.inject({ url: '/v1/plugins' })).json<HealthRecord[]>();
      const byName = Object.fromEntries(list.map((h) => [h.name, h]));
      expect(byName.ok?.state).toBe('INITIALIZED');
      expect(byName['ok~2']?.state).toBe('FAILED');
      expect(byName['ok~2']?.reason_code).toBe('MANIFEST_INVALID');
      expect(byName['ok~2']?.reason).toContain(path.join(one, 'ok'));
      expect(byName['ok~2']?.reason).toContain(path.join(two, 'ok-copy'));
      const linked = list.find((h) => h.reason?.includes('outside'));
      expect(linked?.state).toBe('FAILED');
      await expectStillServing(t.server);
    } finally {
      await t.close();
    }
  });
});
