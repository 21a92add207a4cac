import { colorFor, colorKey, type LabeledBox } from '../lib/boxes';
import type { Trail } from '../lib/tracks';

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

/**
 * An SVG drawn over an image or video of the same aspect ratio: the viewBox is the image's pixel size, so boxes
 * in input-image pixels land where they belong at any display size.
 */
export function BoxLayer({ boxes, width, height, showLabels = true, highlight = null, trails = [] }: Props) {
  const font = Math.max(10, Math.round(Math.max(width, height) / 45));
  const pad = Math.round(font * 0.3);
  return (
    <svg
      className="box-layer"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${boxes.length} boxes`}
      data-boxes={boxes.length}
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
        const label = b.score !== null ? `${b.label} ${Math.round(b.score * 100)}%` : b.label;
        const labelW = Math.min(Math.max(label.length * font * 0.58 + pad * 2, font * 2), width);
        const above = b.y - font - pad * 2 >= 0;
        const ly = above ? b.y - font - pad * 2 : b.y;
        const lx = Math.min(b.x, width - labelW);
        return (
          <g key={k} opacity={dim ? 0.25 : 1} data-box={k}>
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
              <g>
                <rect x={lx} y={ly} width={labelW} height={font + pad * 2} fill={color} rx={pad} />
                <text x={lx + pad} y={ly + pad + font * 0.85} fontSize={font} fill="#0b0d12" fontWeight={600}>
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
