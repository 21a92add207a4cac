import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadContext, ToolContext } from '@bastion/sdk';
import { findPackageDir } from '@bastion/detector';
import { makeCtx } from '@bastion/testkit';

export const pluginDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const humanDir = findPackageDir('@vladmandic/human', pluginDir) as string;
/** Sample sheet shipped by @vladmandic/human (MIT); its first row holds 158-px thumbnails of single people. */
export const samplePhotoPath = path.join(humanDir, 'assets', 'samples.jpg');

/** A tool context (the shared `makeCtx`) that records the progress it is given and the partial results emitted. */
export type TestCtx = ToolContext & LoadContext & { progressLog: number[]; partials: unknown[] };

/** {@link TestCtx} for this plugin's folder, with the given options and abort signal. */
export function recordingCtx(config: Record<string, unknown> = {}, signal?: AbortSignal): TestCtx {
  const progressLog: number[] = [];
  const partials: unknown[] = [];
  return {
    ...makeCtx(pluginDir, config, signal),
    progress: (pct) => progressLog.push(pct),
    partial: (r) => partials.push(r),
    progressLog,
    partials,
  };
}

/** A scratch folder for generated videos. */
export function scratchDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vt-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg (quiet) with the given arguments and returns the output file's bytes. */
export function ffmpeg(out: string, args: string[]): Uint8Array {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(readFileSync(out));
}

/** Names of this plugin's temp folders currently in the OS temp dir. */
export function pluginTempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((n) => n.startsWith('bastion-video-tracker-'));
}
