import { detailLines, errorHint, isAuthError } from '../lib/errors';
import { openKeySettings } from './KeyControl';

export interface ErrorLike {
  code: string;
  message: string;
  details?: unknown;
}

interface Props {
  error: ErrorLike;
  title?: string;
  /** Shows a close button; the banner is gone once it is pressed. */
  onDismiss?: () => void;
}

/**
 * An error banner: the code, the server's message, INVALID_INPUT's per-field list and what to do about it.
 * `role="alert"` makes screen readers announce it when it appears.
 */
export function ErrorNotice({ error, title, onDismiss }: Props) {
  const lines = detailLines(error.details);
  // "Fix each listed field" only makes sense when fields are listed; a plugin's InputError lists none.
  const hint =
    error.code === 'INVALID_INPUT' && lines.length === 0
      ? 'The tool refused an argument; the message above says which. Fix it in the form and run again.'
      : errorHint(error.code);
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <div className="notice-head">
        <code className="code-chip">{error.code}</code>
        {title ? <strong>{title}</strong> : null}
        {onDismiss ? (
          <button type="button" className="notice-close" aria-label="Dismiss" onClick={onDismiss}>
            <span aria-hidden="true">×</span>
          </button>
        ) : null}
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
      {hint ? (
        <p className="notice-hint">
          <strong>What to do: </strong>
          {hint}
        </p>
      ) : null}
      {isAuthError(error.code) ? (
        <button type="button" className="btn btn-small" onClick={openKeySettings}>
          Set API key
        </button>
      ) : null}
    </div>
  );
}
