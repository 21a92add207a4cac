import { useEffect, useRef, useState } from 'react';
import { AUTH_REQUIRED_EVENT, getApiKey, onApiKeyChange, setApiKey } from '../api/settings';

const OPEN_EVENT = 'bastion:open-key-settings';

/** Opens the API key popover from anywhere (e.g. an UNAUTHORIZED error's button). */
export function openKeySettings(): void {
  window.dispatchEvent(new Event(OPEN_EVENT));
}

/** The header's key button: stores an optional API key in this browser; opens itself on 401/403. */
export function KeyControl() {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState(getApiKey());
  const [draft, setDraft] = useState(key);
  const [needed, setNeeded] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => onApiKeyChange(setKey), []);
  useEffect(() => {
    const onOpen = () => setOpen(true);
    const onAuth = (e: Event) => {
      setNeeded((e as CustomEvent<string>).detail);
      setOpen(true);
    };
    window.addEventListener(OPEN_EVENT, onOpen);
    window.addEventListener(AUTH_REQUIRED_EVENT, onAuth);
    return () => {
      window.removeEventListener(OPEN_EVENT, onOpen);
      window.removeEventListener(AUTH_REQUIRED_EVENT, onAuth);
    };
  }, []);
  useEffect(() => {
    if (!open) return;
    setDraft(getApiKey());
    input.current?.focus();
    // Escape closes the popover and gives focus back to the button that opened it.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const save = (value: string) => {
    setApiKey(value);
    setNeeded(null);
    setOpen(false);
    button.current?.focus();
  };

  return (
    <div className="key-control" ref={root}>
      <button
        ref={button}
        type="button"
        className={`icon-btn${needed ? ' attention' : ''}`}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={key ? 'API key (set)' : 'API key (not set)'}
        title={key ? 'API key set' : 'Set an API key'}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            fill="currentColor"
            d="M14 3a7 7 0 0 0-6.7 9.1L2 17.4V22h4.6v-2.3h2.3v-2.3h2.3l1.3-1.3A7 7 0 1 0 14 3Zm2.5 6.2a1.8 1.8 0 1 1 0-3.6 1.8 1.8 0 0 1 0 3.6Z"
          />
        </svg>
        {key ? <span className="key-dot" aria-hidden="true" /> : null}
      </button>
      {open ? (
        <div className="popover" role="dialog" aria-label="API key">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save(draft);
            }}
          >
            {needed ? (
              <p className="popover-alert">
                {needed === 'FORBIDDEN'
                  ? 'Your key’s role may not do that — use the admin key.'
                  : 'The server needs an API key for this.'}
              </p>
            ) : null}
            <label className="field-label" htmlFor="api-key">
              API key
            </label>
            <input
              id="api-key"
              ref={input}
              className="input"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="BASTION_USER_KEY or BASTION_ADMIN_KEY"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
            />
            <p className="muted small">
              Kept in this browser only and sent as X-API-Key. Not needed on a keyless server.
            </p>
            <div className="row gap-s end">
              {key ? (
                <button type="button" className="btn btn-ghost" onClick={() => save('')}>
                  Forget
                </button>
              ) : null}
              <button type="submit" className="btn btn-primary">
                Save
              </button>
            </div>
          </form>
        </div>
      ) : null}
    </div>
  );
}
