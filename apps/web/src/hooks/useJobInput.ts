import type { JobInput } from '@bastion/protocol';
import { useEffect, useState } from 'react';
import { getJobInput, toApiError, type ApiError } from '../api/client';

/** What a job ran on (`GET /v1/jobs/:id/input`), fetched once per job. */
export function useJobInput(id: string): { input: JobInput | null; error: ApiError | null } {
  const [state, setState] = useState<{ input: JobInput | null; error: ApiError | null }>({ input: null, error: null });
  useEffect(() => {
    const ac = new AbortController();
    setState({ input: null, error: null });
    getJobInput(id, ac.signal).then(
      (input) => setState({ input, error: null }),
      (err: unknown) => {
        const e = toApiError(err);
        if (e.code !== 'CANCELLED') setState({ input: null, error: e });
      },
    );
    return () => ac.abort();
  }, [id]);
  return state;
}
