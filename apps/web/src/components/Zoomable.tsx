import { createContext, useEffect, useRef, useState, type ReactNode } from 'react';

/** The zoom factor of the enclosing view, so overlays can keep their labels at screen size. */
export const ZoomContext = createContext(1);

const MIN = 1;
const MAX = 8;
const STEP = 1.5;

/**
 * Zoom and pan for a result's picture: buttons (and +/−/0 and the arrow keys when focused), the mouse wheel, and
 * dragging while zoomed in. The picture is scaled with a CSS transform; overlays read the zoom from context.
 */
export function Zoomable({ children, label }: { children: ReactNode; label: string }) {
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const view = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number; px: number; py: number } | null>(null);

  const clampPan = (p: { x: number; y: number }, z: number) => {
    const el = view.current;
    const w = el?.clientWidth ?? 0;
    const h = el?.clientHeight ?? 0;
    return { x: Math.min(0, Math.max(w - w * z, p.x)), y: Math.min(0, Math.max(h - h * z, p.y)) };
  };

  /** Zooms to `next` keeping the point (cx, cy) of the view where it is. */
  const zoomTo = (next: number, cx?: number, cy?: number) => {
    const z = Math.min(MAX, Math.max(MIN, next));
    const el = view.current;
    const x = cx ?? (el?.clientWidth ?? 0) / 2;
    const y = cy ?? (el?.clientHeight ?? 0) / 2;
    setPan((p) => clampPan({ x: x - ((x - p.x) * z) / zoom, y: y - ((y - p.y) * z) / zoom }, z));
    setZoom(z);
  };

  useEffect(() => {
    const el = view.current;
    if (!el) return;
    // A non-passive listener. The wheel scrolls the page as usual; it zooms with Ctrl (a trackpad pinch sends
    // that) or once the picture is zoomed in, where it is what the user is working with.
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && zoom === 1) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomTo(zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  });

  const onKey = (e: React.KeyboardEvent) => {
    const d = 40;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [d, 0],
      ArrowRight: [-d, 0],
      ArrowUp: [0, d],
      ArrowDown: [0, -d],
    };
    if (e.key === '+' || e.key === '=') zoomTo(zoom * STEP);
    else if (e.key === '-') zoomTo(zoom / STEP);
    else if (e.key === '0') zoomTo(1);
    else if (moves[e.key] && zoom > 1)
      setPan((p) => clampPan({ x: p.x + moves[e.key]![0], y: p.y + moves[e.key]![1] }, zoom));
    else return;
    e.preventDefault();
  };

  return (
    <div className="zoom">
      <div className="zoom-tools" role="group" aria-label={`Zoom ${label}`}>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => zoomTo(zoom / STEP)}
          disabled={zoom <= MIN}
        >
          <span aria-hidden="true">−</span>
          <span className="sr-only">Zoom out</span>
        </button>
        <output className="mono small" data-testid="zoom-level" aria-live="polite">
          {Math.round(zoom * 100)}%
        </output>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => zoomTo(zoom * STEP)}
          disabled={zoom >= MAX}
        >
          <span aria-hidden="true">+</span>
          <span className="sr-only">Zoom in</span>
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => zoomTo(1)} disabled={zoom === 1}>
          Fit
        </button>
      </div>
      <div
        ref={view}
        className={`zoom-view${zoom > 1 ? ' zoomed' : ''}`}
        tabIndex={0}
        role="region"
        aria-label={`${label}: + and − zoom, arrow keys move`}
        onKeyDown={onKey}
        onPointerDown={(e) => {
          if (zoom === 1) return;
          drag.current = { x: e.clientX, y: e.clientY, px: pan.x, py: pan.y };
          e.currentTarget.setPointerCapture?.(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setPan(clampPan({ x: d.px + e.clientX - d.x, y: d.py + e.clientY - d.y }, zoom));
        }}
        onPointerUp={() => (drag.current = null)}
        onPointerCancel={() => (drag.current = null)}
      >
        <div
          className="zoom-content"
          data-zoom={zoom}
          style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})`, transformOrigin: '0 0' }}
        >
          <ZoomContext.Provider value={zoom}>{children}</ZoomContext.Provider>
        </div>
      </div>
    </div>
  );
}
