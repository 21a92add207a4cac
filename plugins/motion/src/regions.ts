/** Pixel-level motion analysis on greyscale working frames: difference mask, dilation, connected components. */

export interface PixelBox {
  /** Inclusive bounds in working pixels. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Changed pixels in the region (undilated). */
  count: number;
}

/** Sets mask[i] = 1 where |a[i] - b[i]| > threshold; returns how many pixels changed. */
export function diffMask(a: Uint8Array, b: Uint8Array, threshold: number, mask: Uint8Array): number {
  if (a.length !== b.length || a.length !== mask.length) throw new Error('diffMask: buffers differ in size');
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    const on = (d < 0 ? -d : d) > threshold ? 1 : 0;
    mask[i] = on;
    changed += on;
  }
  return changed;
}

/**
 * Square dilation by `radius` (a (2r+1)² max filter), separable: a pixel is set when any pixel within `radius`
 * horizontally and vertically is set. Uses running counts, so O(width·height) whatever the radius.
 */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(radius, width); x++) count += mask[row + x]!;
    for (let x = 0; x < width; x++) {
      const add = x + radius;
      if (add < width) count += mask[row + add]!;
      const drop = x - radius - 1;
      if (drop >= 0) count -= mask[row + drop]!;
      tmp[row + x] = count > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(radius, height); y++) count += tmp[y * width + x]!;
    for (let y = 0; y < height; y++) {
      const add = y + radius;
      if (add < height) count += tmp[add * width + x]!;
      const drop = y - radius - 1;
      if (drop >= 0) count -= tmp[drop * width + x]!;
      out[y * width + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}

/**
 * Two-pass connected-component labelling (8-connectivity) with union-find. Returns a label per pixel (0 =
 * background, 1..n = component) and the number of components n.
 */
export function labelComponents(
  mask: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; count: number } {
  const labels = new Int32Array(mask.length);
  // parent[k] for provisional label k (index 0 unused). At most one new label per pixel.
  let parent = new Int32Array(1024);
  let next = 1;

  const find = (k: number): number => {
    let root = k;
    while (parent[root]! !== root) root = parent[root]!;
    // Path compression.
    while (parent[k]! !== root) {
      const up = parent[k]!;
      parent[k] = root;
      k = up;
    }
    return root;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const lo = ra < rb ? ra : rb;
    parent[ra === lo ? rb : ra] = lo;
    return lo;
  };

  /** Combines the label found so far with a neighbour's label (0 = none). */
  const merge = (label: number, neighbour: number): number => {
    if (!neighbour) return label;
    return label ? union(label, neighbour) : neighbour;
  };

  // Pass 1: provisional labels from the already visited neighbours (W, NW, N, NE).
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      let label = 0;
      if (x > 0) label = merge(label, labels[i - 1]!);
      if (y > 0) {
        const up = i - width;
        if (x > 0) label = merge(label, labels[up - 1]!);
        label = merge(label, labels[up]!);
        if (x + 1 < width) label = merge(label, labels[up + 1]!);
      }
      if (!label) {
        if (next >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        label = next++;
      }
      labels[i] = label;
    }
  }

  // Pass 2: resolve to roots and renumber 1..n.
  const final = new Int32Array(next);
  let count = 0;
  for (let k = 1; k < next; k++) {
    const r = find(k);
    if (!final[r]) final[r] = ++count;
    final[k] = final[r]!;
  }
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l) labels[i] = final[l]!;
  }
  return { labels, count };
}

/**
 * Groups the changed pixels of `mask` into regions: components of the mask dilated by `mergeRadius` (so parts
 * of one moving object closer than 2·mergeRadius join), with boxes and counts taken from the undilated pixels.
 */
export function findRegions(mask: Uint8Array, width: number, height: number, mergeRadius: number): PixelBox[] {
  const grown = dilate(mask, width, height, mergeRadius);
  const { labels, count } = labelComponents(grown, width, height);
  const boxes: PixelBox[] = [];
  for (let k = 0; k < count; k++) {
    boxes.push({ minX: width, minY: height, maxX: -1, maxY: -1, count: 0 });
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      const b = boxes[labels[i]! - 1]!;
      if (x < b.minX) b.minX = x;
      if (x > b.maxX) b.maxX = x;
      if (y < b.minY) b.minY = y;
      if (y > b.maxY) b.maxY = y;
      b.count++;
    }
  }
  return boxes.filter((b) => b.count > 0);
}
