import { ERROR_CODES, type ErrorCode } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../../src/errors/bastion-error.js';
import { JOB_CANCELLED, jobEnd } from '../../src/jobs/outcome.js';

const quiet = { aborted: false, stopping: false };

describe('how a failed job call ends (both job backends)', () => {
  it('maps every code of the registry, for a run neither aborted nor stopping', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const end = jobEnd(new BastionError(code, `${code} happened`), quiet);
      if (code === 'SHUTTING_DOWN') expect(end, code).toEqual({ kind: 'host-stopped' });
      else if (code === 'PLUGIN_BUSY') expect(end, code).toEqual({ kind: 'busy' });
      else if (code === 'CANCELLED') expect(end, code).toEqual({ kind: 'cancelled', error: JOB_CANCELLED });
      else {
        expect(end, code).toEqual({
          kind: 'failed',
          error: { code, message: `${code} happened` },
          pluginFailure: [
            'PLUGIN_CRASHED',
            'PLUGIN_TIMEOUT',
            'PLUGIN_MEMORY_LIMIT',
            'TOOL_ERROR',
            'INVALID_OUTPUT',
          ].includes(code),
        });
      }
    }
  });

  it('does not retry a busy plugin for a job being cancelled or a host stopping: it fails', () => {
    const busy = new BastionError('PLUGIN_BUSY', 'queue full');
    expect(jobEnd(busy, { aborted: true, stopping: false }).kind).toBe('failed');
    expect(jobEnd(busy, { aborted: false, stopping: true }).kind).toBe('failed');
  });

  it('hands back a run the host gave up (cluster shutdown) whatever its error', () => {
    const crashed = new BastionError('PLUGIN_CRASHED', 'cut');
    expect(jobEnd(crashed, { ...quiet, handedBack: true })).toEqual({ kind: 'host-stopped' });
  });
});
