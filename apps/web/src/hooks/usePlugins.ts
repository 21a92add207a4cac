import type { HealthRecord } from '@bastion/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { listPlugins, toApiError, type ApiError } from '../api/client';
import { onApiKeyChange } from '../api/settings';
import { useInterval } from './useInterval';
import { useLiveness } from './useLiveness';
import { useRealtime, useRealtimeState } from './useRealtime';

export interface PluginsState {
  plugins: HealthRecord[] | null;
  error: ApiError | null;
  refresh: () => void;
  live: boolean;
}

/**
 * Health records, kept fresh: a `plugin_status` message updates the state at once and triggers a refetch for the
 * counters; without a realtime connection the list is polled every 5 s.
 */
export function usePlugins(): PluginsState {
  const [plugins, setPlugins] = useState<HealthRecord[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const debounce = useRef<ReturnType<typeof setTimeout> | null>(null);
  const live = useRealtimeState() === 'open';

  const refresh = useCallback(() => {
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    listPlugins(ac.signal).then(
      (list) => {
        setPlugins(list);
        setError(null);
      },
      (err: unknown) => {
        const e = toApiError(err);
        if (e.code !== 'CANCELLED') setError(e);
      },
    );
  }, []);

  useEffect(() => {
    refresh();
    const off = onApiKeyChange(refresh);
    return () => {
      off();
      inFlight.current?.abort();
      if (debounce.current) clearTimeout(debounce.current);
    };
  }, [refresh]);

  useRealtime(['plugins'], (msg) => {
    if (msg.type !== 'plugin_status') return;
    const p = msg.payload;
    setPlugins(
      (list) =>
        list?.map((r) =>
          r.name === p.name ? { ...r, state: p.state, reason: p.reason, reason_code: p.reason_code } : r,
        ) ?? list,
    );
    if (debounce.current) clearTimeout(debounce.current);
    debounce.current = setTimeout(refresh, 400);
  });

  // The server answers again after a gap: fetch at once rather than at the next poll.
  const reach = useLiveness().reach;
  const wasReach = useRef(reach);
  useEffect(() => {
    if (reach === 'up' && wasReach.current !== 'up') refresh();
    wasReach.current = reach;
  }, [reach, refresh]);

  useInterval(refresh, reach === 'down' ? null : live ? 15_000 : 5_000);

  return { plugins, error, refresh, live };
}
