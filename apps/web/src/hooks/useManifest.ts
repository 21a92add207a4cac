import type { ManifestResponse } from '@bastion/protocol';
import { useEffect, useState } from 'react';
import { getManifest, toApiError, type ApiError } from '../api/client';

const cache = new Map<string, ManifestResponse>();

/** A plugin's manifest (tools with input schemas), cached for the session. */
export function useManifest(plugin: string | null): {
  manifest: ManifestResponse | null;
  error: ApiError | null;
  loading: boolean;
} {
  const [state, setState] = useState<{ manifest: ManifestResponse | null; error: ApiError | null; loading: boolean }>({
    manifest: plugin ? (cache.get(plugin) ?? null) : null,
    error: null,
    loading: false,
  });
  useEffect(() => {
    if (!plugin) {
      setState({ manifest: null, error: null, loading: false });
      return;
    }
    const cached = cache.get(plugin);
    if (cached) {
      setState({ manifest: cached, error: null, loading: false });
      return;
    }
    const ac = new AbortController();
    setState({ manifest: null, error: null, loading: true });
    getManifest(plugin, ac.signal).then(
      (m) => {
        cache.set(plugin, m);
        setState({ manifest: m, error: null, loading: false });
      },
      (err: unknown) => {
        const e = toApiError(err);
        if (e.code !== 'CANCELLED') setState({ manifest: null, error: e, loading: false });
      },
    );
    return () => ac.abort();
  }, [plugin]);
  return state;
}

/** Forget a manifest (after a restart the tools may have changed). */
export function forgetManifest(plugin: string): void {
  cache.delete(plugin);
}
