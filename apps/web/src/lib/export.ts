/**
 * Results to take away, as the formats other tools read: COCO JSON and YOLO txt for detections, MOT CSV for
 * tracks. Pure (strings in, strings out), so each format is tested on its own.
 */
import type { LabeledBox, TimedFrame } from './boxes';

const bareLabel = (b: LabeledBox): string => b.label.replace(/^#\S+\s/, '');

/** Class names in order of first appearance; the index is the class id. */
export function classesOf(boxes: readonly LabeledBox[]): string[] {
  const out: string[] = [];
  for (const b of boxes) if (!out.includes(bareLabel(b))) out.push(bareLabel(b));
  return out;
}

export interface CocoDataset {
  info: { description: string; date_created: string };
  images: Array<{ id: number; file_name: string; width: number; height: number }>;
  annotations: Array<{
    id: number;
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0;
    score?: number;
  }>;
  categories: Array<{ id: number; name: string }>;
}

/** One image's boxes as a COCO detection dataset (category ids from 1, bbox `[x, y, width, height]` in pixels). */
export function toCoco(
  boxes: readonly LabeledBox[],
  image: { fileName: string; width: number; height: number },
  now = new Date(),
): CocoDataset {
  const classes = classesOf(boxes);
  return {
    info: { description: 'Exported from Bastion', date_created: now.toISOString() },
    images: [{ id: 1, file_name: image.fileName, width: image.width, height: image.height }],
    annotations: boxes.map((b, i) => ({
      id: i + 1,
      image_id: 1,
      category_id: classes.indexOf(bareLabel(b)) + 1,
      bbox: [b.x, b.y, b.width, b.height],
      area: b.width * b.height,
      iscrowd: 0,
      ...(b.score !== null ? { score: b.score } : {}),
    })),
    categories: classes.map((name, i) => ({ id: i + 1, name })),
  };
}

const clamp01 = (n: number): number => Math.min(1, Math.max(0, n));
const fix = (n: number): string => clamp01(n).toFixed(6);

/**
 * YOLO labels: one line per box, `class x_center y_center width height`, all normalised to 0–1 by the image size;
 * class ids index `classesOf(boxes)` (the `classes.txt` that goes with it).
 */
export function toYolo(boxes: readonly LabeledBox[], width: number, height: number): string {
  const classes = classesOf(boxes);
  return boxes
    .map((b) =>
      [
        String(classes.indexOf(bareLabel(b))),
        fix((b.x + b.width / 2) / width),
        fix((b.y + b.height / 2) / height),
        fix(b.width / width),
        fix(b.height / height),
      ].join(' '),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** `classes.txt`: the class names, one per line, in class id order. */
export function yoloClasses(boxes: readonly LabeledBox[]): string {
  return classesOf(boxes)
    .map((c) => `${c}\n`)
    .join('');
}

/**
 * Tracks in the MOTChallenge CSV layout: `frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z` with frames
 * numbered from 1 and -1 for the unused world coordinates. Boxes without a track id are left out.
 */
export function toMotCsv(frames: readonly TimedFrame[]): string {
  const lines: string[] = [];
  frames.forEach((f, i) => {
    for (const b of f.boxes) {
      if (b.trackId === null) continue;
      const id = typeof b.trackId === 'number' ? b.trackId : Number.parseInt(String(b.trackId), 10);
      if (!Number.isFinite(id)) continue;
      const r = (n: number) => String(Math.round(n * 100) / 100);
      lines.push([i + 1, id, r(b.x), r(b.y), r(b.width), r(b.height), b.score ?? 1, -1, -1, -1].join(','));
    }
  });
  return lines.map((l) => `${l}\n`).join('');
}

/** The request a result came from, to repeat it from a program. */
export interface MadeRequest {
  plugin: string;
  tool: string;
  /** Arguments that are not files. */
  args: Record<string, unknown>;
  /** File arguments: field name → the file's name. */
  files: Record<string, string>;
  /** Submitted as a background job instead of a direct call. */
  asJob: boolean;
  /** Whether the UI sent an API key (the snippets read it from BASTION_API_KEY, never embed it). */
  withKey: boolean;
}

const enc = encodeURIComponent;
const pathOf = (r: MadeRequest): string =>
  r.asJob ? '/v1/jobs' : `/v1/plugins/${enc(r.plugin)}/tools/${enc(r.tool)}/run`;
const jsonBody = (r: MadeRequest): Record<string, unknown> =>
  r.asJob ? { plugin: r.plugin, tool: r.tool, args: r.args } : { args: r.args };
/** Single-quoted for a POSIX shell. */
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function toCurl(r: MadeRequest, origin: string): string {
  const parts = [`curl -sS -X POST ${sh(origin + pathOf(r))}`];
  if (r.withKey) parts.push(`-H "X-API-Key: $BASTION_API_KEY"`);
  const files = Object.entries(r.files);
  if (files.length) {
    if (r.asJob) parts.push(`-F plugin=${sh(r.plugin)}`, `-F tool=${sh(r.tool)}`);
    parts.push(`-F ${sh(`args=${JSON.stringify(r.args)}`)}`);
    for (const [field, name] of files) parts.push(`-F ${sh(`${field}=@${name}`)}`);
  } else {
    parts.push(`-H 'Content-Type: application/json'`, `-d ${sh(JSON.stringify(jsonBody(r)))}`);
  }
  return parts.join(' \\\n  ');
}

export function toPython(r: MadeRequest, origin: string): string {
  const lines = ['import json, os', 'import requests', ''];
  const headers = r.withKey ? `{"X-API-Key": os.environ["BASTION_API_KEY"]}` : '{}';
  const files = Object.entries(r.files);
  const url = JSON.stringify(origin + pathOf(r));
  if (files.length) {
    const data: Record<string, string> = { args: JSON.stringify(r.args) };
    if (r.asJob) Object.assign(data, { plugin: r.plugin, tool: r.tool });
    lines.push(
      `files = {${files.map(([field, name]) => `${JSON.stringify(field)}: open(${JSON.stringify(name)}, "rb")`).join(', ')}}`,
      `response = requests.post(${url}, headers=${headers}, data=${JSON.stringify(data)}, files=files)`,
    );
  } else {
    lines.push(
      `response = requests.post(${url}, headers=${headers}, json=json.loads(${JSON.stringify(JSON.stringify(jsonBody(r)))}))`,
    );
  }
  lines.push('response.raise_for_status()', 'print(response.json())');
  return lines.join('\n');
}

export function toJs(r: MadeRequest, origin: string): string {
  const lines: string[] = [];
  const headers: string[] = [];
  if (r.withKey) headers.push(`'X-API-Key': process.env.BASTION_API_KEY`);
  const files = Object.entries(r.files);
  if (files.length) {
    lines.push(`import { readFile } from 'node:fs/promises';`, '', 'const form = new FormData();');
    if (r.asJob)
      lines.push(
        `form.append('plugin', ${JSON.stringify(r.plugin)});`,
        `form.append('tool', ${JSON.stringify(r.tool)});`,
      );
    lines.push(`form.append('args', ${JSON.stringify(JSON.stringify(r.args))});`);
    for (const [field, name] of files) {
      lines.push(
        `form.append(${JSON.stringify(field)}, new Blob([await readFile(${JSON.stringify(name)})]), ${JSON.stringify(name)});`,
      );
    }
    lines.push(
      `const res = await fetch(${JSON.stringify(origin + pathOf(r))}, {`,
      `  method: 'POST',`,
      `  headers: { ${headers.join(', ')} },`,
      `  body: form,`,
      `});`,
    );
  } else {
    headers.push(`'Content-Type': 'application/json'`);
    lines.push(
      `const res = await fetch(${JSON.stringify(origin + pathOf(r))}, {`,
      `  method: 'POST',`,
      `  headers: { ${headers.join(', ')} },`,
      `  body: JSON.stringify(${JSON.stringify(jsonBody(r))}),`,
      `});`,
    );
  }
  lines.push(
    `if (!res.ok) throw new Error(\`HTTP \${res.status}: \${await res.text()}\`);`,
    'console.log(await res.json());',
  );
  return lines.join('\n');
}
