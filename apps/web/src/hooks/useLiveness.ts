import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { liveness, type Liveness, type LivenessSnapshot } from '../api/liveness';

/** The liveness watcher components use; tests provide one over a fake socket and probe. */
export const LivenessContext = createContext<Liveness>(liveness);

/** Whether the server answers, started while any component watches. */
export function useLiveness(): LivenessSnapshot {
  const l = useContext(LivenessContext);
  useEffect(() => l.start(), [l]);
  return useSyncExternalStore(
    (fn) => l.onChange(fn),
    () => l.snapshot,
  );
}

/** Seconds since `at`, re-rendered every second while `at` is set. */
export function useSecondsSince(at: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [at]);
  return at === null ? null : Math.max(0, Math.round((now - at) / 1000));
}
