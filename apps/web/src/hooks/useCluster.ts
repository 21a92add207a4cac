import type { ClusterResponse } from '@bastion/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getCluster, toApiError, type ApiError } from '../api/client';
import { isAvailable } from '../lib/states';
import { useInterval } from './useInterval';

export interface ClusterState {
  /** null while loading, and from a server without `GET /v1/cluster` (`supported` false). */
  cluster: ClusterResponse | null;
  supported: boolean;
  error: ApiError | null;
}

/** The nodes of the cluster (or the one standalone node), refreshed every 10 s. */
export function useCluster(): ClusterState {
  const [state, setState] = useState<ClusterState>({ cluster: null, supported: true, error: null });
  const inFlight = useRef<AbortController | null>(null);
  const load = useCallback(() => {
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    getCluster(ac.signal).then(
      (cluster) => setState({ cluster, supported: cluster !== null, error: null }),
      (err: unknown) => {
        const e = toApiError(err);
        if (e.code !== 'CANCELLED') setState((s) => ({ ...s, error: e }));
      },
    );
  }, []);
  useEffect(() => {
    load();
    return () => inFlight.current?.abort();
  }, [load]);
  useInterval(load, state.supported ? 10_000 : null);
  return state;
}

/** On how many of the cluster's nodes each plugin is available (LOADED, INITIALIZED or RUNNING). */
export function availabilityByPlugin(cluster: ClusterResponse): Map<string, number> {
  const out = new Map<string, number>();
  for (const node of cluster.nodes) {
    for (const p of node.plugins) {
      const n = out.get(p.name) ?? 0;
      out.set(p.name, n + (isAvailable(p.state) ? 1 : 0));
    }
  }
  return out;
}
