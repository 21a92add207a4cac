import type { RealtimeServerMessage } from '@bastion/protocol';
import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import { realtime, type ConnectionState, type RealtimeClient, type RealtimeSnapshot } from '../api/realtime';

/** The realtime client components use; tests provide one connected to a fake socket. */
export const RealtimeContext = createContext<RealtimeClient>(realtime);

export function useRealtimeClient(): RealtimeClient {
  return useContext(RealtimeContext);
}

/** Calls `handler` for every realtime message of `topics` while the component is mounted. */
export function useRealtime(topics: string[], handler: (msg: RealtimeServerMessage) => void): void {
  const client = useRealtimeClient();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  const key = topics.join('\n');
  useEffect(() => {
    if (!key) return;
    return client.subscribe(key.split('\n'), (msg) => ref.current(msg));
  }, [key, client]);
}

export function useRealtimeSnapshot(): RealtimeSnapshot {
  const client = useRealtimeClient();
  return useSyncExternalStore(
    (fn) => client.onChange(fn),
    () => client.snapshot,
  );
}

export function useRealtimeState(): ConnectionState {
  return useRealtimeSnapshot().state;
}
