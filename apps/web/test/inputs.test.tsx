// @vitest-environment happy-dom
/**
 * Inputs as a first-time user meets them: the file picker's wording, samples shipped with the UI, paste, several
 * files at once (one call each, results listed), a file that is not an image, focus after a run, and a file that
 * stays chosen when the tool changes. React in happy-dom with `fetch` stubbed at its edge.
 */
import type { ToolDescriptor } from '@bastion/protocol';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileDrop } from '../src/components/FileDrop';
import { ToolForm } from '../src/components/ToolForm';
import { RunPage } from '../src/pages/RunPage';
import { IMAGE_ACCEPT } from '../src/lib/media';
import { IMAGE_TOOL_SCHEMA, health, manifest, stubApi } from './helpers/api';

const png = (name: string) => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], name, { type: 'image/png' });

const DETECT: ToolDescriptor = {
  name: 'detect',
  description: 'Find objects',
  input_schema: {
    type: 'object',
    properties: {
      ...IMAGE_TOOL_SCHEMA.properties,
      min_score: { type: 'number', default: 0.3, minimum: 0, maximum: 1 },
    },
    required: ['image'],
  },
  output_schema: null,
};

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the file picker', () => {
  it('says "Choose an image", offers paste and the formats', () => {
    render(<FileDrop id="f" file={null} accept={IMAGE_ACCEPT} media="image" onChange={() => undefined} />);
    const label = document.querySelector('.drop-empty')!;
    expect(label.textContent).toContain('Choose an image, drop it here or paste');
    expect(label.textContent).toContain('JPEG, PNG, WebP, GIF, TIFF or AVIF');
  });

  it('tries a sample shipped with the UI, as if the user had picked it', async () => {
    const user = userEvent.setup();
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(String(url));
      return new Response(new Uint8Array([0xff, 0xd8, 0xff]), { status: 200 });
    });
    const onChange = vi.fn();
    render(<FileDrop id="f" file={null} accept={IMAGE_ACCEPT} media="image" onChange={onChange} />);
    await user.click(screen.getByRole('button', { name: 'Group photo (people)' }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    const file = onChange.mock.calls[0]![0] as File;
    expect([file.name, file.type, file.size]).toEqual(['people.jpg', 'image/jpeg', 3]);
    expect(fetched[0]).toMatch(/people.*\.jpg/);
  });

  it('takes a pasted image', () => {
    const onChange = vi.fn();
    render(<FileDrop id="f" file={null} accept={IMAGE_ACCEPT} media="image" onChange={onChange} />);
    const file = png('shot.png');
    fireEvent.paste(document.querySelector('.drop')!, {
      clipboardData: { items: [{ kind: 'file', getAsFile: () => file }], files: [] },
    });
    expect(onChange).toHaveBeenCalledWith(file);
  });

  it('takes several files when allowed, and hands all of them on', () => {
    const onChange = vi.fn();
    const onFiles = vi.fn();
    render(
      <FileDrop
        id="f"
        file={null}
        accept={IMAGE_ACCEPT}
        media="image"
        multiple
        onChange={onChange}
        onFiles={onFiles}
      />,
    );
    const input = document.getElementById('f') as HTMLInputElement;
    expect(input.multiple).toBe(true);
    const files = [png('a.png'), png('b.png')];
    fireEvent.change(input, { target: { files } });
    expect(onChange).toHaveBeenCalledWith(files[0]);
    expect(onFiles).toHaveBeenCalledWith(files);
  });

  it('warns about a file that is not an image instead of showing a broken preview', () => {
    const text = new File(['hello'], 'notes.txt', { type: 'text/plain' });
    render(<FileDrop id="f" file={text} accept={IMAGE_ACCEPT} media="image" onChange={() => undefined} />);
    expect(screen.getByTestId('not-an-image').textContent).toContain('notes.txt does not look like an image');
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('says the browser cannot show an image format it fails to decode (the tool still can)', () => {
    render(<FileDrop id="f" file={png('scan.tiff')} accept={IMAGE_ACCEPT} media="image" onChange={() => undefined} />);
    fireEvent.error(screen.getByRole('img', { name: 'Preview of scan.tiff' }));
    expect(screen.getByTestId('no-preview').textContent).toContain('cannot show this format');
    expect(screen.queryByRole('img')).toBeNull();
  });
});

describe('running a tool on several files', () => {
  it('runs once per file and lists each result under its file name', async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      'POST /v1/plugins/object-detection/tools/detect/run': () => ({
        ok: true,
        plugin: 'object-detection',
        tool: 'detect',
        result: { width: 10, height: 10, detections: [] },
        execution_time_ms: 5,
      }),
    });
    render(<ToolForm plugin="object-detection" tool={DETECT} available />);
    fireEvent.change(document.getElementById('f-object-detection-detect-image')!, {
      target: { files: [png('a.png'), png('b.png'), png('c.png')] },
    });
    expect(screen.getByTestId('batch').textContent).toContain(
      '3 files chosen; each runs on its own: a.png, b.png, c.png',
    );
    await user.click(screen.getByRole('button', { name: 'Run (3 files)' }));
    const output = screen.getByRole('region', { name: 'Output' });
    await waitFor(() => expect(within(output).getAllByTestId('result')).toHaveLength(3));
    expect(
      within(output)
        .getAllByRole('heading', { level: 3 })
        .map((h) => h.textContent),
    ).toEqual(['Result for a.png', 'Result for b.png', 'Result for c.png']);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(3);
    // The run is over: focus is on its output, so the keyboard continues from the results.
    await waitFor(() => expect(document.activeElement).toBe(output));
  });

  it('keeps the file chosen for one tool when the form is opened for another', () => {
    const file = png('kept.png');
    render(<ToolForm plugin="object-detection" tool={DETECT} available carriedFile={file} />);
    expect(document.querySelector('.drop-name')?.textContent).toBe('kept.png');
  });

  it('re-runs on the server below the tool’s minimum score, with the same file', async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      'POST /v1/plugins/object-detection/tools/detect/run': () => ({
        ok: true,
        plugin: 'object-detection',
        tool: 'detect',
        result: {
          width: 10,
          height: 10,
          detections: [{ label: 'cat', score: 0.5, box: { x: 1, y: 1, width: 2, height: 2 } }],
        },
        execution_time_ms: 5,
      }),
    });
    render(<ToolForm plugin="object-detection" tool={DETECT} available carriedFile={png('cat.png')} />);
    await user.click(screen.getByRole('button', { name: 'Run' }));
    const slider = await screen.findByRole('slider', { name: 'Confidence' });
    expect((slider as HTMLInputElement).value).toBe('0.3');
    fireEvent.change(slider, { target: { value: '0.15' } });
    await user.click(screen.getByRole('button', { name: 'Run again at ≥ 15%' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    const form = calls[1]!.body as FormData;
    expect(JSON.parse(String(form.get('args')))).toEqual({ min_score: 0.15 });
    expect((form.get('image') as File).name).toBe('cat.png');
  });
});

describe('switching tools on the Run page', () => {
  it('keeps the chosen file when the plugin or tool selection changes (e.g. ArrowDown on the select)', async () => {
    const other: ToolDescriptor = { ...DETECT, name: 'detect_fast' };
    stubApi({ 'GET /v1/plugins/object-detection/manifest': () => manifest('object-detection', [DETECT, other]) });
    const data = {
      plugins: [health({ name: 'object-detection', tools: ['detect', 'detect_fast'] })],
      error: null,
      refresh: () => undefined,
      live: true,
    };
    const { rerender } = render(<RunPage data={data} plugin="object-detection" tool="detect" />);
    await screen.findByRole('heading', { name: /detect$/ });
    fireEvent.change(document.getElementById('f-object-detection-detect-image')!, {
      target: { files: [png('street.png')] },
    });
    // The select navigates to the other tool's hash; the page renders it with the file still chosen.
    rerender(<RunPage data={data} plugin="object-detection" tool="detect_fast" />);
    await screen.findByRole('heading', { name: /detect_fast/ });
    expect(document.querySelector('.drop-name')?.textContent).toBe('street.png');
  });
});
