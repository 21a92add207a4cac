import { useEffect, useMemo, useRef, useState } from 'react';
import { colorFor, type LabeledBox, type TimedFrame } from '../lib/boxes';
import { frameIndexAt, trackRows, trailsAt } from '../lib/tracks';
import { BoxLayer } from './BoxLayer';

interface Props {
  /** The uploaded video; without it (e.g. a job opened later) the boxes are drawn on a blank frame. */
  src: string | null;
  frames: TimedFrame[];
  width: number | null;
  height: number | null;
  showLabels: boolean;
  showTrails: boolean;
  /** Which boxes pass the overlay filters (layer toggles, minimum score). */
  keep: (b: LabeledBox) => boolean;
}

const fmtTime = (s: number): string => `${s.toFixed(2)} s`;

/**
 * A video tracking result: the video with the tracks of the frame on screen drawn over it, trails behind them,
 * a frame scrubber that seeks the video, and the list of tracks (each one jumps to where it first appears).
 */
export function VideoResult({ src, frames, width, height, showLabels, showTrails, keep }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  // Without the video, open on the first frame that has something to show.
  const [t, setT] = useState(
    () => (src ? frames[0] : (frames.find((f) => f.boxes.length > 0) ?? frames[0]))?.time ?? 0,
  );
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);

  useEffect(() => {
    const v = video.current;
    if (!v) return;
    let raf = 0;
    const tick = () => {
      setT(v.currentTime);
      if (!v.paused && !v.ended) raf = requestAnimationFrame(tick);
    };
    const onPlay = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(tick);
    };
    const onSeek = () => setT(v.currentTime);
    v.addEventListener('play', onPlay);
    v.addEventListener('seeked', onSeek);
    v.addEventListener('timeupdate', onSeek);
    return () => {
      cancelAnimationFrame(raf);
      v.removeEventListener('play', onPlay);
      v.removeEventListener('seeked', onSeek);
      v.removeEventListener('timeupdate', onSeek);
    };
  }, [src]);

  const index = frameIndexAt(frames, t);
  const frame = frames[index] ?? null;
  const boxes = useMemo(() => (frame ? frame.boxes.filter(keep) : []), [frame, keep]);
  const trails = useMemo(() => (showTrails ? trailsAt(frames, index, keep) : []), [frames, index, keep, showTrails]);
  const rows = useMemo(() => trackRows(frames), [frames]);
  const onScreen = new Set(boxes.map((b) => b.trackId));
  const w = width ?? size?.w ?? null;
  const h = height ?? size?.h ?? null;

  const seek = (time: number) => {
    setT(time);
    const v = video.current;
    if (v) {
      v.pause();
      v.currentTime = time;
    }
  };

  return (
    <div className="video-result">
      <div
        className={`media-box${src ? '' : ' blank'}`}
        style={
          !src && w && h
            ? { aspectRatio: `${w} / ${h}`, maxWidth: `calc(60vh * ${w / h})`, marginInline: 'auto', width: '100%' }
            : undefined
        }
      >
        {src ? (
          <video
            ref={video}
            src={src}
            controls
            muted
            playsInline
            aria-label="Tracked video"
            onLoadedMetadata={(e) => setSize({ w: e.currentTarget.videoWidth, h: e.currentTarget.videoHeight })}
          />
        ) : null}
        {w && h && frame ? (
          <BoxLayer boxes={boxes} width={w} height={h} showLabels={showLabels} trails={trails} />
        ) : null}
      </div>
      <div className="scrubber">
        <label className="field-label" htmlFor="frame-scrubber">
          Frame
        </label>
        <input
          id="frame-scrubber"
          type="range"
          min={0}
          max={Math.max(0, frames.length - 1)}
          step={1}
          value={index}
          aria-valuetext={`Frame ${index + 1} of ${frames.length}, ${fmtTime(frame?.time ?? 0)}`}
          onChange={(e) => seek(frames[Number(e.target.value)]?.time ?? 0)}
        />
        <span className="mono small" data-testid="frame-position">
          {index + 1} / {frames.length} · {fmtTime(frame?.time ?? 0)}
        </span>
      </div>
      {rows.length === 0 ? <p className="muted small">No objects were tracked in this video.</p> : null}
      {rows.length > 0 ? (
        <table className="track-table" aria-label="Tracks">
          <thead>
            <tr>
              <th scope="col">Track</th>
              <th scope="col">Label</th>
              <th scope="col">Seen</th>
              <th scope="col">Frames</th>
              <th scope="col">
                <span className="sr-only">Jump</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={String(r.trackId)} data-on-screen={onScreen.has(r.trackId) || undefined}>
                <td>
                  <span
                    className="swatch"
                    style={{ background: colorFor(`track:${String(r.trackId)}`) }}
                    aria-hidden="true"
                  />
                  #{String(r.trackId)}
                </td>
                <td>
                  {r.label}
                  {r.bestScore !== null ? <span className="muted"> {Math.round(r.bestScore * 100)}%</span> : null}
                </td>
                <td className="mono small">
                  {fmtTime(r.firstTime)} – {fmtTime(r.lastTime)}
                </td>
                <td>{r.frames}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => seek(r.firstTime)}
                    aria-label={`Jump to track ${String(r.trackId)}`}
                  >
                    Jump
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
