import { useMemo, useState } from 'react';
import { defaultVisibleGroups, extractBoxes, extractTimedBoxes, colorFor, colorKey } from '../lib/boxes';
import { formatMs } from '../lib/format';
import { humanize } from '../lib/schema-form';
import { boxKey } from './BoxLayer';
import { JsonView } from './JsonView';
import { BlankWithBoxes, ImageWithBoxes, VideoWithBoxes } from './MediaWithBoxes';

export interface ResultMedia {
  url: string;
  kind: 'image' | 'video' | 'other';
  name: string;
}

interface Props {
  result: unknown;
  executionTimeMs?: number | null;
  media?: ResultMedia | null;
  title?: string;
}

const MAX_CHIPS = 60;

function Scalars({ result }: { result: unknown }) {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    return <p className="scalar-only">{JSON.stringify(result)}</p>;
  }
  const entries = Object.entries(result as Record<string, unknown>);
  const short = entries.filter(
    ([, v]) =>
      v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 60),
  );
  const long = entries.filter(([, v]) => typeof v === 'string' && v.length > 60) as Array<[string, string]>;
  const arrays = entries.filter(([, v]) => Array.isArray(v)) as Array<[string, unknown[]]>;
  return (
    <>
      {short.length + arrays.length > 0 ? (
        <dl className="kv">
          {short.slice(0, 16).map(([k, v]) => (
            <div key={k} className="kv-item">
              <dt>{humanize(k)}</dt>
              <dd data-type={v === null ? 'null' : typeof v}>
                {typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(4)).toString() : String(v)}
              </dd>
            </div>
          ))}
          {arrays.slice(0, 8).map(([k, v]) => (
            <div key={k} className="kv-item">
              <dt>{humanize(k)}</dt>
              <dd>{v.length} items</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {long.map(([k, v]) => (
        <div key={k} className="long-text">
          <div className="muted small">{humanize(k)}</div>
          <pre>{v}</pre>
        </div>
      ))}
    </>
  );
}

/**
 * A tool result: the boxes it found drawn over the input (image, video, or a blank canvas of the reported size),
 * the found items as chips, its plain values, the execution time, and the full JSON.
 */
export function ResultView({ result, executionTimeMs, media, title = 'Result' }: Props) {
  const set = useMemo(() => extractBoxes(result), [result]);
  const timed = useMemo(() => extractTimedBoxes(result), [result]);
  const [visible, setVisible] = useState<string[]>(() => defaultVisibleGroups(set));
  const [labels, setLabels] = useState(() => set.boxes.length <= 40 && !set.groups.includes('words'));
  const [highlight, setHighlight] = useState<string | null>(null);
  const shown = set.boxes.filter((b) => visible.includes(b.group));
  const hasVisual = set.boxes.length > 0 || (timed !== null && media?.kind === 'video');

  const toggle = (g: string) => setVisible((v) => (v.includes(g) ? v.filter((x) => x !== g) : [...v, g]));

  return (
    <div className="result" data-testid="result">
      <div className="result-head">
        <h3>{title}</h3>
        {executionTimeMs !== undefined && executionTimeMs !== null ? (
          <span className="pill" title="Execution time reported by the server">
            <svg viewBox="0 0 24 24" width="13" height="13" aria-hidden="true">
              <path
                fill="currentColor"
                d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16Zm.5-13H11v6l5.2 3.2.8-1.3-4.5-2.7z"
              />
            </svg>
            {formatMs(executionTimeMs)}
          </span>
        ) : null}
      </div>

      {set.groups.length > 0 ? (
        <div className="box-toolbar" role="group" aria-label="Box layers">
          {set.groups.map((g) => (
            <label key={g} className="toggle">
              <input type="checkbox" checked={visible.includes(g)} onChange={() => toggle(g)} />
              {humanize(g)} <span className="muted">({set.boxes.filter((b) => b.group === g).length})</span>
            </label>
          ))}
          <label className="toggle">
            <input type="checkbox" checked={labels} onChange={(e) => setLabels(e.target.checked)} />
            Labels
          </label>
        </div>
      ) : null}

      {media?.kind === 'image' && set.boxes.length > 0 ? (
        <ImageWithBoxes
          src={media.url}
          alt={`${media.name} with ${shown.length} boxes`}
          boxes={shown}
          width={set.width}
          height={set.height}
          showLabels={labels}
          highlight={highlight}
        />
      ) : null}
      {media?.kind === 'video' && timed ? (
        <VideoWithBoxes
          src={media.url}
          frames={timed.frames}
          width={timed.width}
          height={timed.height}
          showLabels={labels}
        />
      ) : null}
      {!media && set.boxes.length > 0 ? (
        <BlankWithBoxes boxes={shown} width={set.width} height={set.height} showLabels={labels} highlight={highlight} />
      ) : null}

      {shown.length > 0 ? (
        <ul className="found" aria-label="Found items">
          {shown.slice(0, MAX_CHIPS).map((b) => (
            <li
              key={boxKey(b)}
              className="found-item"
              tabIndex={0}
              onMouseEnter={() => setHighlight(boxKey(b))}
              onMouseLeave={() => setHighlight(null)}
              onFocus={() => setHighlight(boxKey(b))}
              onBlur={() => setHighlight(null)}
            >
              <span className="swatch" style={{ background: colorFor(colorKey(b)) }} aria-hidden="true" />
              {b.label}
              {b.score !== null ? <span className="muted">{Math.round(b.score * 100)}%</span> : null}
            </li>
          ))}
          {shown.length > MAX_CHIPS ? <li className="muted small">+{shown.length - MAX_CHIPS} more</li> : null}
        </ul>
      ) : null}

      <Scalars result={result} />
      <JsonView value={result} title="Raw JSON" open={!hasVisual && JSON.stringify(result ?? null).length < 2000} />
    </div>
  );
}
