import { useCallback, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import {
  colorFor,
  colorKey,
  countOf,
  defaultVisibleGroups,
  extractBoxes,
  extractTimedBoxes,
  type LabeledBox,
} from '../lib/boxes';
import type { MadeRequest } from '../lib/export';
import { formatMs } from '../lib/format';
import { humanize } from '../lib/schema-form';
import { boxKey } from './BoxLayer';
import { JsonView } from './JsonView';
import { BlankWithBoxes, ImageWithBoxes } from './MediaWithBoxes';
import { TakeAway } from './TakeAway';
import { VideoResult } from './VideoResult';
import { Zoomable } from './Zoomable';

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
  /** The request the result came from (for "Copy as"); null when unknown, e.g. a job opened later. */
  request?: MadeRequest | null;
  /**
   * The tool's own minimum score argument and the value it ran with: below it the server returned nothing, so
   * the slider offers to run the tool again at the lower value.
   */
  serverMinScore?: { arg: string; value: number } | null;
  onRerun?: ((args: Record<string, unknown>) => void) | null;
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

/** Minimum-score steps of the confidence slider. */
const SCORE_STEP = 0.05;

/**
 * A tool result: the boxes it found drawn over the input (image, video, or a blank canvas of the reported size),
 * the found items as chips, its plain values, the execution time, and the full JSON. The overlay controls (layer
 * toggles, labels, track trails, minimum score) filter what is drawn and listed on the client, without running
 * the tool again.
 */
export function ResultView({
  result,
  executionTimeMs,
  media,
  title = 'Result',
  request = null,
  serverMinScore = null,
  onRerun = null,
}: Props) {
  const set = useMemo(() => extractBoxes(result), [result]);
  const timed = useMemo(() => extractTimedBoxes(result), [result]);
  const timedGroups = useMemo(() => {
    const gs = new Set<string>();
    for (const f of timed?.frames ?? []) for (const b of f.boxes) gs.add(b.group);
    return [...gs];
  }, [timed]);
  const isVideo = timed !== null;
  const groups = isVideo ? timedGroups : set.groups;
  const allBoxes = useMemo(
    () => (isVideo ? (timed?.frames.flatMap((f) => f.boxes) ?? []) : set.boxes),
    [isVideo, timed, set],
  );
  // The defaults follow the result (a job's result can arrive after this view mounted); a user's choice sticks.
  const defaults = isVideo ? groups : defaultVisibleGroups(set);
  const [visibleChoice, setVisible] = useState<string[] | null>(null);
  const visible = visibleChoice ?? defaults;
  const [labelsChoice, setLabels] = useState<boolean | null>(null);
  // Track ids are what tells tracks apart: on by default for videos (a frame holds few boxes); on for up to 40
  // boxes of an image; off for OCR words (the text is in the chips below).
  const labels = labelsChoice ?? (isVideo || (allBoxes.length <= 40 && !set.groups.includes('words')));
  const [trails, setTrails] = useState(true);
  // Where the tool itself stopped: lower values only mean something after running it again.
  const [minScore, setMinScore] = useState(() => serverMinScore?.value ?? 0);
  const [highlight, setHighlight] = useState<string | null>(null);
  const idBase = useId();
  const scored = allBoxes.some((b) => b.score !== null);
  const keep = useCallback(
    (b: LabeledBox) => visible.includes(b.group) && (b.score === null || b.score >= minScore - 1e-9),
    [visible, minScore],
  );
  const shown = set.boxes.filter(keep);
  const hasVisual = set.boxes.length > 0 || isVideo;
  const countIn = (g: string) => countOf(allBoxes.filter((b) => b.group === g));
  const [activeChip, setActiveChip] = useState(0);
  const chips = useRef<HTMLUListElement>(null);
  const below = serverMinScore !== null && minScore < serverMinScore.value - 1e-9;

  /** The found items are one tab stop; arrow keys, Home and End move between them (a roving tabindex). */
  const onChipKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const n = Math.min(shown.length, MAX_CHIPS);
    const moves: Record<string, number> = {
      ArrowRight: activeChip + 1,
      ArrowDown: activeChip + 1,
      ArrowLeft: activeChip - 1,
      ArrowUp: activeChip - 1,
      Home: 0,
      End: n - 1,
    };
    if (!(e.key in moves) || n === 0) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(n - 1, moves[e.key]!));
    setActiveChip(next);
    chips.current?.querySelectorAll<HTMLElement>('[data-chip]')[next]?.focus();
  };

  const toggle = (g: string) => setVisible(visible.includes(g) ? visible.filter((x) => x !== g) : [...visible, g]);

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

      {groups.length > 0 ? (
        <div className="box-toolbar" role="group" aria-label="Overlay">
          {groups.map((g) => (
            <label key={g} className="toggle">
              <input type="checkbox" checked={visible.includes(g)} onChange={() => toggle(g)} />
              {humanize(g)} <span className="muted">({countIn(g)})</span>
            </label>
          ))}
          <label className="toggle">
            <input type="checkbox" checked={labels} onChange={(e) => setLabels(e.target.checked)} />
            Labels
          </label>
          {isVideo ? (
            <label className="toggle">
              <input type="checkbox" checked={trails} onChange={(e) => setTrails(e.target.checked)} />
              Track trails
            </label>
          ) : null}
          {scored ? (
            <div className="score-filter">
              <label htmlFor={`${idBase}-score`}>Confidence</label>
              <input
                id={`${idBase}-score`}
                type="range"
                min={0}
                max={1}
                step={SCORE_STEP}
                value={minScore}
                aria-valuetext={`at least ${Math.round(minScore * 100)}%`}
                onChange={(e) => setMinScore(Number(e.target.value))}
              />
              <output htmlFor={`${idBase}-score`} className="mono small">
                ≥ {Math.round(minScore * 100)}%
              </output>
              {below && serverMinScore ? (
                <span className="rerun small" data-testid="below-server-min">
                  The tool only returned scores ≥ {Math.round(serverMinScore.value * 100)}%.
                  {onRerun ? (
                    <button
                      type="button"
                      className="btn btn-small btn-secondary"
                      onClick={() => onRerun({ [serverMinScore.arg]: Math.round(minScore * 100) / 100 })}
                    >
                      Run again at ≥ {Math.round(minScore * 100)}%
                    </button>
                  ) : null}
                </span>
              ) : null}
            </div>
          ) : null}
          {!isVideo ? (
            <span className="muted small" data-testid="shown-count" aria-live="polite">
              {shown.length} of {set.boxes.length} shown
            </span>
          ) : null}
        </div>
      ) : null}

      {media?.kind === 'image' && set.boxes.length > 0 ? (
        <Zoomable label="Result image">
          <ImageWithBoxes
            src={media.url}
            alt={`${media.name} with ${shown.length} boxes`}
            boxes={shown}
            width={set.width}
            height={set.height}
            showLabels={labels}
            highlight={highlight}
          />
        </Zoomable>
      ) : null}
      {isVideo && timed ? (
        <VideoResult
          src={media?.kind === 'video' ? media.url : null}
          frames={timed.frames}
          width={timed.width}
          height={timed.height}
          showLabels={labels}
          showTrails={trails}
          keep={keep}
        />
      ) : null}
      {media?.kind !== 'image' && !isVideo && set.boxes.length > 0 ? (
        <>
          <p className="muted small" data-testid="no-input">
            The input image is not available here, so the boxes are drawn on a blank canvas of its size.
          </p>
          <BlankWithBoxes
            boxes={shown}
            width={set.width}
            height={set.height}
            showLabels={labels}
            highlight={highlight}
          />
        </>
      ) : null}

      {shown.length > 0 ? (
        <ul
          className="found"
          aria-label="Found items"
          title="Arrow keys move between items"
          ref={chips}
          onKeyDown={onChipKey}
        >
          {shown.slice(0, MAX_CHIPS).map((b, i) => (
            <li
              key={boxKey(b)}
              className="found-item"
              data-chip=""
              tabIndex={i === Math.min(activeChip, Math.min(shown.length, MAX_CHIPS) - 1) ? 0 : -1}
              onMouseEnter={() => setHighlight(boxKey(b))}
              onMouseLeave={() => setHighlight(null)}
              onFocus={() => {
                setHighlight(boxKey(b));
                setActiveChip(i);
              }}
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

      <TakeAway
        result={result}
        boxes={isVideo ? [] : shown}
        set={set}
        frames={timed?.frames ?? null}
        media={media ?? null}
        request={request}
      />
      <Scalars result={result} />
      <JsonView value={result} title="Raw JSON" open={!hasVisual && JSON.stringify(result ?? null).length < 2000} />
    </div>
  );
}
