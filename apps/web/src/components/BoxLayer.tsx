import { useContext, useLayoutEffect, useRef, useState } from 'react';
import { colorFor, colorKey, textOn, type LabeledBox } from '../lib/boxes';
import type { Trail } from '../lib/tracks';
import { ZoomContext } from './Zoomable';

interface Props {
  boxes: LabeledBox[];
  width: number;
  height: number;
  showLabels?: boolean;
  highlight?: string | null;
  /** Paths of tracks over the previous frames, drawn under the boxes. */
  trails?: Trail[];
}

export const boxKey = (b: LabeledBox): string => `${b.group}:${b.index}`;

/** Label text size on screen, in CSS pixels, whatever the image's size or zoom. */
export const LABEL_PX = 12;
const LABEL_FONT = `600 ${LABEL_PX}px system-ui, sans-serif`;

/** Measures label text in CSS pixels with the label's own font; a generous estimate where no canvas exists. */
function textMeasurer(): (text: string) => number {
  const ctx = typeof document !== 'undefined' ? document.createElement('canvas').getContext?.('2d') : null;
  if (ctx) {
    ctx.font = LABEL_FONT;
    return (text) => ctx.measureText(text).width;
  }
  return (text) => text.length * LABEL_PX * 0.65;
}

/** The label of a box as drawn: its text, and its score as a percentage. */
export const labelText = (b: LabeledBox): string =>
  b.score !== null ? `${b.label} ${Math.round(b.score * 100)}%` : b.label;

/**
 * An SVG drawn over an image or video of the same aspect ratio: the viewBox is the image's pixel size, so boxes
 * in input-image pixels land where they belong at any display size. Labels are sized in screen pixels (the
 * layer's rendered width gives the scale), with a background measured from the text itself.
 */
export function BoxLayer({ boxes, width, height, showLabels = true, highlight = null, trails = [] }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [rendered, setRendered] = useState<number | null>(null);
  const [measure] = useState(textMeasurer);
  const zoom = useContext(ZoomContext);
  useLayoutEffect(() => {
    const el = svg.current;
    if (!el) return;
    // The layout width (a zoom's transform is not in it: it is applied below).
    const update = () => {
      const w = el.clientWidth || el.getBoundingClientRect().width;
      if (w > 0) setRendered(w);
    };
    update();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Image pixels per screen pixel (1 until the layout is known).
  const unit = rendered ? width / (rendered * zoom) : 1 / zoom;
  const font = LABEL_PX * unit;
  const pad = 3 * unit;
  return (
    <svg
      ref={svg}
      className="box-layer"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${boxes.length} boxes`}
      data-boxes={boxes.length}
      data-label-px={LABEL_PX}
    >
      {trails.map((t) => (
        <polyline
          key={`trail:${String(t.trackId)}`}
          className="trail"
          data-trail={String(t.trackId)}
          points={t.points.map(([x, y]) => `${x},${y}`).join(' ')}
          fill="none"
          stroke={t.color}
          strokeWidth={2}
          strokeOpacity={0.8}
          strokeDasharray="4 3"
          vectorEffect="non-scaling-stroke"
        />
      ))}
      {boxes.map((b) => {
        const color = colorFor(colorKey(b));
        const k = boxKey(b);
        const dim = highlight !== null && highlight !== k;
        const label = labelText(b);
        const labelW = Math.min(measure(label) * unit + pad * 2, width);
        const labelH = font + pad * 2;
        const above = b.y - labelH >= 0;
        const ly = above ? b.y - labelH : b.y;
        const lx = Math.max(0, Math.min(b.x, width - labelW));
        return (
          <g key={k} opacity={dim ? 0.25 : 1} data-box={k} data-color={color}>
            <rect
              x={b.x}
              y={b.y}
              width={b.width}
              height={b.height}
              fill={color}
              fillOpacity={highlight === k ? 0.18 : 0.06}
              stroke={color}
              strokeWidth={highlight === k ? 3 : 2}
              vectorEffect="non-scaling-stroke"
              rx={2}
            />
            {showLabels ? (
              <g className="box-label">
                <rect x={lx} y={ly} width={labelW} height={labelH} fill={color} rx={pad} />
                <text
                  x={lx + pad}
                  y={ly + pad + font * 0.85}
                  fontSize={font}
                  fill={textOn(color)}
                  fontWeight={600}
                  fontFamily="system-ui, sans-serif"
                >
                  {label}
                </text>
              </g>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
