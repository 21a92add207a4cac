import { describe, expect, it } from 'vitest';
import { defaultVisibleGroups, extractBoxes } from '../src/lib/boxes';

describe('face-detection results', () => {
  it('are drawn like object detection: a labelled, scored box per face', () => {
    // The shape the bundled Python face-detection plugin answers (plugins/face-detection).
    const set = extractBoxes({
      width: 1280,
      height: 1158,
      faces: [
        { label: 'face', score: 0.98, box: { x: 215, y: 20, width: 47, height: 47 } },
        { label: 'face', score: 0.6, box: { x: 946, y: 558, width: 84, height: 84 } },
      ],
    });
    expect([set.width, set.height]).toEqual([1280, 1158]);
    expect(set.groups).toEqual(['faces']);
    expect(defaultVisibleGroups(set)).toEqual(['faces']);
    expect(set.boxes.map((b) => [b.label, b.score, b.x, b.width])).toEqual([
      ['face', 0.98, 215, 47],
      ['face', 0.6, 946, 84],
    ]);
  });
});
