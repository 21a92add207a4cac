import { detailLines, errorHint, isAuthError } from '../lib/errors';
import { openKeySettings } from './KeyControl';

export interface ErrorLike {
  code: string;
  message: string;
  details?: unknown;
}

/** An error as the server reported it: code, message, a hint on what to do, and INVALID_INPUT's per-field list. */
export function ErrorNotice({ error, title }: { error: ErrorLike; title?: string }) {
  const hint = errorHint(error.code);
  const lines = detailLines(error.details);
  return (
    <div className="notice notice-error" role="alert">
      <div className="notice-head">
        <code className="code-chip">{error.code}</code>
        {title ? <strong>{title}</strong> : null}
      </div>
      <p className="notice-message">{error.message}</p>
      {lines.length > 0 ? (
        <ul className="notice-details">
          {lines.map((l, i) => (
            <li key={i}>
              <code>{l.path}</code> {l.message}
            </li>
          ))}
        </ul>
      ) : null}
      {hint ? <p className="notice-hint">{hint}</p> : null}
      {isAuthError(error.code) ? (
        <button type="button" className="btn btn-small" onClick={openKeySettings}>
          Set API key
        </button>
      ) : null}
    </div>
  );
}
