import { useEffect, useMemo, useRef, useState } from 'react';
import { frameAt, type LabeledBox, type TimedFrame } from '../lib/boxes';
import { BoxLayer } from './BoxLayer';

interface ImageProps {
  src: string;
  alt: string;
  boxes: LabeledBox[];
  /** Pixel size the boxes refer to; defaults to the image's natural size. */
  width: number | null;
  height: number | null;
  showLabels: boolean;
  highlight: string | null;
}

/** The uploaded image with the result's boxes on top. */
export function ImageWithBoxes({ src, alt, boxes, width, height, showLabels, highlight }: ImageProps) {
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const w = width ?? natural?.w ?? null;
  const h = height ?? natural?.h ?? null;
  return (
    <div className="media-box">
      <img
        src={src}
        alt={alt}
        onLoad={(e) => setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
      />
      {w && h ? <BoxLayer boxes={boxes} width={w} height={h} showLabels={showLabels} highlight={highlight} /> : null}
    </div>
  );
}

/** Boxes without the image (e.g. a job's result): drawn on a neutral canvas of the reported size. */
export function BlankWithBoxes({ boxes, width, height, showLabels, highlight }: Omit<ImageProps, 'src' | 'alt'>) {
  if (!width || !height) return null;
  return (
    <div className="media-box blank" style={{ aspectRatio: `${width} / ${height}` }}>
      <BoxLayer boxes={boxes} width={width} height={height} showLabels={showLabels} highlight={highlight} />
    </div>
  );
}

interface VideoProps {
  src: string;
  frames: TimedFrame[];
  width: number | null;
  height: number | null;
  showLabels: boolean;
}

/** The uploaded video with each frame's tracked boxes following playback. */
export function VideoWithBoxes({ src, frames, width, height, showLabels }: VideoProps) {
  const video = useRef<HTMLVideoElement>(null);
  const [t, setT] = useState(0);
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
  }, []);
  const frame = useMemo(() => frameAt(frames, t), [frames, t]);
  const w = width ?? size?.w ?? null;
  const h = height ?? size?.h ?? null;
  return (
    <div className="media-box">
      <video
        ref={video}
        src={src}
        controls
        muted
        playsInline
        onLoadedMetadata={(e) => setSize({ w: e.currentTarget.videoWidth, h: e.currentTarget.videoHeight })}
      />
      {w && h && frame ? <BoxLayer boxes={frame.boxes} width={w} height={h} showLabels={showLabels} /> : null}
    </div>
  );
}
