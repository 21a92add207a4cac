import type { ManifestResponse, ToolDescriptor } from '@bastion/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';
import { StreamConnection, type StreamEvent } from '../api/stream';
import { BoxLayer } from '../components/BoxLayer';
import { ErrorNotice, type ErrorLike } from '../components/ErrorNotice';
import { EmptyState, Spinner } from '../components/Feedback';
import { JsonView } from '../components/JsonView';
import { SchemaForm } from '../components/SchemaForm';
import { useManifests } from '../hooks/useManifests';
import type { PluginsState } from '../hooks/usePlugins';
import { extractBoxes, type BoxSet } from '../lib/boxes';
import { StreamStats } from '../lib/camera';
import {
  FPS_MAX,
  FPS_MIN,
  clampFps,
  listCameras,
  saveCameraId,
  saveFps,
  savedCameraId,
  savedFps,
  type CameraDevice,
} from '../lib/camera-devices';
import { formatMs } from '../lib/format';
import { buildArgs, initialValues, schemaToFields, type FormValue, type FormValues } from '../lib/schema-form';

interface Target {
  plugin: string;
  tool: ToolDescriptor;
}

const MAX_SIDE = 640;
/** Preferred tools, in order: motion first (cheap), then object detection. */
const PREFERRED = ['motion/detect_motion', 'object-detection/detect'];

function streamTargets(manifests: ManifestResponse[]): Target[] {
  const out: Target[] = [];
  for (const m of manifests) {
    for (const t of m.tools) {
      const fields = schemaToFields(t.input_schema).fields;
      if (fields.some((f) => f.kind === 'binary' && f.media === 'image')) out.push({ plugin: m.name, tool: t });
    }
  }
  const rank = (t: Target) => {
    const i = PREFERRED.indexOf(`${t.plugin}/${t.tool.name}`);
    return i < 0 ? PREFERRED.length : i;
  };
  return out.sort((a, b) => rank(a) - rank(b));
}

function cameraError(err: unknown): ErrorLike {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError')
    return {
      code: 'CAMERA_DENIED',
      message: 'Camera permission was denied. Allow it in the browser’s site settings and try again.',
    };
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return { code: 'NO_CAMERA', message: 'No camera was found on this device.' };
  if (name === 'NotReadableError')
    return { code: 'CAMERA_BUSY', message: 'The camera is in use by another application.' };
  return { code: 'CAMERA_ERROR', message: err instanceof Error ? err.message : String(err) };
}

type Snapshot = ReturnType<StreamStats['snapshot']>;

/**
 * The tool, not the FPS setting, sets the pace: results come back clearly slower than asked, because each one
 * takes longer than the interval between frames.
 */
/** Results per second the tool manages: the measured rate, or one per latency before there is a rate. */
export function toolRate(s: Pick<Snapshot, 'fps' | 'latencyMs'>): number {
  if (s.fps > 0) return s.fps;
  return s.latencyMs ? 1000 / s.latencyMs : 0;
}

export function limitedByTool(s: Pick<Snapshot, 'fps' | 'latencyMs' | 'sent'>, requestedFps: number): boolean {
  if (s.sent < 3 || s.latencyMs === null) return false;
  return s.fps < requestedFps * 0.8 && s.latencyMs > 1000 / requestedFps;
}

function StreamArgs({
  target,
  onArgs,
}: {
  target: Target;
  onArgs: (build: () => ReturnType<typeof buildArgs>) => void;
}) {
  const fields = useMemo(
    () => schemaToFields(target.tool.input_schema).fields.filter((f) => f.kind !== 'binary'),
    [target],
  );
  const [values, setValues] = useState<FormValues>(() => {
    const v = initialValues(fields);
    for (const f of fields)
      if (f.name === 'session_id' && !v[f.name]) v[f.name] = `camera-${Math.random().toString(36).slice(2, 8)}`;
    return v;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    onArgs(() => {
      const built = buildArgs(fields, values);
      setErrors(built.errors);
      return built;
    });
  }, [fields, values, onArgs]);
  if (fields.length === 0) return null;
  return (
    <SchemaForm
      idPrefix="cam"
      fields={fields}
      values={values}
      errors={errors}
      onChange={(name: string, value: FormValue) => setValues((v) => ({ ...v, [name]: value }))}
    />
  );
}

export function CameraPage({ data }: { data: PluginsState }) {
  const manifests = useManifests(data.plugins);
  const targets = useMemo(() => (manifests ? streamTargets(manifests) : []), [manifests]);
  const [targetKey, setTargetKey] = useState('');
  const target = targets.find((t) => `${t.plugin}/${t.tool.name}` === targetKey) ?? targets[0] ?? null;
  const key = target ? `${target.plugin}/${target.tool.name}` : '';

  const video = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const buildRef = useRef<(() => ReturnType<typeof buildArgs>) | null>(null);
  const [running, setRunning] = useState(false);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<ErrorLike | null>(null);
  const [streamError, setStreamError] = useState<ErrorLike | null>(null);
  const [boxes, setBoxes] = useState<BoxSet | null>(null);
  // When the frame the shown boxes were computed from was captured (performance.now()), and how old that is.
  const [overlayAt, setOverlayAt] = useState<number | null>(null);
  const [overlayAge, setOverlayAge] = useState<number | null>(null);
  const overlayAtRef = useRef<number | null>(null);
  const [hold, setHold] = useState(true);
  const heldCanvas = useRef<HTMLCanvasElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const [frameSize, setFrameSize] = useState<{ w: number; h: number } | null>(null);
  const [last, setLast] = useState<unknown>(null);
  const [stats, setStats] = useState<Snapshot | null>(null);
  const stop = useRef<() => void>(() => undefined);
  const [devices, setDevices] = useState<CameraDevice[] | null>(null);
  const [deviceId, setDeviceId] = useState(savedCameraId);
  const [fps, setFps] = useState(savedFps);
  // The send loop reads the rate from here, so a new value applies to the very next frame.
  const fpsRef = useRef(fps);
  fpsRef.current = fps;

  useEffect(() => () => stop.current(), []);

  useEffect(() => {
    let alive = true;
    const refresh = () =>
      void listCameras().then(
        (list) => alive && setDevices(list),
        () => alive && setDevices([]),
      );
    refresh();
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => {
      alive = false;
      navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
    };
  }, []);

  // The remembered camera may be gone: fall back to the first one listed.
  const chosenDevice = devices?.find((d) => d.deviceId === deviceId)?.deviceId ?? devices?.[0]?.deviceId ?? '';

  const start = async (device = chosenDevice) => {
    if (!target) return;
    setError(null);
    setStreamError(null);
    const built = buildRef.current?.() ?? { args: {}, files: {}, errors: {} };
    if (Object.keys(built.errors).length) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      setError({
        code: 'INSECURE_CONTEXT',
        message: 'The camera needs a secure page: open the UI over https:// or on localhost.',
      });
      return;
    }
    setStarting(true);
    let media: MediaStream;
    try {
      media = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, ...(device ? { deviceId: { exact: device } } : {}) },
        audio: false,
      });
    } catch (err) {
      setError(cameraError(err));
      setStarting(false);
      return;
    }
    const v = video.current;
    if (!v) {
      // The page was left while the camera was starting (e.g. during the permission prompt): switch it off again.
      for (const track of media.getTracks()) track.stop();
      return;
    }
    v.srcObject = media;
    await v.play().catch(() => undefined);
    // Labels appear once permission is granted; list again so the selector names the cameras.
    void listCameras().then(setDevices, () => undefined);
    const used = media.getVideoTracks()[0]?.getSettings().deviceId;
    if (used && !device) setDeviceId(used);

    const st = new StreamStats();
    // Copies of the frames sent and not yet answered: a result is drawn over the frame it was computed from.
    const sentFrames = new Map<number, { image: HTMLCanvasElement; at: number }>();
    let frameId = 0;
    let lastSent = 0;
    let raf = 0;
    let closed = false;
    const onEvent = (e: StreamEvent) => {
      const now = performance.now();
      if (e.type === 'result') {
        st.onAnswer(e.payload.frame_id, now, e.payload.execution_time_ms, e.payload.dropped);
        const id = Number(e.payload.frame_id);
        const frame = sentFrames.get(id);
        for (const k of [...sentFrames.keys()]) if (k <= id) sentFrames.delete(k);
        if (frame) {
          const out = heldCanvas.current;
          if (out) {
            out.width = frame.image.width;
            out.height = frame.image.height;
            out.getContext('2d')?.drawImage(frame.image, 0, 0);
          }
          overlayAtRef.current = frame.at;
          setOverlayAt(frame.at);
          setOverlayAge(now - frame.at);
        }
        setBoxes(extractBoxes(e.payload.result));
        setLast(e.payload.result);
        setStreamError(null);
      } else if (e.type === 'error') {
        st.errors++;
        st.onAnswer(e.payload.frame_id, now, null, e.payload.dropped);
        setStreamError({ code: e.payload.code, message: e.payload.message });
      } else if (e.type === 'close' && !closed) {
        setStreamError(
          (prev) =>
            prev ?? { code: 'NETWORK_ERROR', message: `stream closed (${e.code}${e.reason ? `: ${e.reason}` : ''})` },
        );
        stop.current();
      }
    };
    const conn = new StreamConnection(target.plugin, target.tool.name, onEvent);
    canvas.current ??= document.createElement('canvas');
    const c = canvas.current;

    const tick = () => {
      const now = performance.now();
      st.expire(now);
      if (
        conn.open &&
        v.videoWidth > 0 &&
        st.outstanding < 2 &&
        conn.buffered < 1_000_000 &&
        now - lastSent >= 1000 / fpsRef.current
      ) {
        const scale = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
        const w = Math.round(v.videoWidth * scale);
        const h = Math.round(v.videoHeight * scale);
        if (c.width !== w || c.height !== h) {
          c.width = w;
          c.height = h;
          setFrameSize({ w, h });
        }
        c.getContext('2d')?.drawImage(v, 0, 0, w, h);
        const dataUrl = c.toDataURL('image/jpeg', 0.7);
        frameId++;
        const copy = document.createElement('canvas');
        copy.width = w;
        copy.height = h;
        copy.getContext('2d')?.drawImage(c, 0, 0);
        sentFrames.set(frameId, { image: copy, at: now });
        // The server answers the newest waiting frame: older ones beyond a few will never come back.
        for (const k of [...sentFrames.keys()]) if (sentFrames.size > 4) sentFrames.delete(k);
        st.onSent(frameId, now);
        conn.sendFrame(frameId, dataUrl, built.args);
        lastSent = now;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    const statsTimer = setInterval(() => {
      const now = performance.now();
      setStats(st.snapshot(now));
      const at = overlayAtRef.current;
      setOverlayAge(at === null ? null : now - at);
    }, 250);

    stop.current = () => {
      if (closed) return;
      stop.current = () => undefined;
      closed = true;
      cancelAnimationFrame(raf);
      clearInterval(statsTimer);
      conn.close();
      for (const track of media.getTracks()) track.stop();
      v.srcObject = null;
      sentFrames.clear();
      setRunning(false);
      setBoxes(null);
      // Stopped: the numbers describe no stream any more.
      setStats(null);
      overlayAtRef.current = null;
      setOverlayAt(null);
      setOverlayAge(null);
    };
    setRunning(true);
    setStarting(false);
  };

  // Anything unexpected while starting (a browser refusing the stream, say) ends as a banner, never a stuck button.
  const begin = (device?: string) =>
    void start(device).catch((err: unknown) => {
      setError(cameraError(err));
      setStarting(false);
    });

  const switchCamera = (id: string) => {
    setDeviceId(id);
    saveCameraId(id);
    if (running) {
      stop.current();
      begin(id);
    }
  };

  const changeFps = (n: number) => {
    const v = clampFps(n);
    setFps(v);
    saveFps(v);
  };

  return (
    <section aria-labelledby="cam-title">
      <div className="page-head">
        <div>
          <h1 id="cam-title">Live camera</h1>
          <p className="muted">
            Streams your webcam to a tool over a WebSocket; the newest frame always wins, so results stay current.
          </p>
        </div>
      </div>
      {data.error ? <ErrorNotice error={data.error} title="Could not load the plugin list" /> : null}
      {manifests === null ? <Spinner label="Finding tools that take images…" /> : null}
      {manifests !== null && targets.length === 0 ? (
        <EmptyState icon="◉" title="No image tool is available">
          <p>Live camera needs a running plugin with an image input, such as motion or object-detection.</p>
        </EmptyState>
      ) : null}
      {target ? (
        <div className="camera">
          <div className="card camera-controls">
            <div className="picker-field">
              <label className="field-label" htmlFor="cam-tool">
                Tool
              </label>
              <select
                id="cam-tool"
                className="input"
                value={key}
                disabled={running}
                onChange={(e) => setTargetKey(e.target.value)}
              >
                {targets.map((t) => (
                  <option key={`${t.plugin}/${t.tool.name}`} value={`${t.plugin}/${t.tool.name}`}>
                    {t.plugin} / {t.tool.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="picker-field">
              <label className="field-label" htmlFor="cam-device">
                Camera
              </label>
              <select
                id="cam-device"
                className="input"
                value={chosenDevice}
                disabled={!devices || devices.length === 0 || starting}
                onChange={(e) => switchCamera(e.target.value)}
              >
                {devices === null ? <option value="">Looking for cameras…</option> : null}
                {devices?.length === 0 ? <option value="">No camera found</option> : null}
                {devices?.map((d) => (
                  <option key={d.deviceId || d.label} value={d.deviceId}>
                    {d.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="picker-field fps-field">
              <label className="field-label" htmlFor="cam-fps">
                Frames per second
              </label>
              <div className="row gap-s">
                <input
                  id="cam-fps"
                  type="range"
                  min={FPS_MIN}
                  max={FPS_MAX}
                  step={1}
                  value={fps}
                  aria-valuetext={`${fps} frames per second`}
                  onChange={(e) => changeFps(Number(e.target.value))}
                />
                <output htmlFor="cam-fps" className="mono" data-testid="fps-value">
                  {fps}
                </output>
              </div>
              <p className="field-desc">At most this many frames go to the tool each second.</p>
              {running && stats && limitedByTool(stats, fps) ? (
                <p className="field-desc limited" data-testid="limited-by-tool">
                  Limited by the tool: about {stats.fps.toFixed(1)} results/s, each taking {formatMs(stats.latencyMs)} —
                  a higher setting sends no more.
                </p>
              ) : null}
            </div>
            <fieldset className="cam-args" disabled={running}>
              <legend className="sr-only">Arguments sent with each frame</legend>
              <StreamArgs key={key} target={target} onArgs={(b) => (buildRef.current = b)} />
            </fieldset>
            <div className="row gap-s">
              {/* One button for both, so keyboard focus stays on it (Space starts, Space stops). */}
              <button
                ref={toggle}
                type="button"
                className={`btn ${running ? 'btn-danger' : 'btn-primary'}`}
                aria-disabled={starting || undefined}
                onClick={() => {
                  if (starting) return;
                  if (running) stop.current();
                  else begin();
                }}
              >
                {running ? 'Stop camera' : starting ? 'Starting…' : 'Start camera'}
              </button>
              <label className="toggle">
                <input type="checkbox" checked={hold} onChange={(e) => setHold(e.target.checked)} />
                Show boxes on the frame they were found in
              </label>
            </div>
            {error ? <ErrorNotice error={error} onDismiss={() => setError(null)} /> : null}
            {streamError ? (
              <ErrorNotice error={streamError} title="Last frame failed" onDismiss={() => setStreamError(null)} />
            ) : null}
          </div>
          <div className="card camera-view">
            <div
              className="media-box live"
              data-running={running}
              style={{ aspectRatio: frameSize ? `${frameSize.w} / ${frameSize.h}` : '16 / 9' }}
            >
              <video ref={video} muted playsInline aria-label="Camera preview" />
              <canvas
                ref={heldCanvas}
                className="held-frame"
                hidden={!(running && hold && overlayAt !== null)}
                aria-label="The frame the boxes were found in"
                role="img"
              />
              {running && boxes && frameSize ? (
                <BoxLayer boxes={boxes.boxes} width={boxes.width ?? frameSize.w} height={boxes.height ?? frameSize.h} />
              ) : null}
              {running && overlayAge !== null ? (
                <span className="overlay-age" data-testid="overlay-age" data-age-ms={Math.round(overlayAge)}>
                  {hold ? 'Frame analysed' : 'Boxes are from a frame'} {formatMs(overlayAge)} ago
                </span>
              ) : null}
              {!running ? <div className="camera-idle">Camera off</div> : null}
            </div>
            <dl className="stats stats-inline" aria-label="Stream statistics">
              <div className="stat">
                <dt>Results/s</dt>
                <dd data-testid="stat-fps">{stats ? stats.fps.toFixed(1) : '—'}</dd>
              </div>
              <div className="stat">
                <dt>Latency</dt>
                <dd data-testid="stat-latency">{formatMs(stats?.latencyMs)}</dd>
              </div>
              <div className="stat">
                <dt>Tool time</dt>
                <dd data-testid="stat-exec">{formatMs(stats?.execMs)}</dd>
              </div>
              <div className="stat">
                <dt>Dropped</dt>
                <dd data-testid="stat-dropped">{stats?.dropped ?? '—'}</dd>
              </div>
              <div className="stat">
                <dt>Sent</dt>
                <dd data-testid="stat-sent">{stats?.sent ?? '—'}</dd>
              </div>
            </dl>
            {last !== null ? <JsonView value={last} title="Latest result" /> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
