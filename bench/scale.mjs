// Scale: startup time and idle memory with 1, 20 and 100 trivial plugins; OCR and detection throughput with
// `concurrency` 1 and 2. Run after `npm run build`:
//   node bench/scale.mjs [--plugins 1,20,100] [--concurrency 1,2] [--images 12] [--only startup,vision]
// The server is the real CLI in its own process (sandboxed workers).
import { parseArgs } from 'node:util';
import { plugins, postJson, startCli, subset } from './lib/server.mjs';
import { machineLine, median, nodeWorkers, procMemoryMb, r1, sleep } from './lib/stats.mjs';
import { detectionImages, ocrImages } from './lib/vision.mjs';

const { values: opts } = parseArgs({
  options: {
    plugins: { type: 'string', default: '1,20,100' },
    concurrency: { type: 'string', default: '1,2' },
    images: { type: 'string', default: '12' },
    only: { type: 'string', default: 'startup,vision' },
  },
});
const only = new Set(opts.only.split(','));
const list = (s) => s.split(',').map(Number);

/** RSS of each plugin worker process below the host, in MB. */
const workerRss = (hostPid) =>
  nodeWorkers(hostPid)
    .map((p) => procMemoryMb(p)?.rss)
    .filter((x) => x !== undefined);

console.log(machineLine() + '\n');
if (only.has('startup')) {
  console.log(
    '| trivial plugins | start → all INITIALIZED (/readyz 200) | INITIALIZED | host RSS idle | worker RSS idle, median (max) | all workers |\n|---|---|---|---|---|---|',
  );
  for (const n of list(opts.plugins)) {
    const bastion = await startCli({ pluginsDir: subset([], { ok: n }) });
    const initialized = (await plugins(bastion.url)).filter((h) => h.state === 'INITIALIZED').length;
    await sleep(2000);
    const workers = workerRss(bastion.pid);
    const sum = workers.reduce((a, b) => a + b, 0);
    console.log(
      `| ${n} | ${(bastion.readyMs / 1000).toFixed(2)} s | ${initialized}/${n} | ${procMemoryMb(bastion.pid).rss} MB | ` +
        `${median(workers)} MB (${Math.max(...workers)}) | ${workers.length} processes, ${Math.round(sum)} MB |`,
    );
    await bastion.stop();
  }
  console.log('');
}

if (only.has('vision')) {
  const images = Number(opts.images);
  const cases = [
    { plugin: 'ocr', tool: 'extract_text', ...(await ocrImages())[0] },
    { plugin: 'object-detection', tool: 'detect', ...(await detectionImages())[0] },
  ];
  console.log(
    `| plugin, image | concurrency | ${images} images, 4 in flight: images/s | latency median |\n|---|---|---|---|`,
  );
  for (const c of list(opts.concurrency)) {
    const bastion = await startCli({
      config: {
        plugins: {
          motion: { enabled: false },
          'video-tracker': { enabled: false },
          ocr: { concurrency: c },
          'object-detection': { concurrency: c },
        },
      },
    });
    try {
      for (const k of cases) {
        const body = { args: { image: k.image.toString('base64') } };
        const run = `${bastion.url}/v1/plugins/${k.plugin}/tools/${k.tool}/run`;
        // Warm every worker.
        await Promise.all(Array.from({ length: c }, () => postJson(run, body)));
        const lat = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next++ < images) {
              const t = performance.now();
              const res = await postJson(run, body);
              if (res.status !== 200) throw new Error(`${k.plugin}: ${JSON.stringify(res.body)}`);
              lat.push(performance.now() - t);
            }
          }),
        );
        const s = (performance.now() - t0) / 1000;
        console.log(`| ${k.plugin}, ${k.name} | ${c} | ${r1(images / s)} | ${Math.round(median(lat))} ms |`);
      }
    } finally {
      await bastion.stop();
    }
  }
}
process.exit(0);
