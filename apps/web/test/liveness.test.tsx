// @vitest-environment happy-dom
/**
 * Honest liveness: while the server does not answer, plugin cards show their last known state greyed with "last
 * seen N s ago" and every action off; the UI probes /healthz every interval and reconnects the moment it answers.
 * Banners belong to their page; the tab title follows the page. Real timers, a fake socket, a scripted probe.
 */
import type { HealthRecord, ToolDescriptor } from '@bastion/protocol';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Liveness } from '../src/api/liveness';
import { RealtimeClient } from '../src/api/realtime';
import { App } from '../src/App';
import { ConnectionIndicator } from '../src/components/Header';
import { KeyControl } from '../src/components/KeyControl';
import { PluginCard } from '../src/components/PluginCard';
import { ServerUnreachable } from '../src/components/ServerUnreachable';
import { ToolForm } from '../src/components/ToolForm';
import { LivenessContext } from '../src/hooks/useLiveness';
import type { PluginsState } from '../src/hooks/usePlugins';
import { RealtimeContext } from '../src/hooks/useRealtime';
import { PluginsPage } from '../src/pages/PluginsPage';
import { health, stubApi } from './helpers/api';
import { msg, socketFactory } from './helpers/fake-socket';

let net: ReturnType<typeof socketFactory>;
let client: RealtimeClient;
let serverUp: boolean;
let probes: number;
let live: Liveness;

beforeEach(() => {
  localStorage.clear();
  window.location.hash = '';
  net = socketFactory();
  // A long first retry: only the probe can bring the link back quickly.
  client = new RealtimeClient({ url: () => 'ws://test/v1/realtime', connect: net.connect, initialRetryMs: 60_000 });
  serverUp = true;
  probes = 0;
  live = new Liveness({
    realtime: client,
    probe: async () => {
      probes++;
      return serverUp;
    },
    intervalMs: 30,
  });
});

afterEach(() => {
  cleanup();
  live.stop();
  client.close();
  vi.unstubAllGlobals();
});

const wrap = (ui: React.ReactElement) => (
  <RealtimeContext.Provider value={client}>
    <LivenessContext.Provider value={live}>{ui}</LivenessContext.Provider>
  </RealtimeContext.Provider>
);

const PLUGINS: HealthRecord[] = [
  health({ name: 'ocr', tools: ['extract_text'] }),
  health({ name: 'video-tracker', state: 'UNAVAILABLE', reason: 'no GPU', reason_code: 'GPU_UNAVAILABLE' }),
  health({ name: 'broken', state: 'FAILED', reason: 'init threw', reason_code: 'INIT_ERROR' }),
];
const ECHO: ToolDescriptor = {
  name: 'echo',
  description: 'echo',
  input_schema: { type: 'object', properties: { text: { type: 'string' } } },
  output_schema: null,
};
const state = (): PluginsState => ({ plugins: PLUGINS, error: null, refresh: () => undefined, live: true });

describe('the Liveness watcher', () => {
  it('probes while the link is down and resets the realtime backoff the moment the server answers', async () => {
    const off = client.subscribe(['plugins'], () => undefined);
    const stop = live.start();
    net.last().open();
    expect(live.snapshot.reach).toBe('up');
    serverUp = false;
    const before = Date.now();
    act(() => net.last().drop());
    await waitFor(() => expect(live.snapshot.reach).toBe('down'));
    expect(live.snapshot.lastSeenAt).toBeGreaterThanOrEqual(before);
    // The client waits 60 s before its next attempt; the probe keeps asking meanwhile.
    const sockets = net.sockets.length;
    const seen = probes;
    await waitFor(() => expect(probes).toBeGreaterThan(seen + 2));
    expect(net.sockets.length).toBe(sockets);
    serverUp = true;
    await waitFor(() => expect(net.sockets.length).toBe(sockets + 1));
    net.last().open();
    expect(live.snapshot).toEqual({ reach: 'up', lastSeenAt: null });
    const after = probes;
    await new Promise((r) => setTimeout(r, 100));
    expect(probes).toBe(after); // no probing while the link is open
    stop();
    off();
  });
});

describe('plugin cards while the server does not answer', () => {
  it('grey out with "last seen" and no actions, and come back when it answers', async () => {
    stubApi({});
    // usePlugins (in App) holds the realtime subscription; here the test does.
    const off = client.subscribe(['plugins'], () => undefined);
    render(
      wrap(
        <>
          <ServerUnreachable />
          <PluginsPage data={state()} />
          <ToolForm plugin="ocr" tool={ECHO} available />
        </>,
      ),
    );
    net.last().open();
    const run = () => screen.getByRole('button', { name: 'Run' });
    expect(run()).toHaveProperty('disabled', false);
    const card = () => screen.getByRole('article', { name: 'ocr' });
    expect(card().getAttribute('data-stale')).toBeNull();
    expect(within(card()).getByRole('link', { name: 'extract_text' })).toBeTruthy();
    expect(screen.getByLabelText('Summary').textContent).toContain('1 need attention');

    serverUp = false;
    act(() => net.last().drop());
    await waitFor(() => expect(card().getAttribute('data-stale')).toBe('true'));
    expect(within(card()).getByTestId('last-seen').textContent).toMatch(
      /last seen (just now|\d+ s ago)was INITIALIZED/,
    );
    expect(within(card()).getByRole('button', { name: 'Restart ocr' })).toHaveProperty('disabled', true);
    expect(within(card()).queryByRole('link', { name: 'extract_text' })).toBeNull();
    expect(within(card()).queryByRole('link', { name: /Run a tool/ })).toBeNull();
    expect(screen.getByTestId('server-unreachable').textContent).toContain('not answering');
    expect(screen.getByLabelText('Summary').textContent).toBe('State unknown: server not answering');
    // Run is off too, and says why.
    expect(run()).toHaveProperty('disabled', true);
    expect(screen.getByTestId('run-offline')).toBeTruthy();
    await waitFor(
      () => expect(within(card()).getByTestId('last-seen').textContent).toMatch(/last seen [1-9]\d* s ago/),
      {
        timeout: 2500,
      },
    );

    serverUp = true;
    await waitFor(() => expect(net.sockets.length).toBe(2));
    act(() => net.last().open());
    await waitFor(() => expect(card().getAttribute('data-stale')).toBeNull());
    expect(screen.queryByTestId('server-unreachable')).toBeNull();
    expect(within(card()).getByRole('button', { name: 'Restart ocr' })).toHaveProperty('disabled', false);
    expect(run()).toHaveProperty('disabled', false);
    off();
  });

  it('the header says the server is unreachable, not just "reconnecting"', async () => {
    render(wrap(<ConnectionIndicator />));
    const off = client.subscribe(['plugins'], () => undefined);
    net.last().open();
    expect(screen.getByTestId('connection').textContent).toContain('Live');
    serverUp = false;
    act(() => net.last().drop());
    await waitFor(() => expect(screen.getByTestId('connection').getAttribute('data-conn')).toBe('down'));
    expect(screen.getByTestId('connection').textContent).toContain('Server unreachable');
    off();
  });
});

describe('plugin states that need no attention, and restart feedback', () => {
  it('a plugin unavailable by design (no GPU) counts as "off here", not as needing attention', () => {
    stubApi({});
    render(wrap(<PluginsPage data={state()} />));
    const summary = screen.getByLabelText('Summary').textContent;
    expect(summary).toContain('1 ready');
    expect(summary).toContain('1 need attention'); // the FAILED one
    expect(summary).toContain('1 off here');
  });

  it('Restart says what came of it, also when the plugin stays unavailable', async () => {
    const user = userEvent.setup();
    stubApi({ 'POST /v1/plugins/video-tracker/restart': () => ({ name: 'video-tracker', state: 'UNAVAILABLE' }) });
    render(wrap(<PluginCard plugin={PLUGINS[1]!} onChanged={() => undefined} />));
    await user.click(screen.getByRole('button', { name: 'Restart video-tracker' }));
    const status = await screen.findByText(/Restarted:/);
    expect(status.textContent).toContain('still unavailable (UNAVAILABLE), GPU_UNAVAILABLE');
    expect(status.getAttribute('role')).toBe('status');
  });
});

describe('banners and titles belong to their page', () => {
  it('a realtime error raised on a job page is gone on the next page; the tab title follows the page', async () => {
    stubApi({
      'GET /v1/plugins': () => PLUGINS,
      'GET /v1/jobs': () => ({ jobs: [], next_before: null }),
      'GET /v1/jobs/nope': () => ({
        status: 404,
        body: { ok: false, error: { code: 'JOB_NOT_FOUND', message: 'no job' } },
      }),
    });
    window.location.hash = '#/jobs/nope';
    render(wrap(<App />));
    await waitFor(() => expect(document.title).toBe('Job nope · Bastion'));
    act(() => net.last().open());
    act(() => net.last().receive(msg('error', { code: 'JOB_NOT_FOUND', message: "no job 'nope'" })));
    expect(screen.getByText("no job 'nope'")).toBeTruthy();
    act(() => {
      window.location.hash = '#/plugins';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await waitFor(() => expect(document.title).toBe('Plugins · Bastion'));
    expect(screen.queryByText("no job 'nope'")).toBeNull();
  });
});

describe('keyboard focus', () => {
  it('Escape closes the API key popover and gives focus back to its button', async () => {
    const user = userEvent.setup();
    render(<KeyControl />);
    const button = screen.getByRole('button', { name: /API key/ });
    await user.click(button);
    expect(document.activeElement?.id).toBe('api-key');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});
