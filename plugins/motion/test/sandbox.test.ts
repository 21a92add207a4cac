import { loadPlugin, type LoadedPlugin } from '@bastion/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, pluginDir } from './helpers.js';

describe('motion in the real sandbox', () => {
  let motion: LoadedPlugin;
  beforeAll(async () => {
    motion = await loadPlugin(pluginDir, { options: { maxSessions: 2 } });
  });
  afterAll(() => motion.close());

  it('keeps its sessions in the state init() returned, across calls of one worker', async () => {
    expect((await motion.health()).state).toBe('INITIALIZED');
    const first = await motion.call('detect_motion', { image: await frame([{ x: 100, y: 100 }]), session_id: 'cam' });
    expect(first).toMatchObject({ first_frame: true });
    const second = await motion.call('detect_motion', { image: await frame([{ x: 300, y: 100 }]), session_id: 'cam' });
    expect(second).toMatchObject({ first_frame: false, motion: true });
    expect(await motion.call('reset_session', { session_id: 'cam' })).toEqual({ reset: true });
  });

  it("answers a caller's bad picture with INVALID_INPUT and counts no failure", async () => {
    const before = await motion.health();
    await expect(
      motion.call('detect_motion', { image: new TextEncoder().encode('not a frame'), session_id: 'cam' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    const after = await motion.health();
    expect(after.error_count).toBe(before.error_count);
    expect(after.state).toBe('INITIALIZED');
  });

  it('refuses options outside its schema before loading', async () => {
    const bad = await loadPlugin(pluginDir, { options: { maxSessions: 0, colour: 'red' } });
    try {
      expect(await bad.health()).toMatchObject({ state: 'FAILED', reason_code: 'OPTIONS_INVALID' });
    } finally {
      await bad.close();
    }
  });
});
