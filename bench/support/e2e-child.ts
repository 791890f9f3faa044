/**
 * One measurement of bench:e2e (bench/e2e.ts) in a fresh process: `node e2e-child.mjs FILES CONCURRENCY ROOT`.
 * Prints one JSON line. Both phases send the same generated files: the stack to 4 mapped models, the direct
 * POSTs to 4 other models (the receiver refuses partner IDs a model already holds).
 */
import '../../src/polyfills.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { localS3Client } from '../../local/clients.js';
import { startLocalStack } from '../../local/stack.js';

const files = Number(process.argv[2] ?? 1000);
/** Set: a CPU profile of the stack phase only (not start-up, the direct phase or close) is written there. */
const profileDir = process.env.BENCH_E2E_PROFILE_DIR;
const concurrency = Number(process.argv[3] ?? 8);
const rootDir = process.argv[4] ?? process.cwd();
const WARMUP = 20;
const ENDPOINTS = 4;

const mb = (bytes: number) => Math.round(bytes / 1048576);
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const stackModel = (e: number) => `5a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7${e}`;
const directModel = (e: number) => `da0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7${e}`;

/** File i: 1–5 records of the default mix, generated again on demand (no file set is kept in memory). */
function capture(i: number): { key: string; endpoint: number; body: Buffer; records: number } {
  const generator = new CaptureGenerator({ seed: 1000 + i, start: new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + i * 1000) });
  const records = 1 + (i % 5);
  const lines: string[] = [];
  for (let r = 0; r < records; r++) lines.push(generator.line().text);
  const endpoint = i % ENDPOINTS;
  const t = new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + i * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const key = `bench/endpoint-${endpoint}/AllTraffic/2026/11/25/${pad(t.getUTCHours())}/${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}-${pad(i % 1000, 3)}-${pad(i, 8)}.jsonl`;
  return { key, endpoint, body: Buffer.from(`${lines.join('\n')}\n`), records };
}

// Configured as a long local backfill should be: tables and objects on disk (--data-dir), the receiver keeping
// partner IDs but not payloads, and full histories for the newest 1,000 executions only.
const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
const stack = await startLocalStack({ portBase: 0, rootDir, log: () => {}, stackName: 'bench', dataDir, storeReceivedInferences: false, sfnHistoryLimit: 1000, diagnosticsLimit: 1000 });
const s3 = localS3Client(stack.endpoints.s3);
for (let e = 0; e < ENDPOINTS; e++) await stack.putMapping(`bench/endpoint-${e}/`, stackModel(e));

async function throughStack(from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    for (let i = next++; i < to; i = next++) {
      const { key, body } = capture(i);
      await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await stack.waitForIdle();
}

async function direct(from: number, to: number): Promise<number> {
  let accepted = 0;
  for (let i = from; i < to; i++) {
    const { endpoint, body } = capture(i);
    // As Arthur's sample Lambda: one multipart request per file, field `inference_data`, the raw token.
    const form = new FormData();
    form.append('inference_data', new Blob([body], { type: 'application/jsonl' }), `capture-${i}.jsonl`);
    const res = await fetch(`${stack.endpoints.arthur}/api/v3/models/${directModel(endpoint)}/inferences/integrations/sagemaker_data_capture`, {
      method: 'POST',
      headers: { Authorization: stack.arthurToken },
      body: form,
    });
    await res.arrayBuffer();
    if (res.status === 207) accepted++;
  }
  return accepted;
}

// Warm-up (JIT, connection pools, first table writes), not counted: files past the measured range.
await throughStack(files, files + WARMUP);
await direct(files, files + WARMUP);
const warmExecutions = stack.sfn.executions().length;
const uploadsBefore = stack.receiver!.stats().total;
(globalThis as { gc?: () => void }).gc?.();
const idleRssMB = mb(process.memoryUsage().rss);
const idleHeapLiveMB = mb(process.memoryUsage().heapUsed);

let records = 0;
for (let i = 0; i < files; i++) records += 1 + (i % 5);

let session: Session | undefined;
if (profileDir) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const elu = performance.eventLoopUtilization();
let t = performance.now();
await throughStack(0, files);
const stackS = (performance.now() - t) / 1000;
const eventLoopBusy = performance.eventLoopUtilization(elu).utilization;
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(profileDir!, `stack-${files}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
}
// Counted, not kept: the list holds a view per older execution, which the live-heap figure below must not include.
const { measured, succeeded } = ((list) => ({ measured: list.length, succeeded: list.filter((e) => e.status === 'SUCCEEDED').length }))(stack.sfn.executions().slice(warmExecutions));
const uploads = stack.receiver!.stats().total - uploadsBefore;
const rssAfterMB = mb(process.memoryUsage().rss);
// The process's peak so far: the stack phase's (and start-up's), before the direct phase adds its own.
const peakRssStackMB = peakRssMB();
// What the stack really keeps (executions and their history, the receiver's inferences, dynalite's tables),
// as opposed to heap the collector has not given back: a full GC first (the parent passes --expose-gc).
const heapBeforeGcMB = mb(process.memoryUsage().heapTotal);
(globalThis as { gc?: () => void }).gc?.();
const heapLiveMB = mb(process.memoryUsage().heapUsed);

t = performance.now();
const accepted = await direct(0, files);
const directS = (performance.now() - t) / 1000;
const peakRssDirectMB = peakRssMB();

s3.destroy();
await stack.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    files,
    records,
    stack: { s: stackS, eventLoopBusy, filesPerS: files / stackS, succeeded, failed: measured - succeeded + (files - measured), uploads, rssAfterMB, peakRssMB: peakRssStackMB, heapBeforeGcMB, heapLiveMB },
    direct: { s: directS, filesPerS: files / directS, accepted, peakRssMB: peakRssDirectMB },
    peakRssMB: peakRssMB(),
    idleRssMB,
    idleHeapLiveMB,
  }),
);
