import { useState } from 'react';
import type { LabeledBox } from '../lib/boxes';
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
