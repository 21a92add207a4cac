// @vitest-environment happy-dom
/**
 * Results people can keep and read: downloads (JSON, COCO, YOLO, MOT) and "Copy as", the confidence slider going
 * below the tool's own minimum, found items as one tab stop, zoom, track counts and ids, and job cards that say
 * what a job ran on. React in happy-dom; downloads are caught at URL.createObjectURL.
 */
import type { JobInput, JobRecord } from '@bastion/protocol';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobCard } from '../src/components/JobCard';
import { ResultView } from '../src/components/ResultView';
import type { MadeRequest } from '../src/lib/export';
import { stubApi } from './helpers/api';

const box = (x: number, y = 10) => ({ x, y, width: 20, height: 20 });
const DETECTIONS = {
  width: 200,
  height: 100,
  detections: [
    { label: 'person', score: 0.92, box: box(10) },
    { label: 'dog', score: 0.55, box: box(60) },
    { label: 'cup', score: 0.41, box: box(110) },
  ],
};
const REQUEST: MadeRequest = {
  plugin: 'object-detection',
  tool: 'detect',
  args: { min_score: 0.3 },
  files: { image: 'park.jpg' },
  asJob: false,
  withKey: false,
};

/** Every file the page downloads: name and text. */
let downloads: Array<{ name: string; text: Promise<string> }>;

beforeEach(() => {
  downloads = [];
  let last: Blob | null = null;
  vi.spyOn(URL, 'createObjectURL').mockImplementation((b: Blob | MediaSource) => {
    last = b as Blob;
    return 'blob:test';
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    if (last) downloads.push({ name: this.download, text: last.text() });
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('downloads and copy as', () => {
  it('downloads the result as JSON, COCO JSON and YOLO labels with classes.txt', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} request={REQUEST} />);
    const group = screen.getByRole('group', { name: 'Take the result away' });
    await user.click(within(group).getByRole('button', { name: 'JSON' }));
    await user.click(within(group).getByRole('button', { name: 'COCO JSON' }));
    await user.click(within(group).getByRole('button', { name: 'YOLO txt' }));
    await user.click(within(group).getByRole('button', { name: 'classes.txt' }));
    await waitFor(() => expect(downloads).toHaveLength(4));
    expect(downloads.map((d) => d.name)).toEqual([
      'result-result.json',
      'result-coco.json',
      'result.txt',
      'classes.txt',
    ]);
    expect(JSON.parse(await downloads[0]!.text)).toEqual(DETECTIONS);
    const coco = JSON.parse(await downloads[1]!.text) as { annotations: unknown[]; images: unknown[] };
    expect(coco.annotations).toHaveLength(3);
    expect(coco.images).toEqual([{ id: 1, file_name: 'image', width: 200, height: 100 }]);
    const yolo = (await downloads[2]!.text).trimEnd().split('\n');
    expect(yolo.map((l) => l.split(' ').length)).toEqual([5, 5, 5]);
    expect(await downloads[3]!.text).toBe('person\ndog\ncup\n');
    expect(within(group).getByRole('status').textContent).toBe('YOLO classes: done');
  });

  it('the downloads follow the overlay filters: what is shown is what is exported', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} />);
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0.5' } });
    await user.click(screen.getByRole('button', { name: 'YOLO txt' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect((await downloads[0]!.text).trimEnd().split('\n')).toHaveLength(2);
  });

  it('offers tracks as MOT CSV for a video result, and no COCO/YOLO there', async () => {
    const user = userEvent.setup();
    const video = {
      width: 200,
      height: 100,
      frames: [
        { time_s: 0, tracks: [{ track_id: 1, label: 'car', score: 0.9, box: box(10) }] },
        { time_s: 0.5, tracks: [{ track_id: 1, label: 'car', score: 0.8, box: box(20) }] },
      ],
    };
    render(<ResultView result={video} />);
    expect(screen.queryByRole('button', { name: 'COCO JSON' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Tracks CSV (MOT)' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(await downloads[0]!.text).toBe('1,1,10,10,20,20,0.9,-1,-1,-1\n2,1,20,10,20,20,0.8,-1,-1,-1\n');
  });

  it('copies the exact request as curl, and shows it to read', async () => {
    const user = userEvent.setup();
    const writes: string[] = [];
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText: async (t: string) => void writes.push(t) } });
    render(<ResultView result={DETECTIONS} request={REQUEST} />);
    await user.click(screen.getByRole('button', { name: 'curl' }));
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]).toContain('/v1/plugins/object-detection/tools/detect/run');
    expect(writes[0]).toContain(`-F 'image=@park.jpg'`);
    expect(screen.getByTestId('snippet').textContent).toBe(writes[0]);
    expect(screen.getByText('Copied as curl')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Python' }));
    await waitFor(() => expect(writes).toHaveLength(2));
    expect(writes[1]).toContain('import requests');
  });

  it('says so, and still shows the code, when the clipboard is refused', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: {
        writeText: async () => {
          throw new Error('denied');
        },
      },
    });
    render(<ResultView result={DETECTIONS} request={REQUEST} />);
    await user.click(screen.getByRole('button', { name: 'JS' }));
    expect(await screen.findByText(/refused the clipboard/)).toBeTruthy();
    expect(screen.getByTestId('snippet').textContent).toContain('await fetch(');
  });

  it('offers no COCO or YOLO for OCR words: they are text, not object classes', () => {
    const ocr = {
      width: 100,
      height: 20,
      words: [{ text: 'hello', confidence: 95, box: box(1) }],
      lines: [{ text: 'hello', confidence: 95, box: box(1) }],
    };
    render(<ResultView result={ocr} />);
    expect(screen.getByRole('button', { name: 'JSON' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'COCO JSON' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'YOLO txt' })).toBeNull();
  });

  it('offers no "Copy as" for a result whose request is unknown (a job opened later)', () => {
    render(<ResultView result={DETECTIONS} />);
    expect(screen.queryByRole('button', { name: 'curl' })).toBeNull();
  });
});

describe('the confidence slider below the tool’s own minimum', () => {
  it('says the tool returned nothing lower and offers to run it again at the chosen value', async () => {
    const user = userEvent.setup();
    const rerun = vi.fn();
    render(<ResultView result={DETECTIONS} serverMinScore={{ arg: 'min_score', value: 0.3 }} onRerun={rerun} />);
    expect(screen.queryByTestId('below-server-min')).toBeNull();
    fireEvent.change(screen.getByRole('slider', { name: 'Confidence' }), { target: { value: '0.1' } });
    expect(screen.getByTestId('below-server-min').textContent).toContain('only returned scores ≥ 30%');
    await user.click(screen.getByRole('button', { name: 'Run again at ≥ 10%' }));
    expect(rerun).toHaveBeenCalledWith({ min_score: 0.1 });
  });
});

describe('found items, zoom, tracks', () => {
  it('the found items are one tab stop; arrow keys move between them', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} />);
    const items = within(screen.getByRole('list', { name: 'Found items' })).getAllByRole('listitem');
    expect(items.map((li) => li.tabIndex)).toEqual([0, -1, -1]);
    items[0]!.focus();
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(items[1]);
    await user.keyboard('{End}');
    expect(document.activeElement).toBe(items[2]);
    expect(items.map((li) => li.tabIndex)).toEqual([-1, -1, 0]);
    await user.keyboard('{Home}');
    expect(document.activeElement).toBe(items[0]);
  });

  it('zooms the result image with the buttons and the keyboard, and fits it again', async () => {
    const user = userEvent.setup();
    render(<ResultView result={DETECTIONS} media={{ url: 'blob:x', kind: 'image', name: 'park.jpg' }} />);
    const level = () => screen.getByTestId('zoom-level').textContent;
    expect(level()).toBe('100%');
    expect(screen.getByRole('button', { name: 'Zoom out' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(level()).toBe('150%');
    const region = screen.getByRole('region', { name: /Result image/ });
    region.focus();
    await user.keyboard('+');
    expect(level()).toBe('225%');
    await user.keyboard('-');
    expect(level()).toBe('150%');
    await user.click(screen.getByRole('button', { name: 'Fit' }));
    expect(level()).toBe('100%');
    expect(document.querySelector('.zoom-content')?.getAttribute('data-zoom')).toBe('1');
  });

  it('counts tracks, not boxes, and shows track ids by default', () => {
    const frames = Array.from({ length: 10 }, (_, i) => ({
      time_s: i / 10,
      tracks: [1, 2, 3, 4, 5].map((id) => ({ track_id: id, label: 'person', score: 0.9, box: box(id * 30) })),
    }));
    render(<ResultView result={{ width: 200, height: 100, frames }} />);
    // 50 boxes over 10 frames, 5 tracks.
    expect(screen.getByRole('checkbox', { name: /Tracks/ }).parentElement?.textContent).toContain('(5)');
    expect(screen.getByRole('checkbox', { name: 'Labels' })).toHaveProperty('checked', true);
    const labels = [...document.querySelectorAll('.box-label text')].map((t) => t.textContent);
    expect(labels).toEqual(['#1 person 90%', '#2 person 90%', '#3 person 90%', '#4 person 90%', '#5 person 90%']);
    const colours = [...document.querySelectorAll('[data-box]')].map((g) => g.getAttribute('data-color'));
    expect(new Set(colours).size).toBe(5);
  });

  it('draws each label on a background at least as wide as its text', () => {
    render(<ResultView result={DETECTIONS} />);
    for (const g of document.querySelectorAll('.box-label')) {
      const rect = g.querySelector('rect')!;
      const text = g.querySelector('text')!;
      const chars = text.textContent!.length;
      // The fallback measure (no canvas in happy-dom) is 0.65 em per character, the bold text's upper bound.
      expect(Number(rect.getAttribute('width'))).toBeGreaterThanOrEqual(
        chars * Number(text.getAttribute('font-size')) * 0.6,
      );
    }
  });
});

describe('job cards say what the job ran on', () => {
  const job = (over: Partial<JobRecord>): JobRecord => ({
    job_id: 'j1',
    plugin: 'object-detection',
    tool: 'detect',
    status: 'succeeded',
    progress: 100,
    stage: null,
    result: DETECTIONS,
    error: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:01.000Z',
    finished_at: '2026-01-01T00:00:02.000Z',
    node: null,
    attempts: 1,
    ...over,
  });
  const PREVIEW = 'data:image/png;base64,iVBORw0KGgo=';
  const input = (over: Partial<JobInput> = {}): JobInput => ({
    job_id: 'j1',
    kept: true,
    args: { min_score: 0.5 },
    files: [{ arg: 'image', name: 'street.jpg', content_type: 'image/jpeg', size_bytes: 2048 }],
    preview: PREVIEW,
    ...over,
  });

  it('shows the file name, size, arguments and the preview; the reopened result is drawn over the preview', async () => {
    const user = userEvent.setup();
    stubApi({ 'GET /v1/jobs/j1/input': () => input() });
    render(<JobCard job={job({})} partials={0} />);
    const line = await screen.findByTestId('job-input');
    expect(line.textContent).toContain('street.jpg · 2.0 KB');
    expect(line.textContent).toContain('min_score=0.5');
    expect(screen.getByRole('img', { name: 'Input of job j1' }).getAttribute('src')).toBe(PREVIEW);
    await user.click(screen.getByRole('button', { name: 'Show result' }));
    expect(screen.getByRole('img', { name: /street\.jpg with 3 boxes/ }).getAttribute('src')).toBe(PREVIEW);
    expect(screen.queryByTestId('no-input')).toBeNull();
  });

  it('says so where the server keeps no inputs (cluster mode), and draws on a blank canvas', async () => {
    const user = userEvent.setup();
    stubApi({ 'GET /v1/jobs/j1/input': () => input({ kept: false, args: null, files: [], preview: null }) });
    render(<JobCard job={job({})} partials={0} />);
    expect((await screen.findByTestId('job-input-not-kept')).textContent).toContain('does not keep job inputs');
    await user.click(screen.getByRole('button', { name: 'Show result' }));
    expect(screen.getByTestId('no-input')).toBeTruthy();
  });

  it('a cancelled job is a plain note, not an error', async () => {
    stubApi({ 'GET /v1/jobs/j1/input': () => input() });
    render(
      <JobCard
        job={job({ status: 'cancelled', result: null, error: { code: 'CANCELLED', message: 'the job was cancelled' } })}
        partials={0}
      />,
    );
    expect(screen.getByTestId('job-cancelled').textContent).toContain('Nothing went wrong');
    expect(screen.queryByRole('alert')).toBeNull();
    await act(async () => undefined);
  });

  it('a failed job shows its error with what to do', () => {
    stubApi({ 'GET /v1/jobs/j1/input': () => input() });
    render(
      <JobCard
        job={job({ status: 'failed', result: null, error: { code: 'PLUGIN_CRASHED', message: 'died' } })}
        partials={0}
      />,
    );
    expect(screen.getByRole('alert').getAttribute('data-code')).toBe('PLUGIN_CRASHED');
  });
});
