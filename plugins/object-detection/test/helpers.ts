import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { LoadContext, ToolContext } from '@bastion/sdk';
import { findPackageDir } from '@bastion/detector';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folder of the installed @vladmandic/human package (model files and sample photos). */
export const humanDir = findPackageDir('@vladmandic/human', pluginDir) as string;

/** The group photo shipped by @vladmandic/human (assets/samples.jpg, MIT licence): many people. */
export function samplePhoto(): Buffer {
  return readFileSync(path.join(humanDir, 'assets', 'samples.jpg'));
}

/** A tool context as the worker builds it; progress and partial results are recorded. */
export function makeCtx(
  config: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
): ToolContext & LoadContext & { progressLog: Array<[number, string | undefined]>; partials: unknown[] } {
  const progressLog: Array<[number, string | undefined]> = [];
  const partials: unknown[] = [];
  return {
    signal,
    progress: (pct, stage) => progressLog.push([pct, stage]),
    partial: (r) => partials.push(r),
    log: () => {},
    pluginDir,
    config,
    progressLog,
    partials,
  };
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A well-formed PNG header claiming width×height RGB pixels with a tiny compressed body (decompression bomb). */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = zlib.deflateSync(Buffer.alloc(1 << 20)); // 1 MiB of zeros → ~1 KB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
