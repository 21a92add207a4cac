import { useMemo, useState, type ReactNode } from 'react';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** Pretty JSON with light syntax colouring. */
function highlight(json: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let i = 0;
  for (const m of json.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) out.push(json.slice(last, at));
    const cls = m[1] ? (m[2] ? 'j-key' : 'j-str') : m[3] ? 'j-lit' : 'j-num';
    out.push(
      <span key={i++} className={cls}>
        {m[1] ?? m[0]}
      </span>,
    );
    if (m[1] && m[2]) out.push(m[2]);
    last = at + m[0].length;
  }
  if (last < json.length) out.push(json.slice(last));
  return out;
}

const MAX_HIGHLIGHT = 200_000;

/** A collapsible pretty-printed JSON block with a copy button. */
export function JsonView({ value, title = 'JSON', open = false }: { value: unknown; title?: string; open?: boolean }) {
  const text = useMemo(() => JSON.stringify(value, null, 2) ?? 'undefined', [value]);
  const body = useMemo(() => (text.length > MAX_HIGHLIGHT ? text : highlight(text)), [text]);
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    });
  };
  return (
    <details className="json-view" open={open}>
      <summary>
        <span>{title}</span>
        <span className="muted small">{text.length.toLocaleString()} chars</span>
      </summary>
      <div className="json-actions">
        <button type="button" className="btn btn-small btn-ghost" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre className="json-pre" tabIndex={0}>
        <code>{body}</code>
      </pre>
    </details>
  );
}
