import { useState } from 'react';
import { restartPlugin, toApiError, type ApiError } from '../api/client';
import { forgetManifest } from './useManifest';

/** Restarts a plugin (admin): the button's busy flag, the error to show, and the action. */
export function useRestart(name: string, onDone: () => void) {
  const [restarting, setRestarting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const restart = async () => {
    setRestarting(true);
    setError(null);
    try {
      await restartPlugin(name);
      forgetManifest(name);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setRestarting(false);
      onDone();
    }
  };
  return { restarting, error, restart, dismiss: () => setError(null) };
}
