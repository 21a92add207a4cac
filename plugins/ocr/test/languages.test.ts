import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { checkTrainedData, findInstalledLanguages } from '../src/languages.js';
import { makeCtx, pluginDir } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-ocr-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fake plugin folder whose node_modules holds @tesseract.js-data/<code> with the given file contents. */
function fakeInstall(name: string, code: string, contents: Buffer): string {
  const dataDir = path.join(tmp, name, 'node_modules', '@tesseract.js-data', code, '4.0.0_best_int');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, `${code}.traineddata.gz`), contents);
  const dir = path.join(tmp, name, 'plugin');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('installed languages', () => {
  it('finds the English data installed for the plugin', () => {
    const langs = findInstalledLanguages(pluginDir);
    expect([...langs.keys()]).toContain('eng');
    const eng = langs.get('eng')!;
    expect(eng.file.endsWith(path.join('4.0.0_best_int', 'eng.traineddata.gz'))).toBe(true);
    expect(checkTrainedData(eng).length).toBeGreaterThan(1_000_000);
  });

  it('prefers the nearest node_modules copy', () => {
    const dir = fakeInstall('nearest', 'eng', zlib.gzipSync(Buffer.from('x')));
    expect(findInstalledLanguages(dir).get('eng')!.file.startsWith(tmp)).toBe(true);
  });

  it('rejects truncated, garbage and LSTM-less traineddata with an actionable message', () => {
    const real = findInstalledLanguages(pluginDir).get('eng')!;
    const truncated = { code: 'eng', dir: tmp, file: path.join(tmp, 'truncated.gz') };
    fs.writeFileSync(truncated.file, fs.readFileSync(real.file).subarray(0, 50_000));
    expect(() => checkTrainedData(truncated)).toThrow(/unreadable \(unexpected end of file\).*npm install @tesseract/);

    const garbage = { code: 'eng', dir: tmp, file: path.join(tmp, 'garbage.gz') };
    fs.writeFileSync(garbage.file, zlib.gzipSync(Buffer.alloc(4096, 0x41)));
    expect(() => checkTrainedData(garbage)).toThrow(/corrupt: table of contents has \d+ entries/);

    // A well-formed table of contents whose LSTM entry (17) is missing.
    const toc = Buffer.alloc(4 + 8 * 24 + 16);
    toc.writeInt32LE(24, 0);
    for (let i = 0; i < 24; i++) toc.writeBigInt64LE(i === 0 ? BigInt(4 + 8 * 24) : -1n, 4 + 8 * i);
    const legacy = { code: 'eng', dir: tmp, file: path.join(tmp, 'legacy.gz') };
    fs.writeFileSync(legacy.file, zlib.gzipSync(toc));
    expect(() => checkTrainedData(legacy)).toThrow(/no LSTM model/);
  });

  it('makes init fail fast and clearly on a corrupt file, and the plugin loads again with the good one', async () => {
    const real = findInstalledLanguages(pluginDir).get('eng')!;
    const dir = fakeInstall('corrupt', 'eng', fs.readFileSync(real.file).subarray(0, 100_000));
    await expect(plugin.init!(makeCtx(dir))).rejects.toThrow(/traineddata for 'eng'.*unreadable/);
    const ctx = makeCtx(pluginDir);
    await plugin.init!(ctx);
    await plugin.validate!(ctx);
    await plugin.dispose!();
  });

  it('fails init with an install hint when no language data exists', async () => {
    const empty = path.join(tmp, 'empty', 'plugin');
    fs.mkdirSync(empty, { recursive: true });
    // The walk reaches /tmp's parents too; only run the assertion where no data is installed above tmp.
    if (findInstalledLanguages(empty).size === 0) {
      await expect(plugin.init!(makeCtx(empty))).rejects.toThrow(
        /no tesseract language data found.*npm install @tesseract\.js-data\/eng/,
      );
    }
  });
});
