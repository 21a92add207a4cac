// @vitest-environment happy-dom
/**
 * What the realtime layer's messages do to the page: the connection indicator, the progress bar following
 * `job_progress`, partial results, a plugin's state changing on `plugin_status`, the banner for an `error`, and
 * live updates resuming after a reconnect. The client runs over a fake socket; `fetch` is stubbed.
 */
import type { HealthRecord, JobRecord } from '@bastion/protocol';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from '../src/api/realtime';
import { App } from '../src/App';
import { ConnectionIndicator } from '../src/components/Header';
import { RealtimeContext } from '../src/hooks/useRealtime';
import type { PluginsState } from '../src/hooks/usePlugins';
import { JobsPage } from '../src/pages/JobsPage';
import { health, stubApi } from './helpers/api';
import { msg, socketFactory } from './helpers/fake-socket';

let net: ReturnType<typeof socketFactory>;
let client: RealtimeClient;

beforeEach(() => {
  localStorage.clear();
  window.location.hash = '';
  net = socketFactory();
  // Short retries: these tests wait for real reconnects, not fake time (React renders on real timers).
  client = new RealtimeClient({ url: () => 'ws://test/v1/realtime', connect: net.connect, initialRetryMs: 20 });
});

afterEach(() => {
  cleanup();
  client.close();
  vi.unstubAllGlobals();
});

const send = (type: string, payload: unknown) => act(() => net.last().receive(msg(type, payload)));
const withClient = (ui: React.ReactElement) =>
  render(<RealtimeContext.Provider value={client}>{ui}</RealtimeContext.Provider>);

function job(over: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: 'j1',
    plugin: 'video-tracker',
    tool: 'track_video',
    status: 'running',
    progress: 0,
    stage: null,
    result: null,
    error: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:01.000Z',
    finished_at: null,
    node: null,
    attempts: 1,
    ...over,
  };
}

const noPlugins: PluginsState = { plugins: [], error: null, refresh: () => undefined, live: true };

describe('connection indicator', () => {
  it('shows connecting, open, reconnecting and closed as the connection goes through them', async () => {
    withClient(<ConnectionIndicator />);
    const indicator = screen.getByTestId('connection');
    expect(indicator.getAttribute('data-conn')).toBe('closed');
    expect(indicator.textContent).toContain('Offline');
    let off: () => void = () => undefined;
    act(() => {
      off = client.subscribe(['plugins'], () => undefined);
    });
    expect(indicator.textContent).toContain('Connecting…');
    act(() => net.last().open());
    expect(indicator.getAttribute('data-conn')).toBe('open');
    expect(indicator.textContent).toContain('Live');
    act(() => net.last().drop());
    expect(indicator.getAttribute('data-conn')).toBe('reconnecting');
    expect(indicator.textContent).toContain('Reconnecting…');
    act(() => {
      off();
      client.close();
    });
    expect(indicator.getAttribute('data-conn')).toBe('closed');
    expect(indicator.getAttribute('role')).toBe('status');
  });
});

describe('jobs follow the realtime messages', () => {
  it('the progress bar and stage follow job_progress', async () => {
    stubApi({ 'GET /v1/jobs/j1': () => job(), 'GET /v1/jobs': () => ({ jobs: [], next_before: null }) });
    withClient(<JobsPage data={noPlugins} jobId="j1" />);
    const bar = await screen.findByRole('progressbar', { name: 'Progress of job j1' });
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    act(() => net.last().open());
    await send('job_progress', { job_id: 'j1', progress: 40, stage: 'tracking' });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByText('tracking')).toBeTruthy();
    await send('job_progress', { job_id: 'j1', progress: 85.6, stage: 'tracking' });
    expect(bar.getAttribute('aria-valuenow')).toBe('86');
    // Another job's progress does not move this bar.
    await send('job_progress', { job_id: 'j2', progress: 99, stage: 'other' });
    expect(bar.getAttribute('aria-valuenow')).toBe('86');
  });

  it('partial_result messages are counted on the job', async () => {
    stubApi({ 'GET /v1/jobs/j1': () => job(), 'GET /v1/jobs': () => ({ jobs: [], next_before: null }) });
    withClient(<JobsPage data={noPlugins} jobId="j1" />);
    await screen.findByRole('progressbar', { name: 'Progress of job j1' });
    act(() => net.last().open());
    await send('partial_result', { job_id: 'j1', index: 0, result: {} });
    await send('partial_result', { job_id: 'j1', index: 1, result: {} });
    expect(screen.getByText('2 partial results received')).toBeTruthy();
  });

  it('job_status shows the new status at once, then the finished record', async () => {
    let current = job();
    stubApi({ 'GET /v1/jobs/j1': () => current, 'GET /v1/jobs': () => ({ jobs: [], next_before: null }) });
    withClient(<JobsPage data={noPlugins} jobId="j1" />);
    const card = await screen.findByRole('article', { name: 'Job j1' });
    act(() => net.last().open());
    current = job({
      status: 'failed',
      error: { code: 'PLUGIN_CRASHED', message: 'worker died' },
      finished_at: '2026-01-01T00:00:09.000Z',
    });
    await send('job_status', {
      job_id: 'j1',
      status: 'failed',
      error: { code: 'PLUGIN_CRASHED', message: 'worker died' },
    });
    expect(card.getAttribute('data-status')).toBe('failed');
    const alert = within(card).getByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('PLUGIN_CRASHED');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
});

describe('the whole app on realtime', () => {
  let server: HealthRecord[];
  beforeEach(() => {
    server = [health({ name: 'ocr' }), health({ name: 'motion' })];
    stubApi({ 'GET /v1/plugins': () => server });
  });

  const card = (name: string) => screen.getByRole('article', { name });

  it('plugin_status changes a plugin’s card as it happens, with the reason', async () => {
    withClient(<App />);
    await screen.findByRole('article', { name: 'ocr' });
    act(() => net.last().open());
    server = [
      health({ name: 'ocr', state: 'FAILED', reason: 'worker crashed (SIGSEGV)', reason_code: 'PLUGIN_CRASHED' }),
      server[1]!,
    ];
    await send('plugin_status', {
      name: 'ocr',
      state: 'FAILED',
      reason: 'worker crashed (SIGSEGV)',
      reason_code: 'PLUGIN_CRASHED',
    });
    expect(card('ocr').getAttribute('data-state')).toBe('FAILED');
    expect(card('ocr').textContent).toContain('worker crashed (SIGSEGV)');
    expect(card('motion').getAttribute('data-state')).toBe('INITIALIZED');
    // The summary follows too.
    expect(screen.getByLabelText('Summary').textContent).toContain('1 need attention');
  });

  it('an error message shows a banner with what to do, and it can be dismissed', async () => {
    const user = userEvent.setup();
    withClient(<App />);
    await screen.findByRole('article', { name: 'ocr' });
    act(() => net.last().open());
    await send('error', { code: 'UNAUTHORIZED', message: 'subscribe needs a key' });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Live updates');
    expect(alert.textContent).toContain('subscribe needs a key');
    expect(alert.textContent).toMatch(/What to do: .*API key/);
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('malformed messages change nothing on the page', async () => {
    withClient(<App />);
    await screen.findByRole('article', { name: 'ocr' });
    act(() => net.last().open());
    act(() => net.last().receive('{not json'));
    await send('plugin_status', { name: 'ocr', state: 'MELTED', reason: null, reason_code: null });
    await send('plugin_status', { name: 42, state: 'FAILED', reason: null, reason_code: null });
    expect(card('ocr').getAttribute('data-state')).toBe('INITIALIZED');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('connection').getAttribute('data-conn')).toBe('open');
  });

  it('after the connection drops it reconnects, subscribes again, and updates resume', async () => {
    withClient(<App />);
    await screen.findByRole('article', { name: 'ocr' });
    act(() => net.last().open());
    act(() => net.last().drop());
    expect(screen.getByTestId('connection').getAttribute('data-conn')).toBe('reconnecting');
    await waitFor(() => expect(net.sockets).toHaveLength(2));
    act(() => net.last().open());
    expect(net.last().sent).toContainEqual({ type: 'subscribe', payload: { topics: ['plugins'] } });
    expect(screen.getByTestId('connection').getAttribute('data-conn')).toBe('open');
    server = [health({ name: 'ocr', state: 'RUNNING' }), server[1]!];
    await send('plugin_status', { name: 'ocr', state: 'RUNNING', reason: null, reason_code: null });
    expect(card('ocr').getAttribute('data-state')).toBe('RUNNING');
    expect(card('ocr').querySelector('.badge')?.textContent).toBe('busyRUNNING');
  });
});
