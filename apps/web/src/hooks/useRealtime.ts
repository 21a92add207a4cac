import type { RealtimeServerMessage } from '@bastion/protocol';
import { useEffect, useRef, useState } from 'react';
import { realtime, type ConnectionState } from '../api/realtime';

/** Calls `handler` for every realtime message of `topics` while the component is mounted. */
export function useRealtime(topics: string[], handler: (msg: RealtimeServerMessage) => void): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  const key = topics.join('\n');
  useEffect(() => {
    if (!key) return;
    return realtime.subscribe(key.split('\n'), (msg) => ref.current(msg));
  }, [key]);
}

export function useRealtimeState(): ConnectionState {
  const [state, setState] = useState(realtime.state);
  useEffect(() => {
    setState(realtime.state);
    return realtime.onState(setState);
  }, []);
  return state;
}
