import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageDir } from '@bastion/detector';
import { pngBombHeader } from '@bastion/testkit';

export { makeCtx } from '@bastion/testkit';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folder of the installed @vladmandic/human package (model files and sample photos). */
export const humanDir = findPackageDir('@vladmandic/human', pluginDir) as string;

/** The group photo shipped by @vladmandic/human (assets/samples.jpg, MIT licence): many people. */
export function samplePhoto(): Buffer {
  return readFileSync(path.join(humanDir, 'assets', 'samples.jpg'));
}

/** A well-formed PNG header claiming width×height RGB pixels with a tiny compressed body (decompression bomb). */
export function pngBomb(width: number, height: number): Buffer {
  return pngBombHeader(width, height, { colourType: 2, idatBytes: 1 << 20 }); // 1 MiB of zeros → ~1 KB
}
