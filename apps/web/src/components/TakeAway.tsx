import { useState } from 'react';
import { annotatedPng, download, imageSize } from '../lib/annotate';
import type { BoxSet, LabeledBox, TimedFrame } from '../lib/boxes';
import { toCoco, toCurl, toJs, toMotCsv, toPython, toYolo, yoloClasses, type MadeRequest } from '../lib/export';
import { labelText } from './BoxLayer';
import type { ResultMedia } from './ResultView';

interface Props {
  result: unknown;
  /** The boxes the overlay shows now (its filters apply to the exports too). */
  boxes: LabeledBox[];
  set: BoxSet;
  frames: TimedFrame[] | null;
  media: ResultMedia | null;
  request: MadeRequest | null;
}

const stem = (name: string | undefined): string => (name ? name.replace(/\.[^.]+$/, '') : 'result');

type Snippet = 'curl' | 'python' | 'js';
const SNIPPETS: Record<Snippet, { label: string; make: (r: MadeRequest, origin: string) => string }> = {
  curl: { label: 'curl', make: toCurl },
  python: { label: 'Python', make: toPython },
  js: { label: 'JS', make: toJs },
};

/**
 * Downloads of a result (annotated PNG, JSON, COCO, YOLO, MOT CSV — each only where it makes sense) and the exact
 * request as curl, Python or JavaScript, copied to the clipboard and shown for reading.
 */
export function TakeAway({ result, boxes, set, frames, media, request }: Props) {
  const [status, setStatus] = useState('');
  const [shown, setShown] = useState<Snippet | null>(null);
  const base = stem(media?.name);
  const image = media?.kind === 'image' ? media : null;
  // COCO and YOLO are for object classes; OCR words and lines are text, not classes.
  const objects = boxes.filter((b) => b.group !== 'words' && b.group !== 'lines');
  const tracked = frames !== null && frames.some((f) => f.boxes.some((b) => b.trackId !== null));

  const run = (what: string, fn: () => Promise<void> | void) => async () => {
    try {
      await fn();
      setStatus(`${what}: done`);
    } catch (err) {
      setStatus(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const size = async (): Promise<{ width: number; height: number }> => {
    if (set.width && set.height) return { width: set.width, height: set.height };
    if (image) return imageSize(image.url);
    throw new Error('the result does not say the image size');
  };

  const copy = (kind: Snippet) => async () => {
    if (!request) return;
    const text = SNIPPETS[kind].make(request, window.location.origin);
    setShown(kind);
    try {
      await navigator.clipboard.writeText(text);
      setStatus(`Copied as ${SNIPPETS[kind].label}`);
    } catch {
      setStatus(`The browser refused the clipboard; the ${SNIPPETS[kind].label} code is shown below to copy by hand`);
    }
  };

  return (
    <div className="takeaway" role="group" aria-label="Take the result away">
      <div className="takeaway-row">
        <span className="muted small">Download</span>
        {image && boxes.length > 0 ? (
          <button
            type="button"
            className="btn btn-small btn-secondary"
            onClick={run('Annotated PNG', async () =>
              download(`${base}-annotated.png`, await annotatedPng(image.url, boxes, set.width, set.height, labelText)),
            )}
          >
            Image with boxes (PNG)
          </button>
        ) : null}
        <button
          type="button"
          className="btn btn-small btn-secondary"
          onClick={run('JSON', () =>
            download(`${base}-result.json`, JSON.stringify(result, null, 2), 'application/json'),
          )}
        >
          JSON
        </button>
        {!frames && objects.length > 0 && (image || (set.width && set.height)) ? (
          <>
            <button
              type="button"
              className="btn btn-small btn-secondary"
              onClick={run('COCO JSON', async () => {
                const { width, height } = await size();
                const coco = toCoco(objects, { fileName: media?.name ?? 'image', width, height });
                download(`${base}-coco.json`, JSON.stringify(coco, null, 2), 'application/json');
              })}
            >
              COCO JSON
            </button>
            <button
              type="button"
              className="btn btn-small btn-secondary"
              onClick={run('YOLO labels', async () => {
                const { width, height } = await size();
                download(`${base}.txt`, toYolo(objects, width, height), 'text/plain');
              })}
            >
              YOLO txt
            </button>
            <button
              type="button"
              className="btn btn-small btn-secondary"
              onClick={run('YOLO classes', () => download('classes.txt', yoloClasses(objects), 'text/plain'))}
            >
              classes.txt
            </button>
          </>
        ) : null}
        {tracked && frames ? (
          <button
            type="button"
            className="btn btn-small btn-secondary"
            onClick={run('Tracks CSV', () => download(`${base}-tracks-mot.csv`, toMotCsv(frames), 'text/csv'))}
          >
            Tracks CSV (MOT)
          </button>
        ) : null}
      </div>
      {request ? (
        <div className="takeaway-row">
          <span className="muted small">Copy the request as</span>
          {(Object.keys(SNIPPETS) as Snippet[]).map((k) => (
            <button key={k} type="button" className="btn btn-small btn-ghost" onClick={() => void copy(k)()}>
              {SNIPPETS[k].label}
            </button>
          ))}
        </div>
      ) : null}
      <p className="muted small takeaway-status" role="status">
        {status}
      </p>
      {request && shown ? (
        <pre
          className="snippet mono small"
          data-testid="snippet"
          tabIndex={0}
          aria-label={`${SNIPPETS[shown].label} code`}
        >
          {SNIPPETS[shown].make(request, window.location.origin)}
        </pre>
      ) : null}
    </div>
  );
}
