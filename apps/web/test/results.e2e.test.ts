/**
 * End to end with the bundled plugins in Debian's chromium: keyboard-only runs of OCR and object detection on the
 * samples shipped with the UI, the downloads of a result (the files parse: COCO JSON loads, YOLO lines have 5
 * numbers, the PNG is a PNG), a job that keeps its input preview, labels sized in screen pixels on a phone, and the
 * live camera drawing boxes over the frame they were found in, with its age and "limited by the tool".
 * Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/helpers/server';
import {
  CHROMIUM,
  NARROW,
  WIDE,
  buildUi,
  horizontalOverflow,
  launch,
  screenshot,
  seriousA11yViolations,
} from './helpers/browser';

const POLL = { timeout: 60_000 };

/** Presses Tab until the focused element's text or label matches `name`; fails after `max` presses. */
async function tabTo(page: Page, name: RegExp, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? `${el.getAttribute('aria-label') ?? ''} ${el.textContent ?? ''}`.trim() : '';
    });
    if (name.test(label)) return;
  }
  throw new Error(`no focusable element matching ${String(name)} within ${max} tabs`);
}

/** Presses Enter on the focused control and returns the downloaded file's bytes and name. */
async function downloadWithEnter(page: Page): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(file) };
}

describe.skipIf(!existsSync(CHROMIUM))('results, inputs and the camera with bundled plugins (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await buildUi();
    process.env.BASTION_WEB_DIR = outDir;
    server = await startTestServer({
      pluginsDirs: [],
      listen: true,
      config: { bundledPlugins: true, file: { plugins: { 'video-tracker': { enabled: false } } } },
    });
    browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    page = await browser.newPage({ viewport: WIDE });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    delete process.env.BASTION_WEB_DIR;
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs object detection with the keyboard only, and its downloads parse', async () => {
    await page.goto(`${server.url}/#/run/object-detection/detect`);
    await page
      .getByRole('heading', { name: /detect/ })
      .first()
      .waitFor(POLL);
    await page.locator('body').focus();
    await tabTo(page, /Group photo \(people\)/);
    await page.keyboard.press('Enter');
    await page.locator('.drop-name', { hasText: 'people.jpg' }).waitFor(POLL);
    await tabTo(page, /^Run$/);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('result');
    await result.waitFor(POLL);
    // The run is over: focus moved to its output, so the next Tab lands in the result.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Output');
    const drawn = Number(await result.locator('svg.box-layer').getAttribute('data-boxes'));
    expect(drawn).toBeGreaterThan(0);

    await tabTo(page, /^COCO JSON$/);
    const coco = await downloadWithEnter(page);
    expect(coco.name).toBe('people-coco.json');
    const dataset = JSON.parse(coco.bytes.toString('utf8')) as {
      images: Array<{ width: number; height: number; file_name: string }>;
      annotations: Array<{ bbox: number[]; category_id: number }>;
      categories: Array<{ id: number; name: string }>;
    };
    expect(dataset.images[0]).toMatchObject({ file_name: 'people.jpg', width: 640, height: 579 });
    expect(dataset.annotations).toHaveLength(drawn);
    expect(dataset.categories.map((c) => c.name)).toContain('person');
    for (const a of dataset.annotations) {
      expect(a.bbox).toHaveLength(4);
      expect(dataset.categories.some((c) => c.id === a.category_id)).toBe(true);
    }

    await tabTo(page, /^YOLO txt$/);
    const yolo = await downloadWithEnter(page);
    const lines = yolo.bytes.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(drawn);
    for (const line of lines) {
      const nums = line.split(' ').map(Number);
      expect(nums).toHaveLength(5);
      expect(nums.every((n) => Number.isFinite(n) && n >= 0)).toBe(true);
      expect(nums.slice(1).every((n) => n <= 1)).toBe(true);
    }

    await page.keyboard.press('Shift+Tab'); // back over JSON to the annotated image
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    const png = await downloadWithEnter(page);
    expect(png.name).toBe('people-annotated.png');
    expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    await tabTo(page, /^curl$/);
    await page.keyboard.press('Enter');
    const snippet = await page.getByTestId('snippet').textContent();
    expect(snippet).toContain(`${server.url}/v1/plugins/object-detection/tools/detect/run`);
    expect(snippet).toContain(`-F 'image=@people.jpg'`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'run-detection-takeaway-wide');
    expect(pageErrors).toEqual([]);
  });

  it('runs OCR with the keyboard only on the text sample', async () => {
    await page.goto(`${server.url}/#/run/ocr/extract_text`);
    await page.reload(); // a fresh page: no file carried over from the last tool
    await page
      .getByRole('heading', { name: /extract_text/ })
      .first()
      .waitFor(POLL);
    expect(await page.locator('.drop-empty').textContent()).toContain('BMP or PNM (PBM/PGM/PPM/PAM)');
    await page.locator('body').focus();
    await tabTo(page, /Two lines of text/);
    await page.keyboard.press('Enter');
    await page.locator('.drop-name', { hasText: 'text.png' }).waitFor(POLL);
    await tabTo(page, /^Run$/);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('result');
    await result.waitFor(POLL);
    expect(await result.textContent()).toMatch(/Bastion reads this text/);
    // The words are one tab stop: Tab from the first chip leaves the list.
    const chips = result.getByRole('list', { name: 'Found items' }).locator('li[data-chip]');
    expect(await chips.count()).toBeGreaterThan(3);
    expect(await chips.evaluateAll((els) => els.filter((e) => (e as HTMLElement).tabIndex === 0).length)).toBe(1);
    await screenshot(page, 'run-ocr-wide');
  });

  it('a job keeps its input: the card names the file and shows its preview, the reopened result draws on it', async () => {
    await page.goto(`${server.url}/#/run/object-detection/detect`);
    await page.reload();
    await page.getByRole('button', { name: 'Group photo (people)' }).click();
    await page.locator('.drop-name', { hasText: 'people.jpg' }).waitFor(POLL);
    await page.getByLabel('Run as a background job').check();
    await page.getByRole('button', { name: 'Submit job' }).click();
    const card = page.locator('article.job');
    await expect.poll(() => card.getAttribute('data-status'), POLL).toBe('succeeded');
    const id = (await card.locator('.job-id').textContent())!;

    const input = (await (await fetch(`${server.url}/v1/jobs/${id}/input`)).json()) as {
      files: Array<{ name: string }>;
      preview: string | null;
    };
    expect(input.files[0]!.name).toBe('people.jpg');
    expect(input.preview).toMatch(/^data:image\/jpeg;base64,/);
    expect(Buffer.from(input.preview!.split(',')[1]!, 'base64').byteLength).toBeLessThanOrEqual(64 * 1024);

    await page.goto(`${server.url}/#/jobs/${id}`);
    const focused = page.locator('.focused article.job');
    await focused.getByTestId('job-input').waitFor(POLL);
    expect(await focused.getByTestId('job-input').textContent()).toContain('people.jpg');
    await focused.getByRole('img', { name: `Input of job ${id}` }).waitFor();
    // A job opened by its link shows its result at once, drawn over the kept preview.
    expect(await focused.getByRole('button', { name: 'Hide result' }).count()).toBe(1);
    const img = focused.getByRole('img', { name: /people\.jpg with \d+ boxes/ });
    await img.waitFor(POLL);
    expect(await img.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await focused.getByTestId('no-input').count()).toBe(0);
    await screenshot(page, 'job-reopened-wide');
    await page.goto(`${server.url}/#/jobs`);
    await page.locator('.job-list .job-thumb').first().waitFor(POLL);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'jobs-with-inputs-wide');
  });

  it('sizes box labels in screen pixels on a phone', async () => {
    const p = await browser.newPage({ viewport: NARROW });
    try {
      await p.goto(`${server.url}/#/run/object-detection/detect`);
      await p.getByRole('button', { name: 'Group photo (people)' }).click();
      await p.locator('.drop-name', { hasText: 'people.jpg' }).waitFor(POLL);
      await p.getByRole('button', { name: 'Run', exact: true }).click();
      const result = p.getByTestId('result');
      await result.waitFor(POLL);
      const sizes = await result.locator('.box-label').evaluateAll((groups) =>
        groups.map((g) => {
          const text = g.querySelector('text')!.getBoundingClientRect();
          const bg = g.querySelector('rect')!.getBoundingClientRect();
          return { textH: text.height, textW: text.width, bgW: bg.width };
        }),
      );
      expect(sizes.length).toBeGreaterThan(0);
      for (const s of sizes) {
        // 12 px text: its box is about 14–17 px tall on screen, whatever the image's own size.
        expect(s.textH).toBeGreaterThan(11);
        expect(s.textH).toBeLessThan(20);
        // The background fits its bold text.
        expect(s.bgW).toBeGreaterThanOrEqual(s.textW);
      }
      // With a result, its downloads and zoom on screen: no serious accessibility problem, no sideways scrolling.
      expect(await seriousA11yViolations(p)).toEqual([]);
      expect(await horizontalOverflow(p)).toBe(0);
      await screenshot(p, 'run-detection-narrow');
    } finally {
      await p.close();
    }
  });

  it('draws camera boxes over the frame they came from, says how old they are, and when the tool limits the rate', async () => {
    await page.goto(`${server.url}/#/camera`);
    const tool = page.getByLabel('Tool', { exact: true });
    await tool.waitFor(POLL);
    await tool.selectOption('object-detection/detect');
    await page.getByLabel('Frames per second').fill('30');
    const button = page.getByRole('button', { name: 'Start camera' });
    await button.focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Stop camera' }).waitFor(POLL);
    // Focus stayed on the one camera button.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Stop camera');
    const age = page.getByTestId('overlay-age');
    await age.waitFor(POLL);
    expect(Number(await age.getAttribute('data-age-ms'))).toBeGreaterThan(0);
    expect(await age.textContent()).toMatch(/^Frame analysed .* ago$/);
    expect(await page.locator('canvas.held-frame').isVisible()).toBe(true);
    // Detection takes far longer than 1/30 s: the page says the tool, not the slider, sets the pace.
    await page.getByTestId('limited-by-tool').waitFor(POLL);
    expect(await page.getByTestId('limited-by-tool').textContent()).toMatch(
      /Limited by the tool: about [\d.]+ results\/s/,
    );
    await screenshot(page, 'camera-held-frame-wide');
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Start camera' }).waitFor(POLL);
    expect(await page.getByTestId('stat-sent').textContent()).toBe('—');
    expect(pageErrors).toEqual([]);
  });
});
