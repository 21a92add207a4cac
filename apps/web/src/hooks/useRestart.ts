import type { RestartResponse } from '@bastion/protocol';
import { useState } from 'react';
import { restartPlugin, toApiError, type ApiError } from '../api/client';
import { forgetManifest } from './useManifest';

/** Restarts a plugin (admin): the button's busy flag, the outcome or error to show, and the action. */
export function useRestart(name: string, onDone: () => void) {
  const [restarting, setRestarting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [outcome, setOutcome] = useState<RestartResponse | null>(null);
  const restart = async () => {
    setRestarting(true);
    setError(null);
    setOutcome(null);
    try {
      setOutcome(await restartPlugin(name));
      forgetManifest(name);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setRestarting(false);
      onDone();
    }
  };
  return { restarting, error, outcome, restart, dismiss: () => setError(null) };
}
