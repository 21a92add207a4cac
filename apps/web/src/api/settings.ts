/** The optional API key, kept in localStorage and sent as X-API-Key (WebSockets: `?key=`). */
const STORAGE_KEY = 'bastion.apiKey';
const listeners = new Set<(key: string) => void>();

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy mode)
  }
}

let current = storage()?.getItem(STORAGE_KEY) ?? '';

export function getApiKey(): string {
  return current;
}

export function setApiKey(key: string): void {
  current = key.trim();
  const s = storage();
  if (current) s?.setItem(STORAGE_KEY, current);
  else s?.removeItem(STORAGE_KEY);
  for (const l of listeners) l(current);
}

export function onApiKeyChange(listener: (key: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Fired when the server answers 401/403, so the header can ask for a key. */
export const AUTH_REQUIRED_EVENT = 'bastion:auth-required';
