import { loadPlugin, type LoadedPlugin } from '@bastion/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginDir, pngBombHeader } from './helpers.js';

describe("ocr in the real sandbox: callers' mistakes", () => {
  let ocr: LoadedPlugin;
  beforeAll(async () => {
    ocr = await loadPlugin(pluginDir);
  });
  afterAll(() => ocr.close());

  it('answers bad pictures, unknown languages and OSD modes with INVALID_INPUT and counts no failure', async () => {
    expect((await ocr.health()).state).toBe('INITIALIZED');
    for (const args of [
      { image: new TextEncoder().encode('not an image') },
      { image: new Uint8Array(0) },
      { image: pngBombHeader(30000, 30000) },
      { image: pngBombHeader(10, 10), language: 'xyz' },
      { image: pngBombHeader(10, 10), psm: 0 },
    ]) {
      await expect(ocr.call('extract_text', args)).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    }
    const health = await ocr.health();
    expect(health.error_count).toBe(0);
    expect(health.state).toBe('INITIALIZED');
  });
});
