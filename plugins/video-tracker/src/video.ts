/**
 * Video probing (ffprobe) and frame decoding (ffmpeg → raw RGB over a pipe). Both run as child processes that are
 * killed on abort, on error and when the consumer stops early.
 */
import { spawn } from 'node:child_process';
import { InputError } from '@bastion/sdk';

export interface VideoInfo {
  /** Frames per second (average frame rate). */
  fps: number;
  /** Number of frames in the video (container count, else counted packets, else duration × fps). */
  frameCount: number;
  /** Display size, after the stream's rotation is applied. */
  width: number;
  height: number;
  durationS: number;
  codec: string;
  format: string;
}

/** The caller's input is not a usable video; the message says why and what to do. */
export class VideoInputError extends InputError {}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The last lines of ffmpeg's stderr, without the temp file's path and pointer addresses. */
function tail(text: string, file: string, max = 400): string {
  const t = text
    .replaceAll(file, 'input')
    .replace(/ @ 0x[0-9a-f]+\]/g, ']')
    .trim()
    .split('\n')
    .slice(-3)
    .join(' | ');
  return t.length > max ? '…' + t.slice(-max) : t;
}

/** Runs a command to completion, collecting (bounded) output; killed on abort or after `timeoutMs`. */
function run(cmd: string, args: string[], signal: AbortSignal, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const limit = 4 * 1024 * 1024;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < limit) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192);
    });
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`'${cmd}' is not installed or not on PATH; install ffmpeg (e.g. 'apt-get install ffmpeg')`)
          : err,
      );
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      if (signal.aborted) reject(new Error('cancelled'));
      else if (sig) reject(new Error(`${cmd} was killed (${sig}) after ${timeoutMs} ms`));
      else resolve({ code, stdout, stderr });
    });
  });
}

function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return 0;
  const [n, d] = rate.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return 0;
  const v = d === undefined ? n : d > 0 ? n / d : 0;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

const num = (v: unknown): number => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : 0;
};

/** Still-image demuxers: ffprobe reads a JPEG/PNG as a one-frame "video"; we do not. */
const STILL_FORMATS = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/;

/** Probes a file with ffprobe; a non-video throws a {@link VideoInputError}. */
export async function probeVideo(file: string, signal: AbortSignal, timeoutMs = 30_000): Promise<VideoInfo> {
  const res = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_packets',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_packets,duration:' +
        'stream_side_data=rotation:stream_tags=rotate:format=format_name,duration',
      '-of',
      'json',
      file,
    ],
    signal,
    timeoutMs,
  );
  if (res.code !== 0) {
    throw new VideoInputError(
      `not a readable video file: ffprobe failed (${tail(res.stderr, file) || `exit ${res.code}`}); upload an MP4, WebM, MKV, AVI, MOV or animated GIF`,
    );
  }
  let parsed: { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
  try {
    parsed = JSON.parse(res.stdout) as typeof parsed;
  } catch {
    throw new Error('ffprobe returned unreadable output');
  }
  const stream = parsed.streams?.[0];
  const format = String(parsed.format?.format_name ?? 'unknown');
  if (!stream) throw new VideoInputError(`the file (${format}) has no video stream; upload a video file`);
  const codec = String(stream.codec_name ?? 'unknown');
  if (STILL_FORMATS.test(format)) {
    throw new VideoInputError(
      `the file is a still image (${codec}), not a video; use the object-detection plugin's 'detect' tool for images`,
    );
  }
  let width = num(stream.width);
  let height = num(stream.height);
  if (width < 1 || height < 1) throw new VideoInputError(`the video stream (${codec}) has no frame size`);
  const sideData = (stream.side_data_list as Record<string, unknown>[] | undefined) ?? [];
  const tags = (stream.tags as Record<string, unknown> | undefined) ?? {};
  const rotation = num(sideData.find((s) => s.rotation !== undefined)?.rotation ?? tags.rotate);
  if (Math.abs(rotation) % 180 === 90) [width, height] = [height, width];
  const durationS = num(stream.duration) || num(parsed.format?.duration);
  let fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  const packets = num(stream.nb_frames) || num(stream.nb_read_packets);
  if (!fps && packets > 0 && durationS > 0) fps = packets / durationS;
  if (!fps) throw new VideoInputError(`cannot determine the frame rate of this ${codec} video`);
  const frameCount = packets || Math.round(durationS * fps);
  if (frameCount < 1) throw new VideoInputError(`the ${codec} video has no frames`);
  return { fps, frameCount, width, height, durationS, codec, format };
}

export interface DecodeOptions {
  /** Decode every nth frame (1 = all). */
  everyNth: number;
  /** Stop after this many decoded (sampled) frames. */
  maxFrames?: number;
  /** Output frame size (scaled by ffmpeg). */
  width: number;
  height: number;
  signal: AbortSignal;
}

export interface DecodedFrame {
  /** Index of the frame in the video (0-based). */
  index: number;
  /** Packed RGB24, width × height × 3 bytes. Valid until the next frame is requested. */
  data: Buffer;
}

/**
 * Decodes sampled frames as raw RGB24 through a pipe. Backpressure keeps at most a few frames in memory. The ffmpeg
 * process is killed when the signal aborts or the consumer stops iterating; a decoding failure throws with ffmpeg's
 * message.
 */
export async function* decodeFrames(file: string, opts: DecodeOptions): AsyncGenerator<DecodedFrame> {
  const { everyNth, width, height, signal } = opts;
  const filters = [];
  if (everyNth > 1) filters.push(`select='not(mod(n\\,${everyNth}))'`);
  filters.push(`scale=${width}:${height}:flags=area`);
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', '2', '-i', file];
  args.push('-an', '-sn', '-dn', '-vf', filters.join(','), '-fps_mode', 'passthrough');
  if (opts.maxFrames !== undefined) args.push('-frames:v', String(opts.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (err) =>
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`'ffmpeg' is not installed or not on PATH; install ffmpeg (e.g. 'apt-get install ffmpeg')`)
          : err,
      ),
    );
    child.on('close', (code, sig) => resolve({ code, sig }));
  });
  exited.catch(() => {}); // observed below
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });

  const frameBytes = width * height * 3;
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let k = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - off);
        chunk.copy(frame, filled, off, off + n);
        filled += n;
        off += n;
        if (filled === frameBytes) {
          if (signal.aborted) throw new Error('cancelled');
          yield { index: k * everyNth, data: frame };
          k++;
          frame = Buffer.allocUnsafe(frameBytes);
          filled = 0;
        }
      }
      if (signal.aborted) throw new Error('cancelled');
    }
    const { code, sig } = await exited;
    if (signal.aborted) throw new Error('cancelled');
    if (code !== 0) {
      throw new VideoInputError(
        `ffmpeg could not decode the video (${tail(stderr, file) || (sig ? `killed by ${sig}` : `exit ${code}`)})`,
      );
    }
    if (k === 0)
      throw new VideoInputError(`ffmpeg decoded no frames from the video (${tail(stderr, file) || 'no output'})`);
  } finally {
    signal.removeEventListener('abort', kill);
    kill();
    await exited.catch(() => {});
  }
}
