// @vitest-environment happy-dom
/**
 * The UI controls as a user meets them: the confidence slider and overlay toggles on results, the video result's
 * scrubber, trails and track list, the camera selector and FPS slider, the error banner and spinner, the plugin
 * inspector, the nodes view and the first-run defaults. React components in a DOM (happy-dom), with `fetch` and
 * the browser's media devices stubbed at their edges.
 */
import type { ClusterResponse, ToolDescriptor } from '@bastion/protocol';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { RealtimeClient } from '../src/api/realtime';
import { ErrorNotice } from '../src/components/ErrorNotice';
import { FileDrop } from '../src/components/FileDrop';
import { ResultView } from '../src/components/ResultView';
import { ToolForm } from '../src/components/ToolForm';
import { RealtimeContext } from '../src/hooks/useRealtime';
import type { PluginsState } from '../src/hooks/usePlugins';
import { IMAGE_ACCEPT } from '../src/lib/media';
import { CameraPage, limitedByTool, toolRate } from '../src/pages/CameraPage';
import { PluginDetailPage } from '../src/pages/PluginDetailPage';
import { PluginsPage } from '../src/pages/PluginsPage';
import { RunPage } from '../src/pages/RunPage';
import { IMAGE_TOOL_SCHEMA, health, manifest, stubApi } from './helpers/api';
import { FakeSocket, socketFactory } from './helpers/fake-socket';

const box = (x: number, y = 10) => ({ x, y, width: 20, height: 20 });
const DETECTIONS = {
  width: 200,
  height: 100,
  detections: [
    { label: 'person', score: 0.92, box: box(10) },
    { label: 'dog', score: 0.55, box: box(60) },
    { label: 'cup', score: 0.21, box: box(110) },
  ],
  regions: [{ area: 40, box: box(150) }],
};

const VIDEO = {
  fps: 2,
  frame_count: 3,
  width: 200,
  height: 100,
  frames_processed: 3,
  frames: [
    {
      index: 0,
      time_s: 0,
      tracks: [
        { track_id: 1, label: 'car', score: 0.9, box: box(10) },
        { track_id: 2, label: 'person', score: 0.3, box: box(100) },
      ],
    },
    { index: 1, time_s: 0.5, tracks: [{ track_id: 1, label: 'car', score: 0.88, box: box(30) }] },
    {
      index: 2,
      time_s: 1,
      tracks: [
        { track_id: 1, label: 'car', score: 0.91, box: box(50) },
        { track_id: 3, label: 'dog', score: 0.8, box: box(150) },
      ],
    },
  ],
  tracks: [],
};

const svgBoxes = () => Number(document.querySelector('svg.box-layer')?.getAttribute('data-boxes') ?? -1);
const chips = () => within(screen.getByRole('list', { name: 'Found items' })).getAllByRole('listitem');

/** A realtime client on a fake socket, so pages that subscribe do not reach for a network. */
function quietRealtime(): RealtimeClient {
  return new RealtimeClient({ url: () => 'ws://test/v1/realtime', connect: socketFactory().connect });
}

function pluginsState(plugins: PluginsState['plugins']): PluginsState {
  return { plugins, error: null, refresh: () => undefined, live: false };
}

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('confidence slider and overlay toggles', () => {
  it('offers a labelled Confidence slider only when the boxes have scores', () => {
    render(<ResultView result={DETECTIONS} />);
    const slider = screen.getByRole('slider', { name: 'Confidence' });
    expect(slider.getAttribute('min')).toBe('0');
    expect(slider.getAttribute('max')).toBe('1');
    cleanup();
    render(<ResultView result={{ regions: [{ area: 3, box: box(1) }], width: 10, height: 10 }} />);
    expect(screen.queryByRole('slider', { name: 'Confidence' })).toBeNull();
  });

  it('removes boxes below the chosen score from the drawing and the list, live', () => {
    render(<ResultView result={DETECTIONS} />);
    expect(svgBoxes()).toBe(4);
    expect(screen.getByTestId('shown-count').textContent).toBe('4 of 4 shown');
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0.5' } });
    expect(svgBoxes()).toBe(3); // person, dog, and the unscored motion region
    expect(chips().map((li) => li.textContent)).toEqual(['person92%', 'dog55%', 'region · 40 px']);
    expect(screen.getByTestId('shown-count').textContent).toBe('3 of 4 shown');
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0.95' } });
    expect(chips().map((li) => li.textContent)).toEqual(['region · 40 px']);
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0' } });
    expect(svgBoxes()).toBe(4);
  });

  it('the slider is reachable with the keyboard and says its value', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} />);
    const slider = screen.getByRole('slider', { name: 'Confidence' });
    for (let i = 0; i < 10 && document.activeElement !== slider; i++) await user.tab();
    expect(document.activeElement).toBe(slider);
    fireEvent.change(slider, { target: { value: '0.3' } });
    expect(slider.getAttribute('aria-valuetext')).toBe('at least 30%');
  });

  it('a layer toggle hides that layer’s boxes and list items', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} />);
    await user.click(screen.getByRole('checkbox', { name: /Detections/ }));
    expect(svgBoxes()).toBe(1);
    expect(chips()).toHaveLength(1);
    await user.click(screen.getByRole('checkbox', { name: /Detections/ }));
    expect(svgBoxes()).toBe(4);
  });

  it('a result that arrives after the view opened (a finished job) shows all its layers', () => {
    const { rerender } = render(<ResultView result={null} />);
    rerender(<ResultView result={DETECTIONS} />);
    expect(svgBoxes()).toBe(4);
    rerender(<ResultView result={VIDEO} />);
    expect(screen.getByRole('checkbox', { name: /Tracks/ })).toHaveProperty('checked', true);
  });

  it('the Labels toggle removes the text drawn over the boxes', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} />);
    const labelled = () => document.querySelectorAll('svg.box-layer text').length;
    expect(labelled()).toBe(4);
    await user.click(screen.getByRole('checkbox', { name: 'Labels' }));
    expect(labelled()).toBe(0);
  });
});

describe('video results', () => {
  it('draws each frame’s tracks and moves through frames with the scrubber', () => {
    render(<ResultView result={VIDEO} />);
    const scrubber = screen.getByRole('slider', { name: 'Frame' });
    expect(screen.getByTestId('frame-position').textContent).toBe('1 / 3 · 0.00 s');
    expect(svgBoxes()).toBe(2);
    fireEvent.change(scrubber, { target: { value: '1' } });
    expect(screen.getByTestId('frame-position').textContent).toBe('2 / 3 · 0.50 s');
    expect(svgBoxes()).toBe(1);
    fireEvent.change(scrubber, { target: { value: '2' } });
    expect(svgBoxes()).toBe(2);
  });

  it('draws trails behind tracks, and the Track trails toggle hides them', async () => {
    const user = userEvent.setup();
    render(<ResultView result={VIDEO} />);
    fireEvent.change(screen.getByRole('slider', { name: 'Frame' }), { target: { value: '2' } });
    const trail = document.querySelector('polyline[data-trail="1"]');
    expect(trail?.getAttribute('points')).toBe('20,20 40,20 60,20'); // centres of track 1 over three frames
    await user.click(screen.getByRole('checkbox', { name: 'Track trails' }));
    expect(document.querySelectorAll('polyline.trail')).toHaveLength(0);
  });

  it('lists the tracks; Jump seeks to where a track first appears', async () => {
    const user = userEvent.setup();
    render(<ResultView result={VIDEO} />);
    const rows = within(screen.getByRole('table', { name: 'Tracks' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.map((r) => r.querySelectorAll('td')[0]?.textContent)).toEqual(['#1', '#2', '#3']);
    expect(rows[0]!.querySelectorAll('td')[3]?.textContent).toBe('3');
    await user.click(screen.getByRole('button', { name: 'Jump to track 3' }));
    expect(screen.getByTestId('frame-position').textContent).toBe('3 / 3 · 1.00 s');
  });

  it('the confidence slider filters tracked boxes too', () => {
    render(<ResultView result={VIDEO} />);
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0.5' } });
    expect(svgBoxes()).toBe(1); // track 2 (30%) is gone from frame 1
  });
});

interface FakeTrack {
  stop: ReturnType<typeof vi.fn>;
  readyState: string;
  getSettings: () => { deviceId: string };
}

/** Two cameras and a microphone; getUserMedia hands out streams whose tracks record being stopped. */
function stubCameras() {
  const streams: Array<{ deviceId: string; track: FakeTrack }> = [];
  const getUserMedia = vi.fn(async (c: MediaStreamConstraints) => {
    const video = c.video as { deviceId?: { exact: string } };
    const deviceId = video.deviceId?.exact ?? 'cam-a';
    const track: FakeTrack = { stop: vi.fn(), readyState: 'live', getSettings: () => ({ deviceId }) };
    streams.push({ deviceId, track });
    // A real (happy-dom) MediaStream so the video element accepts it, carrying the recording track.
    const stream = new MediaStream();
    Object.assign(stream, { getTracks: () => [track], getVideoTracks: () => [track] });
    return stream;
  });
  const devices = [
    { kind: 'videoinput', deviceId: 'cam-a', label: 'Front camera', groupId: '' },
    { kind: 'audioinput', deviceId: 'mic', label: 'Microphone', groupId: '' },
    { kind: 'videoinput', deviceId: 'cam-b', label: 'USB camera', groupId: '' },
  ];
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: {
      enumerateDevices: async () => devices,
      getUserMedia,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    },
  });
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
  vi.stubGlobal('WebSocket', FakeSocket);
  return { streams, getUserMedia };
}

function renderCamera() {
  const motion = manifest('motion', [
    {
      name: 'detect_motion',
      description: 'motion',
      input_schema: {
        type: 'object',
        properties: { ...IMAGE_TOOL_SCHEMA.properties, session_id: { type: 'string' } },
        required: ['image', 'session_id'],
      },
      output_schema: null,
    },
  ]);
  stubApi({ 'GET /v1/plugins/motion/manifest': () => motion });
  return render(
    <RealtimeContext.Provider value={quietRealtime()}>
      <CameraPage data={pluginsState([health({ name: 'motion', tools: ['detect_motion'] })])} />
    </RealtimeContext.Provider>,
  );
}

describe('live camera controls', () => {
  it('lists the cameras enumerateDevices() reports, and only cameras', async () => {
    stubCameras();
    renderCamera();
    const select = await screen.findByRole('combobox', { name: 'Camera' });
    await waitFor(() =>
      expect(
        within(select)
          .getAllByRole('option')
          .map((o) => o.textContent),
      ).toEqual(['Front camera', 'USB camera']),
    );
  });

  it('remembers the chosen camera across visits', async () => {
    stubCameras();
    const user = userEvent.setup();
    renderCamera();
    const select = await screen.findByRole('combobox', { name: 'Camera' });
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(2));
    await user.selectOptions(select, 'cam-b');
    cleanup();
    renderCamera();
    const again = await screen.findByRole('combobox', { name: 'Camera' });
    await waitFor(() => expect((again as HTMLSelectElement).value).toBe('cam-b'));
  });

  it('switching cameras while streaming stops the old camera and restarts on the new one', async () => {
    const cams = stubCameras();
    const user = userEvent.setup();
    renderCamera();
    const select = await screen.findByRole('combobox', { name: 'Camera' });
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(2));
    await user.click(await screen.findByRole('button', { name: 'Start camera' }));
    await screen.findByRole('button', { name: 'Stop camera' });
    expect(cams.getUserMedia.mock.calls[0]![0]).toMatchObject({ video: { deviceId: { exact: 'cam-a' } } });
    await user.selectOptions(select, 'cam-b');
    await waitFor(() => expect(cams.streams).toHaveLength(2));
    expect(cams.streams[0]!.track.stop).toHaveBeenCalled();
    expect(cams.streams[1]!.deviceId).toBe('cam-b');
    await screen.findByRole('button', { name: 'Stop camera' });
    expect(cams.streams[1]!.track.stop).not.toHaveBeenCalled();
  });

  it('draws the boxes over the live picture as results arrive, with latency and dropped frames', async () => {
    stubCameras();
    const streams: FakeSocket[] = [];
    vi.stubGlobal(
      'WebSocket',
      class extends FakeSocket {
        constructor(url: string) {
          super(url);
          streams.push(this);
        }
      },
    );
    // happy-dom plays no video and encodes no JPEG: give the picture a size and the canvas an encoder.
    Object.defineProperty(HTMLVideoElement.prototype, 'videoWidth', { configurable: true, get: () => 640 });
    Object.defineProperty(HTMLVideoElement.prototype, 'videoHeight', { configurable: true, get: () => 480 });
    onTestFinished(() => {
      delete (HTMLVideoElement.prototype as { videoWidth?: number }).videoWidth;
      delete (HTMLVideoElement.prototype as { videoHeight?: number }).videoHeight;
    });
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue('data:image/jpeg;base64,AAAA');
    const user = userEvent.setup();
    renderCamera();
    await user.click(await screen.findByRole('button', { name: 'Start camera' }));
    await waitFor(() => expect(streams).toHaveLength(1));
    const ws = streams[0]!;
    expect(ws.url).toContain('/v1/stream?plugin=motion&tool=detect_motion');
    act(() => ws.open());
    await waitFor(() => expect(ws.sent.length).toBeGreaterThan(0));
    const first = ws.sent[0] as { type: string; payload: { frame_id: number; image_base64: string } };
    expect(first.type).toBe('frame');
    expect(first.payload.image_base64).toMatch(/^data:image\/jpeg;base64,/);
    act(() =>
      ws.receive({
        type: 'result',
        payload: {
          frame_id: first.payload.frame_id,
          result: { width: 640, height: 480, regions: [{ area: 900, box: { x: 10, y: 10, width: 30, height: 30 } }] },
          execution_time_ms: 4,
          dropped: 3,
        },
        timestamp: '2026-01-01T00:00:00.000Z',
      }),
    );
    await waitFor(() =>
      expect(document.querySelector('.media-box.live svg.box-layer')?.getAttribute('data-boxes')).toBe('1'),
    );
    await waitFor(() => expect(screen.getByTestId('stat-dropped').textContent).toBe('3'));
    expect(screen.getByTestId('stat-latency').textContent).toMatch(/\d/);
    expect(screen.getByTestId('stat-exec').textContent).toBe('4 ms');
  });

  it('keeps keyboard focus on the camera button: Space starts, Space stops', async () => {
    stubCameras();
    const user = userEvent.setup();
    renderCamera();
    const button = await screen.findByRole('button', { name: 'Start camera' });
    button.focus();
    await user.keyboard(' ');
    await screen.findByRole('button', { name: 'Stop camera' });
    expect(document.activeElement).toBe(button);
    await user.keyboard(' ');
    await screen.findByRole('button', { name: 'Start camera' });
    expect(document.activeElement).toBe(button);
  });

  it('shows how old the boxes are, holds the frame they came from, and clears the numbers on Stop', async () => {
    stubCameras();
    const streams: FakeSocket[] = [];
    vi.stubGlobal(
      'WebSocket',
      class extends FakeSocket {
        constructor(url: string) {
          super(url);
          streams.push(this);
        }
      },
    );
    Object.defineProperty(HTMLVideoElement.prototype, 'videoWidth', { configurable: true, get: () => 640 });
    Object.defineProperty(HTMLVideoElement.prototype, 'videoHeight', { configurable: true, get: () => 480 });
    onTestFinished(() => {
      delete (HTMLVideoElement.prototype as { videoWidth?: number }).videoWidth;
      delete (HTMLVideoElement.prototype as { videoHeight?: number }).videoHeight;
    });
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue('data:image/jpeg;base64,AAAA');
    const user = userEvent.setup();
    renderCamera();
    await user.click(await screen.findByRole('button', { name: 'Start camera' }));
    await waitFor(() => expect(streams).toHaveLength(1));
    const ws = streams[0]!;
    act(() => ws.open());
    await waitFor(() => expect(ws.sent.length).toBeGreaterThan(0));
    const first = ws.sent[0] as { payload: { frame_id: number } };
    // The answer comes a while after the frame left.
    await new Promise((r) => setTimeout(r, 300));
    act(() =>
      ws.receive({
        type: 'result',
        payload: { frame_id: first.payload.frame_id, result: { regions: [] }, execution_time_ms: 250, dropped: 0 },
        timestamp: '2026-01-01T00:00:00.000Z',
      }),
    );
    const age = await screen.findByTestId('overlay-age');
    expect(Number(age.getAttribute('data-age-ms'))).toBeGreaterThanOrEqual(250);
    expect(age.textContent).toMatch(/^Frame analysed .* ago$/);
    const held = screen.getByRole('img', { name: 'The frame the boxes were found in' });
    expect(held.hidden).toBe(false);
    await user.click(screen.getByRole('checkbox', { name: /frame they were found in/ }));
    expect(held.hidden).toBe(true);
    expect(screen.getByTestId('overlay-age').textContent).toMatch(/^Boxes are from a frame .* ago$/);
    await waitFor(() => expect(screen.getByTestId('stat-sent').textContent).not.toBe('—'));
    await user.click(screen.getByRole('button', { name: 'Stop camera' }));
    expect(screen.getByTestId('stat-sent').textContent).toBe('—');
    expect(screen.getByTestId('stat-fps').textContent).toBe('—');
    expect(screen.queryByTestId('overlay-age')).toBeNull();
  });

  it('says the tool limits the rate when results come back slower than the FPS asked', () => {
    expect(limitedByTool({ fps: 0.6, latencyMs: 1600, sent: 10 }, 12)).toBe(true);
    expect(limitedByTool({ fps: 11.5, latencyMs: 40, sent: 100 }, 12)).toBe(false);
    // Too early to tell.
    expect(limitedByTool({ fps: 0, latencyMs: null, sent: 1 }, 12)).toBe(false);
    // Before a rate can be measured, one result per latency.
    expect(toolRate({ fps: 0, latencyMs: 2500 })).toBeCloseTo(0.4);
    expect(toolRate({ fps: 0.7, latencyMs: 2500 })).toBe(0.7);
  });

  it('an INVALID_INPUT without listed fields does not ask to fix "each listed field"', () => {
    render(<ErrorNotice error={{ code: 'INVALID_INPUT', message: 'psm must be an integer from 0 to 13' }} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).not.toContain('each listed field');
    expect(alert.textContent).toContain('the message above says which');
    cleanup();
    render(
      <ErrorNotice
        error={{ code: 'INVALID_INPUT', message: 'bad', details: [{ path: '/psm', message: 'must be integer' }] }}
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('fix each listed field');
  });

  it('the FPS slider goes from 1 to 30, starts at 12, applies and remembers a new rate', async () => {
    stubCameras();
    renderCamera();
    const fps = await screen.findByRole('slider', { name: 'Frames per second' });
    expect([fps.getAttribute('min'), fps.getAttribute('max'), (fps as HTMLInputElement).value]).toEqual([
      '1',
      '30',
      '12',
    ]);
    fireEvent.change(fps, { target: { value: '3' } });
    expect(screen.getByTestId('fps-value').textContent).toBe('3');
    expect(fps.getAttribute('aria-valuetext')).toBe('3 frames per second');
    expect(localStorage.getItem('bastion.cameraFps')).toBe('3');
  });
});

describe('error banner and spinner', () => {
  it('shows the code, the message and what to do, as an alert that can be dismissed', async () => {
    const user = userEvent.setup();
    const onDismiss = vi.fn();
    render(
      <ErrorNotice error={{ code: 'PLUGIN_CRASHED', message: 'worker exited with code 3' }} onDismiss={onDismiss} />,
    );
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText('PLUGIN_CRASHED')).toBeTruthy();
    expect(alert.textContent).toContain('worker exited with code 3');
    expect(alert.textContent).toMatch(/What to do: .*restart the plugin/);
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(onDismiss).toHaveBeenCalledOnce();
  });

  it('a crash mid-use shows the banner, and the next run works', async () => {
    const user = userEvent.setup();
    let crash = true;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    stubApi({
      'POST /v1/plugins/demo/tools/echo/run': () =>
        crash
          ? { status: 502, body: { ok: false, error: { code: 'PLUGIN_CRASHED', message: 'worker exited' } } }
          : { ok: true, plugin: 'demo', tool: 'echo', result: { text: 'back' }, execution_time_ms: 3 },
    });
    const tool: ToolDescriptor = {
      name: 'echo',
      description: 'echo',
      input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      output_schema: null,
    };
    render(<ToolForm plugin="demo" tool={tool} available />);
    await user.type(screen.getByLabelText(/Text/), 'hi');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('PLUGIN_CRASHED');
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();

    // While the next call is on its way a spinner says so; then the result replaces it.
    crash = false;
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', async (...args: Parameters<typeof fetch>) => {
      await gate;
      return realFetch(...args);
    });
    await user.click(screen.getByRole('button', { name: 'Run' }));
    expect((await screen.findByRole('status')).textContent).toContain('Running echo');
    await act(async () => release());
    expect((await screen.findByTestId('result')).textContent).toContain('back');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('plugin inspector', () => {
  const record = health({
    name: 'vision',
    tools: ['detect'],
    success_count: 7,
    error_count: 2,
    crash_count: 1,
    last_execution_time_ms: 12,
    avg_execution_time_ms: 20,
    p95_execution_time_ms: 48,
    last_error: { code: 'TOOL_ERROR', message: 'bad pixels', at: '2026-01-01T00:00:00.000Z' },
    isolation: 'process',
  });
  const tools: ToolDescriptor[] = [
    {
      name: 'detect',
      description: 'Finds things',
      input_schema: IMAGE_TOOL_SCHEMA,
      output_schema: { type: 'object', properties: { detections: { type: 'array' } } },
    },
  ];

  it('shows tools with schemas, limits, requires, isolation, timings, counters and the last error', async () => {
    stubApi({ 'GET /v1/plugins/vision/manifest': () => manifest('vision', tools) });
    // A counter a newer server adds appears without a UI change.
    const withNewCounter = { ...record, input_error_count: 4 };
    render(<PluginDetailPage data={pluginsState([withNewCounter])} name="vision" />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('vision');
    const timings = screen.getByTestId('timings').textContent;
    expect(timings).toContain('12 ms');
    expect(timings).toContain('20 ms');
    expect(timings).toContain('48 ms');
    const counters = screen.getByTestId('counters').textContent;
    for (const c of ['Success7', 'Error2', 'Crash1', 'Input error4']) expect(counters).toContain(c);
    expect(screen.getByTestId('last-error').textContent).toContain('bad pixels');
    expect(screen.getByTestId('last-error').querySelector('time')?.getAttribute('datetime')).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(screen.getByText('Plain process')).toBeTruthy();
    const tool = await screen.findByRole('article', { name: 'Tool detect' });
    expect(within(tool).getByText('Input schema')).toBeTruthy();
    expect(within(tool).getByText('Output schema')).toBeTruthy();
    expect(tool.textContent).toContain('contentEncoding');
    const limits = screen.getByRole('region', { name: 'Limits' }).textContent;
    expect(limits).toContain('1,024 MB');
    expect(limits).toContain('ffmpeg');
    expect(limits).toContain('sharp');
  });

  it('Restart asks the server; a key without the admin role gets a banner that offers to set a key', async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      'GET /v1/plugins/vision/manifest': () => manifest('vision', tools),
      'POST /v1/plugins/vision/restart': () => ({
        status: 403,
        body: { ok: false, error: { code: 'FORBIDDEN', message: 'admin role required' } },
      }),
    });
    render(<PluginDetailPage data={pluginsState([record])} name="vision" />);
    await user.click(screen.getByRole('button', { name: 'Restart' }));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('FORBIDDEN');
    expect(within(alert).getByRole('button', { name: 'Set API key' })).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST' && c.path === '/v1/plugins/vision/restart')).toBe(true);
  });
});

describe('plugins page: states in plain words, nodes', () => {
  const plugins = [
    health({ name: 'a', state: 'INITIALIZED' }),
    health({ name: 'b', state: 'RUNNING' }),
    health({ name: 'c', state: 'UNAVAILABLE', reason: 'needs a GPU', reason_code: 'GPU_UNAVAILABLE' }),
  ];
  const renderPage = () =>
    render(
      <RealtimeContext.Provider value={quietRealtime()}>
        <PluginsPage data={pluginsState(plugins)} />
      </RealtimeContext.Provider>,
    );

  it('leads with plain words and keeps the lifecycle state as the detail', () => {
    stubApi({});
    renderPage();
    const legend = within(screen.getByRole('list', { name: 'States' })).getAllByRole('listitem');
    expect(legend.map((li) => li.textContent)).toEqual([
      'ready 1INITIALIZED',
      'busy 1RUNNING',
      'starting 0LOADED',
      'failed 0',
      'unavailable 1',
    ]);
    expect(screen.getByRole('article', { name: 'a' }).querySelector('.badge')?.textContent).toBe('readyINITIALIZED');
    // No echo when the plain word is the state itself.
    expect(screen.getByRole('article', { name: 'c' }).querySelector('.badge')?.textContent).toBe('unavailable');
  });

  it('hides the Nodes section on a server without GET /v1/cluster', async () => {
    const calls = stubApi({});
    renderPage();
    await waitFor(() => expect(calls.some((c) => c.path === '/v1/cluster')).toBe(true));
    expect(screen.queryByRole('heading', { name: 'Nodes' })).toBeNull();
    expect(screen.queryByTestId('nodes-available')).toBeNull();
  });

  it('in cluster mode lists the nodes and on how many of them each plugin is available', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const cluster: ClusterResponse = {
      mode: 'cluster',
      node_id: 'n1',
      queue: { connected: true, prefix: 'bastion', error: null },
      nodes: [
        {
          id: 'n1',
          url: 'http://10.0.0.1:8000',
          started_at: at,
          last_seen: at,
          running_jobs: 1,
          plugins: [
            { name: 'a', state: 'INITIALIZED' },
            { name: 'c', state: 'UNAVAILABLE' },
          ],
        },
        {
          id: 'n2',
          url: 'http://10.0.0.2:8000',
          started_at: at,
          last_seen: at,
          running_jobs: 0,
          plugins: [
            { name: 'a', state: 'RUNNING' },
            { name: 'c', state: 'INITIALIZED' },
          ],
        },
      ],
    };
    stubApi({ 'GET /v1/cluster': () => cluster });
    renderPage();
    const nodes = await screen.findByRole('region', { name: 'Nodes' });
    expect(within(nodes).getAllByRole('listitem')).toHaveLength(2);
    expect(nodes.textContent).toContain('this node');
    expect(nodes.textContent).toContain('1 of 2 plugins available (not: c)');
    const spread = (name: string) =>
      within(screen.getByRole('article', { name })).getByTestId('nodes-available').textContent;
    expect(spread('a')).toBe('available on 2 of 2 nodes');
    expect(spread('c')).toBe('available on 1 of 2 nodes');
  });
});

describe('first run', () => {
  const detect = manifest('object-detection', [
    { name: 'detect', description: 'Detect objects', input_schema: IMAGE_TOOL_SCHEMA, output_schema: null },
  ]);
  const motion = manifest('motion', [
    { name: 'detect_motion', description: 'Motion', input_schema: IMAGE_TOOL_SCHEMA, output_schema: null },
  ]);
  const plugins = [
    health({ name: 'motion', tools: ['detect_motion'] }),
    health({ name: 'object-detection', tools: ['detect'] }),
  ];

  it('the Run page opens on object detection, not on a tool that needs a session id', async () => {
    stubApi({
      'GET /v1/plugins/object-detection/manifest': () => detect,
      'GET /v1/plugins/motion/manifest': () => motion,
    });
    render(<RunPage data={pluginsState(plugins)} plugin={null} tool={null} />);
    expect((screen.getByRole('combobox', { name: 'Plugin' }) as HTMLSelectElement).value).toBe('object-detection');
    expect((await screen.findByRole('heading', { level: 2 })).textContent).toContain('detect');
  });

  it('the Run page opens on the tool last run from this browser', async () => {
    localStorage.setItem('bastion.lastTool', 'motion/detect_motion');
    stubApi({
      'GET /v1/plugins/object-detection/manifest': () => detect,
      'GET /v1/plugins/motion/manifest': () => motion,
    });
    render(<RunPage data={pluginsState(plugins)} plugin={null} tool={null} />);
    expect((screen.getByRole('combobox', { name: 'Plugin' }) as HTMLSelectElement).value).toBe('motion');
    expect((await screen.findByRole('heading', { level: 2 })).textContent).toContain('detect_motion');
  });

  it('the image picker lists every format the server decodes, from the one shared list', () => {
    render(<FileDrop id="f" file={null} accept={IMAGE_ACCEPT} media="image" onChange={() => undefined} />);
    expect(screen.getByText('JPEG, PNG, WebP, GIF, TIFF or AVIF')).toBeTruthy();
    expect(document.getElementById('f')?.getAttribute('accept')).toBe(
      'image/jpeg,image/png,image/webp,image/gif,image/tiff,image/avif',
    );
  });
});
