import { mcpView } from '../../src/schemas/mcp-view.js';
import { createSchemaAjv } from '../../src/schemas/schema-ajv.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config/defaults.js';
import { Registry, type StateEvent } from '../../src/plugins/registry.js';

function loaded(): Registry {
  const r = new Registry();
  r.register({
    name: 'p',
    folder: '/p',
    manifest: null,
    limits: { ...DEFAULT_LIMITS },
    isolation: 'namespace',
    memoryEnforcement: 'cgroup',
  });
  r.transition('p', 'LOADED');
  r.setTools('p', [
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
  r.transition('p', 'INITIALIZED');
  return r;
}

describe('registry', () => {
  it('goes RUNNING while calls are in flight and back to INITIALIZED after the last', () => {
    const r = loaded();
    const states: string[] = [];
    r.on('state', (e: StateEvent) => states.push(e.state));
    r.callStarted('p');
    r.callStarted('p');
    expect(r.health('p')?.state).toBe('RUNNING');
    expect(r.health('p')?.in_flight).toBe(2);
    r.callFinished('p', 't', 'ok', 10);
    expect(r.health('p')?.state).toBe('RUNNING');
    r.callFinished('p', 't', 'TOOL_ERROR', 20, 'boom');
    expect(r.health('p')?.state).toBe('INITIALIZED');
    expect(states).toEqual(['RUNNING', 'INITIALIZED']);
    const h = r.health('p');
    expect(h?.success_count).toBe(1);
    expect(h?.error_count).toBe(1);
    expect(h?.last_error).toMatchObject({ code: 'TOOL_ERROR', message: 'boom' });
  });

  it('computes avg and p95 over the last 100 calls', () => {
    const r = loaded();
    for (let i = 1; i <= 150; i++) {
      r.callStarted('p');
      r.callFinished('p', 't', 'ok', i);
    }
    const h = r.health('p');
    // last 100 calls: 51..150
    expect(h?.avg_execution_time_ms).toBe(100.5);
    expect(h?.p95_execution_time_ms).toBe(145);
    expect(h?.last_execution_time_ms).toBe(150);
    expect(h?.success_count).toBe(150);
  });

  it('hands out frozen snapshots that later changes do not touch', () => {
    const r = loaded();
    const before = r.health('p');
    expect(Object.isFrozen(before)).toBe(true);
    r.callStarted('p');
    expect(before?.in_flight).toBe(0);
    expect(r.health('p')?.in_flight).toBe(1);
  });

  it('counts timeouts and crashes separately, and cancellations not at all', () => {
    const r = loaded();
    r.workerLost('p', 'PLUGIN_TIMEOUT', 't');
    r.workerLost('p', 'PLUGIN_CRASHED', 'c');
    r.workerLost('p', 'PLUGIN_MEMORY_LIMIT', 'm');
    r.callStarted('p');
    r.callFinished('p', 't', 'cancelled', 5);
    const h = r.health('p');
    expect(h?.timeout_count).toBe(1);
    expect(h?.crash_count).toBe(2);
    expect(h?.error_count).toBe(0);
    expect(h?.last_execution_time_ms).toBeNull();
  });

  it('keeps every key present with null for unknowns', () => {
    const r = new Registry();
    r.register({
      name: 'q',
      folder: '/q',
      manifest: null,
      limits: { ...DEFAULT_LIMITS },
      isolation: 'process',
      memoryEnforcement: 'watchdog',
    });
    r.transition('q', 'FAILED', { code: 'MANIFEST_INVALID', reason: 'bad' });
    expect(r.health('q')).toMatchObject({
      version: null,
      uptime_seconds: null,
      loaded_at: null,
      last_used: null,
      avg_execution_time_ms: null,
      p95_execution_time_ms: null,
      memory_peak_mb: null,
      last_error: null,
      reason_code: 'MANIFEST_INVALID',
    });
  });
});
