import type { HealthRecord, ManifestResponse } from '@bastion/protocol';
import { useEffect, useState } from 'react';
import { getManifest } from '../api/client';

/** Manifests of every available plugin (for choosing a tool across plugins); failures are skipped. */
export function useManifests(plugins: HealthRecord[] | null): ManifestResponse[] | null {
  const [manifests, setManifests] = useState<ManifestResponse[] | null>(null);
  const key = (plugins ?? [])
    .filter((p) => p.state === 'INITIALIZED' || p.state === 'RUNNING')
    .map((p) => p.name)
    .join(',');
  const ready = plugins !== null;
  useEffect(() => {
    if (!ready) return;
    const ac = new AbortController();
    const names = key ? key.split(',') : [];
    void Promise.all(names.map((n) => getManifest(n, ac.signal).catch(() => null))).then((list) => {
      if (!ac.signal.aborted) setManifests(list.filter((m): m is ManifestResponse => m !== null));
    });
    return () => ac.abort();
  }, [key, ready]);
  return manifests;
}
