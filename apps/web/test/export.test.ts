/** The take-away formats, each checked against what its readers expect (COCO loaders, YOLO trainers, MOT tools). */
import { describe, expect, it } from 'vitest';
import { extractBoxes, extractTimedBoxes } from '../src/lib/boxes';
import { toCoco, toCurl, toJs, toMotCsv, toPython, toYolo, yoloClasses, type MadeRequest } from '../src/lib/export';

const DETECT = {
  width: 200,
  height: 100,
  detections: [
    { label: 'person', score: 0.9, box: { x: 10, y: 20, width: 40, height: 60 } },
    { label: 'dog', score: 0.5, box: { x: 100, y: 0, width: 100, height: 100 } },
    { label: 'person', score: 0.4, box: { x: 150, y: 50, width: 20, height: 20 } },
  ],
};
const boxes = extractBoxes(DETECT).boxes;

describe('COCO JSON', () => {
  it('is a detection dataset a COCO loader accepts: images, annotations with [x,y,w,h], categories from 1', () => {
    const coco = JSON.parse(JSON.stringify(toCoco(boxes, { fileName: 'park.jpg', width: 200, height: 100 })));
    expect(coco.images).toEqual([{ id: 1, file_name: 'park.jpg', width: 200, height: 100 }]);
    expect(coco.categories).toEqual([
      { id: 1, name: 'person' },
      { id: 2, name: 'dog' },
    ]);
    expect(coco.annotations).toHaveLength(3);
    expect(coco.annotations[0]).toEqual({
      id: 1,
      image_id: 1,
      category_id: 1,
      bbox: [10, 20, 40, 60],
      area: 2400,
      iscrowd: 0,
      score: 0.9,
    });
    expect(coco.annotations.map((a: { category_id: number }) => a.category_id)).toEqual([1, 2, 1]);
    const ids = new Set(coco.categories.map((c: { id: number }) => c.id));
    for (const a of coco.annotations) expect(ids.has(a.category_id)).toBe(true);
  });
});

describe('YOLO txt', () => {
  it('writes one line of 5 numbers per box: class, centre and size normalised to 0–1', () => {
    const lines = toYolo(boxes, 200, 100).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const nums = line.split(' ').map(Number);
      expect(nums).toHaveLength(5);
      expect(nums.every(Number.isFinite)).toBe(true);
      expect(Number.isInteger(nums[0])).toBe(true);
      for (const n of nums.slice(1)) expect(n >= 0 && n <= 1).toBe(true);
    }
    expect(lines[0]).toBe('0 0.150000 0.500000 0.200000 0.600000');
    expect(lines[1]).toBe('1 0.750000 0.500000 0.500000 1.000000');
    expect(yoloClasses(boxes)).toBe('person\ndog\n');
  });
});

describe('MOT CSV', () => {
  it('writes frame,id,left,top,width,height,conf,-1,-1,-1 with frames from 1, tracked boxes only', () => {
    const timed = extractTimedBoxes({
      frames: [
        { time_s: 0, tracks: [{ track_id: 1, label: 'car', score: 0.9, box: { x: 1, y: 2, width: 3, height: 4 } }] },
        {
          time_s: 0.5,
          tracks: [
            { track_id: 1, label: 'car', score: 0.8, box: { x: 5, y: 6, width: 7, height: 8 } },
            { track_id: 2, label: 'dog', box: { x: 0, y: 0, width: 1, height: 1 } },
          ],
        },
      ],
    })!;
    expect(toMotCsv(timed.frames)).toBe('1,1,1,2,3,4,0.9,-1,-1,-1\n2,1,5,6,7,8,0.8,-1,-1,-1\n2,2,0,0,1,1,1,-1,-1,-1\n');
  });
});

describe('copy as curl / Python / JS', () => {
  const multipart: MadeRequest = {
    plugin: 'object-detection',
    tool: 'detect',
    args: { min_score: 0.5 },
    files: { image: "it's.jpg" },
    asJob: false,
    withKey: true,
  };
  const json: MadeRequest = {
    plugin: 'ok',
    tool: 'echo',
    args: { text: 'hi' },
    files: {},
    asJob: true,
    withKey: false,
  };
  const origin = 'http://127.0.0.1:8000';

  it('curl sends the file as a part, the args as JSON, the key from the environment (never the key itself)', () => {
    const curl = toCurl(multipart, origin);
    expect(curl).toContain(`'http://127.0.0.1:8000/v1/plugins/object-detection/tools/detect/run'`);
    expect(curl).toContain(`-F 'args={"min_score":0.5}'`);
    expect(curl).toContain(`-F 'image=@it'\\''s.jpg'`);
    expect(curl).toContain('X-API-Key: $BASTION_API_KEY');
  });

  it('a job is posted to /v1/jobs with plugin and tool', () => {
    const curl = toCurl(json, origin);
    expect(curl).toContain(`'http://127.0.0.1:8000/v1/jobs'`);
    expect(curl).toContain(`-d '{"plugin":"ok","tool":"echo","args":{"text":"hi"}}'`);
    expect(curl).not.toContain('X-API-Key');
  });

  it('Python and JS name the same URL, file and args', () => {
    const py = toPython(multipart, origin);
    expect(py).toContain('requests.post("http://127.0.0.1:8000/v1/plugins/object-detection/tools/detect/run"');
    expect(py).toContain(`"image": open("it's.jpg", "rb")`);
    expect(py).toContain('os.environ["BASTION_API_KEY"]');
    const js = toJs(multipart, origin);
    expect(js).toContain(`form.append("image", new Blob([await readFile("it's.jpg")]), "it's.jpg");`);
    expect(js).toContain(`form.append('args', "{\\"min_score\\":0.5}");`);
    expect(toJs(json, origin)).toContain('body: JSON.stringify({"plugin":"ok","tool":"echo","args":{"text":"hi"}})');
  });
});
