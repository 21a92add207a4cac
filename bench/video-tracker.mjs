// Benchmark of the video-tracker plugin, in-process (no sandbox): processed frames per second and memory on a
// 5 s 640×360 25 fps video (two people from @vladmandic/human's sample sheet moving over a grey background).
// Build first: npx tsc -b packages/sdk packages/detector plugins/video-tracker
// Run:         node bench/video-tracker.mjs   (needs ffmpeg on PATH)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { default: plugin } = await import(path.join(root, 'plugins/video-tracker/dist/index.js'));
const { findPackageDir } = await import(path.join(root, 'packages/detector/dist/index.js'));

const mb = (kb) => Math.round(kb / 1024);
const status = () => readFileSync('/proc/self/status', 'utf8');
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(status())[1]);
const hwmKb = () => Number(/VmHWM:\s+(\d+)/.exec(status())[1]);
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-video-'));
try {
  const photo = path.join(findPackageDir('@vladmandic/human', root), 'assets', 'samples.jpg');
  const file = path.join(tmp, 'two.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=640x360:r=25:d=5', '-i', photo],
    '-filter_complex',
    '[1:v]split=2[a][b];[a]crop=158:158:0:0[p1];[b]crop=158:158:640:0[p2];' +
      "[0:v][p1]overlay=x='10+t*60':y=100[t1];[t1][p2]overlay=x='470-t*40':y='20+t*20'",
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file],
  ]);
  const video = new Uint8Array(readFileSync(file));

  const ctx = {
    signal: new AbortController().signal,
    progress() {},
    partial() {},
    log: (...a) => console.log('[plugin]', ...a),
    pluginDir: path.join(root, 'plugins/video-tracker'),
    config: {},
  };
  let t = performance.now();
  await plugin.init(ctx);
  await plugin.validate(ctx);
  console.log(`node ${process.version}; init+validate ${(performance.now() - t).toFixed(0)} ms`);
  global.gc?.();
  console.log(`idle RSS after init: ${mb(rssKb())} MB; video ${(video.length / 1024).toFixed(0)} KB`);

  for (const every of [1, 1, 3]) {
    resetPeak();
    t = performance.now();
    const r = await plugin.tools.track_video.handler({ video, every_nth_frame: every }, ctx);
    const s = (performance.now() - t) / 1000;
    console.log(
      `every_nth_frame=${every}: ${r.frames_processed} of ${r.frame_count} frames in ${s.toFixed(2)} s = ` +
        `${(r.frames_processed / s).toFixed(1)} processed fps (${(r.frame_count / s).toFixed(1)} video fps), ` +
        `${r.tracks.length} tracks [${r.tracks.map((x) => `${x.track_id}:${x.label}×${x.frames_seen}`).join(' ')}], ` +
        `peak RSS ${mb(hwmKb())} MB (ffmpeg child not included)`,
    );
  }
  await plugin.dispose();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
