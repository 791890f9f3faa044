import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { validateCapture, type ValidateDeps } from '../../../functions/validate/validate-capture.js';
import { createArtifactStore, createArtifactUpload, MULTIPART_PART_BYTES } from '../../../src/aws/artifact-store.js';
import { createObjectSource } from '../../../src/aws/object-source.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { CaptureGenerator, VALID_KINDS } from '../../../local/capture-generator.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';

/**
 * A schema change makes most records of a large file bad: the quarantine must stream to S3 (multipart, 5 MiB
 * parts), not sit in the function's memory until the end. Heap is sampled after full GCs while validation runs.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;
const MODEL = '3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d';
const KEY = 'ep/AllTraffic/2026/12/02/05/schema-change.jsonl';
const BAD_LINES = 9_000;
const GOOD_LINES = 400;
let s3rver: S3rverServer;
let s3: S3Client;

beforeAll(async () => {
  s3rver = await startS3rver();
  s3 = s3rver.client();
  await s3rver.createBucket('datacapture');
  await s3rver.createBucket('artifacts');
  const generator = new CaptureGenerator({ seed: 7, mix: VALID_KINDS });
  const pad = 'x'.repeat(2000);
  const lines: string[] = [];
  for (let n = 0; n < BAD_LINES + GOOD_LINES; n++) {
    lines.push(n % 41 === 0 ? generator.line().text : JSON.stringify({ schemaV2: { n, pad } }));
  }
  const body = Buffer.from(`${lines.join('\n')}\n`);
  await s3.send(new PutObjectCommand({ Bucket: 'datacapture', Key: KEY, Body: body, ContentLength: body.length }));
}, 60_000);
afterAll(async () => s3rver.close());

const input: WorkflowInput = { bucket: 'datacapture', key: KEY, size: 0, modelId: MODEL, mappingPrefix: 'ep/', etag: '"schema-change"' };

/**
 * Runs `work` while sampling the memory retained after full GCs (the JS heap plus Buffers, which live outside it);
 * returns the peak above the baseline, in bytes.
 */
async function peakRetainedHeap<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  gc();
  const retained = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.external;
  };
  const baseline = retained();
  let peak = 0;
  let samples = 0;
  // A full GC costs tens of milliseconds in a busy worker: a few samples, never back to back, at most 20.
  const timer = setInterval(() => {
    if (++samples > 20) return clearInterval(timer);
    gc();
    peak = Math.max(peak, retained() - baseline);
  }, 250);
  timer.unref();
  try {
    const result = await work();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

function deps(streamed: boolean): ValidateDeps {
  return {
    openObject: createObjectSource(s3),
    putArtifact: createArtifactStore(s3, 'artifacts'),
    ...(streamed ? { openArtifactUpload: createArtifactUpload(s3, 'artifacts') } : {}),
    artifactsBucket: 'artifacts',
    limits: { maxBytes: 10 * MiB, maxRecords: 10_000 },
  };
}

describe('the quarantine of a file of mostly bad records', () => {
  it('streams to S3 in 5 MiB parts: the memory retained stays well below the quarantine it writes', async () => {
    const { result, peak } = await peakRetainedHeap(() => validateCapture(input, deps(true)));
    expect(result.rejected).toBeGreaterThan(8_500);
    const quarantine = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: result.quarantineKey! }));
    const text = await quarantine.Body!.transformToString();
    const size = Buffer.byteLength(text);
    expect(size).toBeGreaterThan(3 * MULTIPART_PART_BYTES);
    expect(text.trimEnd().split('\n')).toHaveLength(result.rejected);
    expect(JSON.parse(text.slice(0, text.indexOf('\n')))).toMatchObject({ line: expect.any(Number), code: expect.any(String) });
    // eslint-disable-next-line no-console
    console.log(`quarantine ${(size / MiB).toFixed(1)} MiB streamed; peak retained (heap + Buffers) ${(peak / MiB).toFixed(1)} MiB`);
    // Held in memory, the quarantine alone retains its whole size; streamed, 0–5 MiB when this file runs alone, but
    // up to 18.5 MiB measured inside the full in-band suite (other suites' garbage moves the baseline). The bound is
    // the one no held quarantine can meet; the next test proves the streaming without measuring memory.
    expect(peak).toBeLessThan(size);
  }, 120_000);

  it('uploads its first 5 MiB part while most of the capture is still unread', async () => {
    let bytesRead = 0;
    const readAtUploadPart: number[] = [];
    const client = s3rver.client();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') readAtUploadPart.push(bytesRead);
        return next(args);
      },
      { step: 'initialize' },
    );
    const source = createObjectSource(s3);
    const counting: ValidateDeps = {
      ...deps(true),
      openArtifactUpload: createArtifactUpload(client, 'artifacts'),
      openObject: async (request) => {
        const opened = await source(request);
        opened.body.on('data', (chunk: Buffer) => {
          bytesRead += chunk.length;
        });
        return opened;
      },
    };
    await validateCapture(input, counting);
    expect(readAtUploadPart.length).toBeGreaterThanOrEqual(3);
    expect(readAtUploadPart[0]!).toBeLessThan(bytesRead / 2);
    client.destroy();
  }, 120_000);
});
