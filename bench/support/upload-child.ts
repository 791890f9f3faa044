// One upload in its own process, so its peak RSS is the client's alone. Prints one JSON line.
// usage: node upload-child.mjs FILE URL MODEL_ID TOKEN
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HttpArthurApi } from '../../src/arthur/index.js';

const [file, host, modelId, token] = process.argv.slice(2) as [string, string, string, string];
const { size } = await stat(file);
const api = new HttpArthurApi();
const rssBeforeMB = Math.round(process.memoryUsage().rss / 1048576);
const t0 = process.hrtime.bigint();
const result = await api.uploadCapture({
  host,
  modelId,
  token,
  // 64 KiB chunks, about what an S3 GetObject body yields.
  body: createReadStream(file),
  contentLength: size,
  fileName: 'bench.jsonl',
  timeoutMs: 15 * 60_000,
});
const s = Number(process.hrtime.bigint() - t0) / 1e9;
api.close();
console.log(
  JSON.stringify({
    MBps: +(size / 1048576 / s).toFixed(1),
    s: +s.toFixed(2),
    status: result.status,
    counts: result.counts,
    rssBeforeMB,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
