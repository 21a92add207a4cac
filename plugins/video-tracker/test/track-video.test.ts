import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import plugin, { decodeSize, type TrackVideoArgs, type TrackVideoResult } from '../src/index.js';
import { ffmpeg, recordingCtx, pluginTempDirs, samplePhotoPath, scratchDir, type TestCtx } from './helpers.js';

const scratch = scratchDir();
const loadCtx = recordingCtx();
const track = (args: TrackVideoArgs, ctx: TestCtx = recordingCtx()) =>
  plugin.tools.track_video.handler(args, ctx) as Promise<TrackVideoResult>;

let shapes: Uint8Array; // 2 s, 10 fps, 320×240: coloured shapes (lavfi), no COCO objects
let twoPeople: Uint8Array; // 3 s, 10 fps, 640×360: two people from the sample sheet moving on a grey background
let onePersonHd: Uint8Array; // 2 s, 10 fps, 1280×720: one person panning right, twice the thumbnail size

beforeAll(async () => {
  await plugin.init?.(loadCtx);
  await plugin.validate?.(loadCtx);
  const enc = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  shapes = ffmpeg(path.join(scratch.dir, 'shapes.mp4'), [
    ...['-f', 'lavfi', '-i', 'color=c=navy:s=320x240:r=10:d=2'],
    ...['-f', 'lavfi', '-i', 'color=c=orange:s=60x40:r=10:d=2'],
    ...['-filter_complex', "[0:v][1:v]overlay=x='20+t*100':y=80"],
    ...enc,
  ]);
  twoPeople = ffmpeg(path.join(scratch.dir, 'two.mp4'), [
    ...['-f', 'lavfi', '-i', 'color=c=gray:s=640x360:r=10:d=3', '-i', samplePhotoPath],
    ...[
      '-filter_complex',
      '[1:v]split=2[a][b];[a]crop=158:158:0:0[p1];[b]crop=158:158:640:0[p2];' +
        "[0:v][p1]overlay=x='10+t*60':y=100[t1];[t1][p2]overlay=x='470-t*40':y='20+t*20'",
    ],
    ...enc,
  ]);
  onePersonHd = ffmpeg(path.join(scratch.dir, 'one.mkv'), [
    ...['-f', 'lavfi', '-i', 'color=c=darkgreen:s=1280x720:r=10:d=2', '-i', samplePhotoPath],
    ...['-filter_complex', "[1:v]crop=158:158:0:0,scale=316:316[p];[0:v][p]overlay=x='100+t*200':y=200"],
    ...enc,
  ]);
});

afterAll(async () => {
  await plugin.dispose?.();
  scratch.cleanup();
});

describe('track_video', () => {
  it('probes and decodes a synthetic video: fps, frame count, indices, times, progress and partials', async () => {
    const ctx = recordingCtx();
    const r = await track({ video: shapes }, ctx);
    expect(r).toMatchObject({ fps: 10, frame_count: 20, width: 320, height: 240, frames_processed: 20 });
    expect(r.frames.map((f) => f.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(r.frames[5]?.time_s).toBeCloseTo(0.5);
    expect(r.tracks).toEqual([]); // an orange rectangle is not a COCO object
    expect(ctx.partials).toEqual(r.frames);
    expect(ctx.progressLog.at(-1)).toBe(100);
    expect(ctx.progressLog).toEqual([...ctx.progressLog].sort((a, b) => a - b));
  });

  it('samples every nth frame and stops at max_frames', async () => {
    const r = await track({ video: shapes, every_nth_frame: 3 });
    expect(r.frames.map((f) => f.index)).toEqual([0, 3, 6, 9, 12, 15, 18]);
    expect(r.frames[2]?.time_s).toBeCloseTo(0.6);
    const capped = await track({ video: shapes, every_nth_frame: 2, max_frames: 4 });
    expect(capped.frames.map((f) => f.index)).toEqual([0, 2, 4, 6]);
    expect(capped.frame_count).toBe(20);
  });

  it('follows two moving people with two distinct, stable track ids', async () => {
    const r = await track({ video: twoPeople, classes: ['person'] });
    expect(r.frames_processed).toBe(30);
    const people = r.tracks.filter((t) => t.label === 'person');
    expect(people).toHaveLength(2);
    for (const t of people) expect(t.frames_seen).toBeGreaterThanOrEqual(24);
    // Tell them apart by position: #1 starts left (x≈10) and moves right, #2 starts right (x≈470) and moves left.
    const leftId = r.frames[2]?.tracks.find((t) => t.box.x < 320)?.track_id;
    const rightId = r.frames[2]?.tracks.find((t) => t.box.x >= 320)?.track_id;
    expect(leftId).toBeDefined();
    expect(rightId).toBeDefined();
    expect(leftId).not.toBe(rightId);
    for (const f of r.frames) {
      for (const t of f.tracks) {
        const centre = t.box.x + t.box.width / 2;
        expect(t.track_id).toBe(centre < 320 ? leftId : rightId);
      }
    }
    // The left person's box moves right over time.
    const xs = r.frames.flatMap((f) => f.tracks.filter((t) => t.track_id === leftId).map((t) => t.box.x));
    expect(xs.at(-1)! - xs[0]!).toBeGreaterThan(80);
  });

  it('keeps one id for a person panning across a 1280×720 video, with boxes in video pixels', async () => {
    const r = await track({ video: onePersonHd, every_nth_frame: 2 });
    expect(r).toMatchObject({ width: 1280, height: 720, frame_count: 20, frames_processed: 10 });
    const people = r.tracks.filter((t) => t.label === 'person');
    expect(people).toHaveLength(1);
    expect(people[0]!.frames_seen).toBeGreaterThanOrEqual(8);
    const boxes = r.frames.flatMap((f) => f.tracks.filter((t) => t.label === 'person').map((t) => t.box));
    for (const b of boxes) {
      expect(b.height).toBeGreaterThan(180); // the figure is ~300 px tall in the 720p frame
      expect(b.y).toBeGreaterThan(150);
    }
    expect(boxes.at(-1)!.x - boxes[0]!.x).toBeGreaterThan(200);
  });

  describe('bad input fails fast with a clear error and leaves no temp files', () => {
    const before = pluginTempDirs().length;
    afterAll(() => expect(pluginTempDirs()).toHaveLength(before));

    it('0-byte upload', async () => {
      await expect(track({ video: new Uint8Array(0) })).rejects.toThrow(/empty \(0 bytes\)/);
    });
    it('a text file', async () => {
      const text = new TextEncoder().encode('this is not a video, just some text\n'.repeat(20));
      await expect(track({ video: text })).rejects.toThrow(/not a readable video file: ffprobe failed/);
    });
    it('a still JPEG image', async () => {
      const jpeg = ffmpeg(path.join(scratch.dir, 'still.jpg'), ['-i', samplePhotoPath, '-frames:v', '1']);
      await expect(track({ video: jpeg })).rejects.toThrow(/still image.*not a video/);
    });
    it('a truncated MP4', async () => {
      await expect(track({ video: twoPeople.subarray(0, Math.floor(twoPeople.length / 2)) })).rejects.toThrow(
        /not a readable video file/,
      );
    });
    it('an unknown class', async () => {
      await expect(track({ video: shapes, classes: ['dragon'] })).rejects.toThrow(/unknown class "dragon".*person/);
    });
  });

  it('stops soon after the signal aborts, killing ffmpeg and cleaning up', async () => {
    const ac = new AbortController();
    const ctx = recordingCtx({}, ac.signal);
    const before = pluginTempDirs().length;
    const origPartial = ctx.partial;
    ctx.partial = (r) => {
      origPartial(r);
      if (ctx.partials.length === 3) ac.abort();
    };
    await expect(track({ video: twoPeople }, ctx)).rejects.toThrow(/cancelled/);
    expect(ctx.partials.length).toBeLessThanOrEqual(4);
    expect(pluginTempDirs()).toHaveLength(before);
    expect(ffmpegChildren()).toEqual([]);
  });
});

/** Our ffmpeg/ffprobe children still running (their command line names the plugin's temp folder). */
function ffmpegChildren(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const ppid = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (ppid === String(process.pid) && /^ff(mpeg|probe) /.test(cmd)) found.push(cmd);
    } catch {
      // the process exited meanwhile
    }
  }
  return found;
}

describe('decodeSize', () => {
  it('keeps small even sizes and scales large ones to the longest side, even', () => {
    expect(decodeSize(320, 240, 640)).toEqual({ width: 320, height: 240 });
    expect(decodeSize(1920, 1080, 640)).toEqual({ width: 640, height: 360 });
    expect(decodeSize(1080, 1920, 640)).toEqual({ width: 360, height: 640 });
    expect(decodeSize(321, 241, 640)).toEqual({ width: 322, height: 242 });
  });
});
