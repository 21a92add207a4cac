import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** One language whose traineddata is installed as an `@tesseract.js-data/<code>` npm package. */
export interface InstalledLanguage {
  code: string;
  /** Folder holding `<code>.traineddata.gz` (tesseract.js `langPath`). */
  dir: string;
  file: string;
}

/** Sub-folders of an `@tesseract.js-data/<code>` package, preferred first (LSTM-only "best_int" models first). */
const DATA_FOLDERS = ['4.0.0_best_int', '4.0.0'];

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds installed `@tesseract.js-data/*` packages by walking `node_modules` folders upward from `fromDir`, the
 * way Node resolves packages (the nearest copy of a language wins). Reads only directory listings.
 */
export function findInstalledLanguages(fromDir: string): Map<string, InstalledLanguage> {
  const found = new Map<string, InstalledLanguage>();
  let dir = path.resolve(fromDir);
  for (;;) {
    const scope = path.join(dir, 'node_modules', '@tesseract.js-data');
    let entries: string[];
    try {
      entries = fs.readdirSync(scope);
    } catch {
      entries = [];
    }
    for (const code of entries.sort()) {
      if (found.has(code) || !/^[a-z][a-z0-9_]*$/i.test(code)) continue;
      for (const sub of DATA_FOLDERS) {
        const file = path.join(scope, code, sub, `${code}.traineddata.gz`);
        if (isFile(file)) {
          found.set(code, { code, dir: path.dirname(file), file });
          break;
        }
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found;
}

/** Index of the LSTM recogniser in a tessdata file's table of contents (tesseract's TESSDATA_LSTM). */
const TESSDATA_LSTM = 17;

/**
 * Reads, gunzips and checks the table of contents of a `.traineddata(.gz)` file, so a corrupt file fails here with
 * a clear message instead of deep inside tesseract.js (which can leave its worker thread in a broken state).
 * Returns the uncompressed bytes.
 */
export function checkTrainedData(lang: InstalledLanguage): Buffer {
  const fix = `reinstall it: run 'npm install @tesseract.js-data/${lang.code}' in the ocr plugin folder`;
  let data: Buffer;
  try {
    const raw = fs.readFileSync(lang.file);
    data = raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw;
  } catch (err) {
    throw new Error(`traineddata for '${lang.code}' (${lang.file}) is unreadable (${(err as Error).message}); ${fix}`, {
      cause: err,
    });
  }
  const bad = (why: string) => new Error(`traineddata for '${lang.code}' (${lang.file}) is corrupt: ${why}; ${fix}`);
  if (data.length < 12) throw bad('file too small');
  const entries = data.readInt32LE(0);
  if (entries < 1 || entries > 64) throw bad(`table of contents has ${entries} entries`);
  const headerEnd = 4 + 8 * entries;
  if (headerEnd > data.length) throw bad('table of contents is truncated');
  let last = headerEnd - 1;
  for (let i = 0; i < entries; i++) {
    const offset = Number(data.readBigInt64LE(4 + 8 * i));
    if (offset === -1) continue;
    if (offset <= last || offset >= data.length) throw bad(`entry ${i} points outside the file`);
    last = offset;
  }
  if (entries <= TESSDATA_LSTM || Number(data.readBigInt64LE(4 + 8 * TESSDATA_LSTM)) === -1) {
    throw bad('it holds no LSTM model (this plugin runs the LSTM engine)');
  }
  return data;
}
