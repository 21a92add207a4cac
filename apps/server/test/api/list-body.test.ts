import { mcpView } from '../../src/schemas/mcp-view.js';
import { createSchemaAjv } from '../../src/schemas/schema-ajv.js';
import type { Limits } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { ListBody } from '../../src/api/routes/list-body.js';
import { Registry } from '../../src/plugins/registry.js';

const limits: Limits = {
  timeoutMs: 1000,
  jobTimeoutMs: 1000,
  memoryMb: 128,
  concurrency: 1,
  maxQueue: 4,
  loadTimeoutMs: 1000,
  maxProcesses: 64,
};
const T0 = Date.UTC(2026, 0, 1);

/** The cached list body must equal serialising a fresh list() at the same instant, after every kind of write. */
describe('GET /v1/plugins body cache', () => {
  it('is exactly JSON.stringify(registry.list(now)) across writes and clock changes', () => {
    const registry = new Registry();
    const body = new ListBody(registry);
    const same = (now: number): void => expect(body.render(now)).toBe(JSON.stringify(registry.list(now)));
    same(T0);
    // A name holding the uptime key's text must not confuse the splitting.
    const odd = 'x"uptime_seconds":null';
    registry.register({
      name: odd,
      folder: '/p/x',
      manifest: null,
      limits,
      isolation: 'process',
      memoryEnforcement: 'watchdog',
    });
    registry.transition(odd, 'LOADED');
    same(T0);
    registry.register({
      name: 'a',
      folder: '/p/a',
      manifest: null,
      limits,
      isolation: 'namespace',
      memoryEnforcement: 'cgroup',
    });
    registry.transition('a', 'LOADED');
    registry.transition('a', 'INITIALIZED');
    registry.setTools('a', [
      {
        name: 't',
        description: '',
        inputSchema: {},
        outputSchema: null,
        validateInput: createSchemaAjv({ source: false }).compile({}),
        binary: [],
        mcp: mcpView({ name: 't', description: '', inputSchema: {}, outputSchema: null }),
      },
    ]);
    // uptime is filled in per request: every 50 ms over 3 s, unchanged registry.
    for (let t = 0; t < 3000; t += 50) same(Date.now() + t);
    registry.callStarted('a');
    same(Date.now());
    registry.setQueueDepth('a', 3);
    same(Date.now());
    registry.callFinished('a', 't', 'TOOL_ERROR', 12.5, 'boom');
    same(Date.now());
    registry.recordMemoryPeak('a', 64.25);
    registry.workerLost('a', 'PLUGIN_CRASHED', 'exit 1');
    registry.transition('a', 'FAILED', { reason: 'crashed', code: 'PLUGIN_CRASHED' });
    same(Date.now());
    expect(JSON.parse(body.render())).toHaveLength(2);
  });

  it('answers [] with no plugins', () => {
    expect(new ListBody(new Registry()).render(T0)).toBe('[]');
  });
});
