/**
 * Duplicates: S3 delivers at least once, Lambda may run the router twice for one event, and one event may carry the
 * same record twice. Whatever the repetition, each partner inference ID must reach Arthur exactly once, and each
 * file must have one execution and one upload.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { S3Event } from 'aws-lambda';
import { Readable } from 'node:stream';
import { checkCaptureFile } from '../../src/capture/index.js';
import { decodeS3EventKey } from '../../src/routing/decode-key.js';
import { CaptureGenerator, prng } from '../../local/capture-generator.js';
import { captureKey, modelId, record, SOAK, startReliabilityStack, type ReliabilityStack } from './support.js';

const FILES = SOAK ? 1000 : 60;
const MODELS = [modelId(0x401), modelId(0x402), modelId(0x403)];
let r: ReliabilityStack;

beforeAll(async () => {
  r = await startReliabilityStack();
  for (const [i, model] of MODELS.entries()) await r.stack.putMapping(`dup/endpoint-${i}/`, model);
});
afterAll(async () => {
  if (r) expect(await r.findSecret(r.stack.arthurToken)).toBeUndefined();
  await r?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function eventFor(key: string): S3Event {
  const event = r.stack.notifications.find((e) => decodeS3EventKey(e.Records[0]!.s3.object.key).key === key);
  if (!event) throw new Error(`no S3 notification for ${key}`);
  return event;
}

it(`${FILES} files, every S3 event delivered 1–3 times at random (some at once, some after the file was done): each partner ID reaches Arthur exactly once`, async () => {
  const rand = prng(4711);
  const expected = new Map<string, string[]>(MODELS.map((m) => [m, []]));
  let deliveries = 0;
  const started = performance.now();
  const work: Array<Promise<void>> = [];
  const late: S3Event[] = [];
  for (let i = 0; i < FILES; i++) {
    const m = i % MODELS.length;
    const gen = new CaptureGenerator({ seed: 5000 + i, mix: ['csv', 'batch', 'json1', 'b64csv', 'jsonl'] });
    const text = `${Array.from({ length: 1 + (i % 5) }, () => gen.line().text).join('\n')}\n`;
    expected.get(MODELS[m]!)!.push(...(await checkCaptureFile(Readable.from([text]), { collectPartnerIds: true })).partnerInferenceIds!);
    const key = captureKey(`dup/endpoint-${m}/`, i);
    work.push(
      (async () => {
        await r.put(key, text);
        deliveries++;
        const event = eventFor(key);
        const extra = Math.floor(rand() * 3); // 0, 1 or 2 more: 1–3 deliveries in all
        for (let k = 0; k < extra; k++) {
          deliveries++;
          if (rand() < 0.5) {
            await sleep(Math.floor(rand() * 5));
            r.stack.deliver(event); // while the first delivery's execution may still run
          } else {
            late.push(event); // after everything settled: the execution exists and is closed
          }
        }
      })(),
    );
    if (work.length >= 16) await Promise.all(work.splice(0));
  }
  await Promise.all(work);
  await r.stack.waitForIdle();
  for (const event of late) r.stack.deliver(event);
  await r.stack.waitForIdle();
  const ms = Math.round(performance.now() - started);

  let inferences = 0;
  for (const model of MODELS) {
    const got = r.stack.receiver!.received(model).map((x) => x.partnerInferenceId);
    expect(got).toHaveLength(new Set(got).size);
    expect([...got].sort()).toEqual([...expected.get(model)!].sort());
    inferences += got.length;
  }
  expect(r.stack.receiver!.stats().total).toBe(FILES);
  expect(r.stack.sfn.executions()).toHaveLength(FILES);
  expect(r.stack.dlq).toEqual([]);
  const summary = r.stack.routed.reduce((a, s) => ({ started: a.started + s.started, already: a.already + s.alreadyDelivered }), { started: 0, already: 0 });
  // Every delivery was routed once. A re-delivery while the execution still RUNS counts as "started": Step Functions
  // answers StartExecution of a running name with the same input with 200 and the same ARN (docs/RELIABILITY.md).
  expect(summary.started + summary.already).toBe(deliveries);
  expect(summary.started).toBeGreaterThanOrEqual(FILES);
  record('duplicates: S3 events delivered 1–3 times', { files: FILES, deliveries, executions: FILES, uploads: r.stack.receiver!.stats().total, inferences, duplicatesAtArthur: 0, routerStarted: summary.started, routerAlreadyDelivered: summary.already, ms });
});

it('the router invoked twice at once for one event, and one event holding the same record twice: one execution, one upload', async () => {
  const model = modelId(0x404);
  await r.stack.putMapping('dup/twice/', model);
  const gen = new CaptureGenerator({ seed: 77, mix: ['csv', 'json2'] });
  const text = `${Array.from({ length: 4 }, () => gen.line().text).join('\n')}\n`;
  const key = captureKey('dup/twice/', 1);
  const executionsBefore = r.stack.sfn.executions().length;
  await r.put(key, text);
  const event = eventFor(key);
  r.stack.deliver(event);
  r.stack.deliver(event);
  r.stack.deliver({ Records: [event.Records[0]!, event.Records[0]!] });
  await r.stack.waitForIdle();
  expect(r.stack.sfn.executions().length - executionsBefore).toBe(1);
  expect(r.stack.receiver!.stats().uploads[model]).toBe(1);
  const got = r.stack.receiver!.received(model).map((x) => x.partnerInferenceId);
  expect([...got].sort()).toEqual([...(await checkCaptureFile(Readable.from([text]), { collectPartnerIds: true })).partnerInferenceIds!].sort());
  expect(r.stack.dlq).toEqual([]);
  record('duplicates: router invoked twice + a record twice in one event', { invocations: 4, recordsRouted: 5, executions: 1, uploads: 1 });
});
