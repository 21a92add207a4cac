import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, {
  sessionCount,
  type DetectMotionArgs,
  type DetectMotionResult,
  type MotionState,
} from '../src/index.js';
import { frame, makeCtx, pluginDir, pngBombHeader } from './helpers.js';

/** The state init() returned, handed to each call as ctx.state (the worker does the same). */
let state: MotionState;
const ctx = () => makeCtx(pluginDir, {}, undefined, state);

/** Calls the handler as the worker does, after schema validation (some tests pass deliberately odd args). */
const detect = (args: Record<string, unknown>) =>
  Promise.resolve(
    plugin.tools.detect_motion.handler(args as unknown as DetectMotionArgs, ctx()),
  ) as Promise<DetectMotionResult>;
const reset = (session_id: string) =>
  Promise.resolve(plugin.tools.reset_session.handler({ session_id }, ctx())) as Promise<{ reset: boolean }>;

let sessionSeq = 0;
const newSession = () => `test-${++sessionSeq}`;

const covers = (box: { x: number; y: number; width: number; height: number }, x: number, y: number, size: number) =>
  box.x <= x && box.y <= y && box.x + box.width >= x + size && box.y + box.height >= y + size;

beforeAll(async () => {
  state = await plugin.init(makeCtx(pluginDir));
  await plugin.validate(ctx());
  expect(sessionCount(state)).toBe(0); // the self-test leaves no session behind
});

afterAll(async () => {
  await plugin.dispose(ctx());
});

describe('detect_motion', () => {
  it('primes a session with its first frame, then finds a moved square', async () => {
    const session_id = newSession();
    const first = await detect({ image: await frame([{ x: 100, y: 100 }]), session_id });
    expect(first).toEqual({
      motion: false,
      changed_ratio: 0,
      regions: [],
      width: 640,
      height: 480,
      first_frame: true,
    });

    const moved = await detect({ image: await frame([{ x: 130, y: 115 }]), session_id });
    expect(moved.first_frame).toBe(false);
    expect(moved.motion).toBe(true);
    expect(moved.width).toBe(640);
    expect(moved.height).toBe(480);
    expect(moved.regions).toHaveLength(1);
    const region = moved.regions[0]!;
    expect(covers(region.box, 130, 115, 80)).toBe(true);
    // Tight: the box spans old and new square (100..210 × 100..195) with a few pixels of blur.
    expect(region.box.x).toBeGreaterThanOrEqual(90);
    expect(region.box.y).toBeGreaterThanOrEqual(90);
    expect(region.box.x + region.box.width).toBeLessThanOrEqual(220);
    expect(region.box.y + region.box.height).toBeLessThanOrEqual(205);
    expect(region.area).toBeGreaterThan(2000);
    expect(region.area).toBeLessThan(110 * 95);
    expect(moved.changed_ratio).toBeGreaterThan(0);
    expect(moved.changed_ratio).toBeLessThan(0.05);
  });

  it('reports two regions when a square jumps far, one at the old and one at the new place', async () => {
    const session_id = newSession();
    await detect({ image: await frame([{ x: 40, y: 40 }]), session_id });
    const r = await detect({ image: await frame([{ x: 450, y: 320 }]), session_id });
    expect(r.motion).toBe(true);
    expect(r.regions).toHaveLength(2);
    expect(r.regions.some((g) => covers(g.box, 450, 320, 80))).toBe(true);
    expect(r.regions.some((g) => covers(g.box, 40, 40, 80))).toBe(true);
    // Regions are sorted by area, largest first, and lie inside the frame.
    expect(r.regions[0]!.area).toBeGreaterThanOrEqual(r.regions[1]!.area);
    for (const { box } of r.regions) {
      expect(box.x + box.width).toBeLessThanOrEqual(640);
      expect(box.y + box.height).toBeLessThanOrEqual(480);
    }
  });

  it('finds no motion between identical frames, even re-encoded as JPEG at another quality', async () => {
    const session_id = newSession();
    const squares = [{ x: 200, y: 150 }];
    await detect({ image: await frame(squares), session_id });
    const same = await detect({ image: await frame(squares), session_id });
    expect(same).toMatchObject({ motion: false, changed_ratio: 0, regions: [], first_frame: false });
    const jpeg = await detect({ image: await frame(squares, { format: 'jpeg', quality: 60 }), session_id });
    expect(jpeg.motion).toBe(false);
    expect(jpeg.regions).toEqual([]);
  });

  it('applies threshold and min_area', async () => {
    const session_id = newSession();
    await detect({ image: await frame([{ x: 300, y: 200, grey: 100 }]), session_id });
    // The square brightens by 12 grey levels: below the default threshold of 25.
    const faint = await frame([{ x: 300, y: 200, grey: 112 }]);
    expect((await detect({ image: faint, session_id })).motion).toBe(false);
    const back = await frame([{ x: 300, y: 200, grey: 100 }]);
    const sensitive = await detect({ image: back, session_id, threshold: 5 });
    expect(sensitive.motion).toBe(true);
    expect(sensitive.regions).toHaveLength(1);
    expect(covers(sensitive.regions[0]!.box, 300, 200, 80)).toBe(true);
    // A region smaller than min_area is dropped, but the changed pixels still count in changed_ratio.
    const bright = await frame([{ x: 300, y: 200, grey: 250 }]);
    const filtered = await detect({ image: bright, session_id, min_area: 100_000 });
    expect(filtered.motion).toBe(false);
    expect(filtered.regions).toEqual([]);
    expect(filtered.changed_ratio).toBeGreaterThan(0.01);
  });

  it('keeps sessions apart', async () => {
    const a = newSession();
    const b = newSession();
    await detect({ image: await frame([{ x: 10, y: 10 }]), session_id: a });
    const bFirst = await detect({ image: await frame([{ x: 300, y: 300 }]), session_id: b });
    expect(bFirst.first_frame).toBe(true);
    // a compares with a's own previous frame (square at 10,10), not with b's.
    const aSame = await detect({ image: await frame([{ x: 10, y: 10 }]), session_id: a });
    expect(aSame.motion).toBe(false);
    const bMoved = await detect({ image: await frame([{ x: 10, y: 10 }]), session_id: b });
    expect(bMoved.motion).toBe(true);
  });

  it('reset_session forgets the previous frame', async () => {
    const session_id = newSession();
    await detect({ image: await frame([{ x: 10, y: 10 }]), session_id });
    expect(await reset(session_id)).toEqual({ reset: true });
    expect(await reset(session_id)).toEqual({ reset: false });
    const after = await detect({ image: await frame([{ x: 400, y: 300 }]), session_id });
    expect(after.first_frame).toBe(true);
    expect(after.motion).toBe(false);
    expect(await reset('never-seen')).toEqual({ reset: false });
  });

  it('compares a frame of another size at the session working size, boxes in the new frame pixels', async () => {
    const session_id = newSession();
    await detect({ image: await frame([{ x: 100, y: 100 }]), session_id });
    // The same scene at half size: nothing moved.
    const half = await detect({
      image: await frame([{ x: 50, y: 50, size: 40 }], { width: 320, height: 240 }),
      session_id,
    });
    expect(half.width).toBe(320);
    expect(half.height).toBe(240);
    expect(half.first_frame).toBe(false);
    expect(half.motion).toBe(false);
    // Moved, in a larger frame: the box is in the 1280×960 frame's pixels.
    const big = await detect({
      image: await frame([{ x: 800, y: 600, size: 160 }], { width: 1280, height: 960 }),
      session_id,
    });
    expect(big.motion).toBe(true);
    expect(big.width).toBe(1280);
    expect(big.regions.some((g) => covers(g.box, 800, 600, 160))).toBe(true);
  });

  it('handles frames smaller than the working size and odd formats (WebP, greyscale+alpha PNG)', async () => {
    const session_id = newSession();
    const tiny = (x: number) =>
      sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
        .composite([
          { input: { create: { width: 8, height: 8, channels: 4, background: '#ffffffff' } }, left: x, top: 10 },
        ])
        .greyscale()
        .png()
        .toBuffer();
    expect((await detect({ image: await tiny(2), session_id })).first_frame).toBe(true);
    const r = await detect({ image: await tiny(28), session_id, min_area: 1 });
    expect(r.motion).toBe(true);
    expect(r.width).toBe(40);
    expect(r.regions.some((g) => covers(g.box, 28, 10, 8))).toBe(true);
    const webp = await sharp(await frame([{ x: 10, y: 10 }]))
      .webp()
      .toBuffer();
    expect((await detect({ image: webp, session_id: newSession() })).first_frame).toBe(true);
  });
});

describe('session bounds', () => {
  it('evicts the least recently used session above maxSessions', async () => {
    state = await plugin.init(makeCtx(pluginDir, { maxSessions: 3 }));
    try {
      const img = await frame([{ x: 10, y: 10 }]);
      for (const id of ['s1', 's2', 's3']) await detect({ image: img, session_id: id });
      await detect({ image: img, session_id: 's1' }); // s1 is now the most recently used
      await detect({ image: img, session_id: 's4' }); // evicts s2
      expect(sessionCount(state)).toBe(3);
      expect((await detect({ image: img, session_id: 's1' })).first_frame).toBe(false);
      expect((await detect({ image: img, session_id: 's2' })).first_frame).toBe(true);
      expect(sessionCount(state)).toBe(3);
      for (let i = 0; i < 20; i++) await detect({ image: img, session_id: `many-${i}` });
      expect(sessionCount(state)).toBe(3);
    } finally {
      state = await plugin.init(makeCtx(pluginDir));
    }
  });

  it('expires idle sessions', async () => {
    state = await plugin.init(makeCtx(pluginDir, { idleMs: 20 }));
    try {
      const img = await frame([{ x: 10, y: 10 }]);
      await detect({ image: img, session_id: 'idle' });
      await new Promise((r) => setTimeout(r, 60));
      expect((await detect({ image: img, session_id: 'idle' })).first_frame).toBe(true);
    } finally {
      state = await plugin.init(makeCtx(pluginDir));
    }
  });

  it('rejects invalid options at init', async () => {
    await expect(plugin.init(makeCtx(pluginDir, { maxSessions: 0 }))).rejects.toThrow(
      /maxSessions must be an integer from 1/,
    );
    await expect(plugin.init(makeCtx(pluginDir, { workingSize: 'big' }))).rejects.toThrow(/workingSize/);
  });
});

describe('detect_motion with bad input', () => {
  it('rejects 0 bytes, non-images, truncated JPEGs and decompression-bomb headers without touching the session', async () => {
    const session_id = newSession();
    const good = await frame([{ x: 100, y: 100 }]);
    await detect({ image: good, session_id });

    await expect(detect({ image: new Uint8Array(0), session_id })).rejects.toThrow(/empty \(0 bytes\)/);
    await expect(detect({ image: new TextEncoder().encode('not a frame'), session_id })).rejects.toThrow(
      /not a readable picture/,
    );
    const jpeg = await frame([{ x: 300, y: 100 }], { format: 'jpeg' });
    await expect(detect({ image: jpeg.subarray(0, Math.floor(jpeg.length / 2)), session_id })).rejects.toThrow(
      /truncated or corrupt/,
    );
    await expect(detect({ image: pngBombHeader(20000, 20000), session_id })).rejects.toThrow(
      /20000×20000 \(400\.0 MP\), above the limit/,
    );
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
    await expect(detect({ image: svg, session_id })).rejects.toThrow(/format 'svg' is not supported/);

    // The session still holds the last good frame.
    const again = await detect({ image: good, session_id });
    expect(again.first_frame).toBe(false);
    expect(again.motion).toBe(false);
  });

  it("reports bad input as the caller's mistake (InputError)", async () => {
    const image = await frame([]);
    for (const args of [
      { image: new Uint8Array(0), session_id: 'a' },
      { image, session_id: '' },
    ]) {
      await expect(detect(args)).rejects.toMatchObject({ name: 'InputError' });
    }
    await expect(detect({ image: pngBombHeader(20000, 20000), session_id: 'a' })).rejects.toMatchObject({
      name: 'InputError',
    });
  });

  it('rejects bad arguments with clear messages', async () => {
    const image = await frame([]);
    await expect(detect({ image, session_id: '' })).rejects.toThrow(/session_id must be a string of 1 to 128/);
    await expect(detect({ image, session_id: 'x'.repeat(129) })).rejects.toThrow(/session_id/);
    await expect(detect({ image, session_id: 'a', threshold: 300 })).rejects.toThrow(/threshold must be a number/);
    await expect(detect({ image, session_id: 'a', min_area: -1 })).rejects.toThrow(/min_area must be/);
    await expect(detect({ image: 'aGk=', session_id: 'a' })).rejects.toThrow(/must be binary data/);
  });
});
