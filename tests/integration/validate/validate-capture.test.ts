import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { validateCapture, artifactBase, type ValidateDeps } from '../../../functions/validate/validate-capture.js';
import { createArtifactStore } from '../../../src/aws/artifact-store.js';
import { createObjectSource } from '../../../src/aws/object-source.js';
import { checkCaptureFile as validateFile } from '../../../src/capture/index.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { CaptureGenerator } from '../../../local/capture-generator.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';

const FIX = 'tests/fixtures/captures';
const MODEL = '3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d';
let s3rver: S3rverServer;
let s3: S3Client;
let deps: ValidateDeps;

beforeAll(async () => {
  s3rver = await startS3rver();
  s3 = s3rver.client();
  await s3rver.createBucket('datacapture');
  await s3rver.createBucket('artifacts');
  deps = { openObject: createObjectSource(s3), putArtifact: createArtifactStore(s3, 'artifacts'), artifactsBucket: 'artifacts', limits: { maxBytes: 64 * 1024, maxRecords: 100 } };
});
afterAll(async () => s3rver.close());

const input = (key: string): WorkflowInput => ({ bucket: 'datacapture', key, size: 0, modelId: MODEL, mappingPrefix: 'ep/', etag: `"${key.length}"` });
const read = async (bucket: string, key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

describe('ValidateCapture', () => {
  it('sends a clean small file as it is: its single part is the original object', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-03-100-a.jsonl';
    await s3rver.put('datacapture', key, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    const result = await validateCapture(input(key), deps);
    // etag: the version S3 answered with, which the ingestion record keeps.
    expect(result).toEqual({ parts: [{ bucket: 'datacapture', key, index: 0, records: 3, inferences: 3, bytes: expect.any(Number) }], records: 3, inferences: 3, rejected: 0, normalized: false, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
  });

  it('writes a normalized part for a BASE64 file, which then validates clean', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-04-100-b.jsonl';
    await s3rver.put('datacapture', key, readFileSync(`${FIX}/base64-csv-and-json.jsonl`));
    const result = await validateCapture(input(key), deps);
    expect(result).toMatchObject({ records: 2, inferences: 3, rejected: 0, normalized: true, parts: [{ bucket: 'artifacts', index: 0, inferences: 3 }] });
    const part = await read('artifacts', result.parts[0].key);
    const { Readable } = await import('node:stream');
    expect(await validateFile(Readable.from([part]))).toMatchObject({ valid: true, normalized: false, inferences: 3 });
  });

  it('quarantines the bad records of a mixed file with their reasons and uploads the good ones', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-05-100-c.jsonl';
    await s3rver.put('datacapture', key, readFileSync(`${FIX}/mixed-bad-records.jsonl`));
    const result = await validateCapture(input(key), deps);
    expect(result).toMatchObject({ records: 5, inferences: 1, rejected: 4, quarantineBucket: 'artifacts', parts: [{ bucket: 'artifacts', records: 1 }] });
    expect(result.errorSample?.map((e) => e.code)).toEqual(['UNSUPPORTED_ENCODING', 'BAD_JSON_SHAPE', 'COUNT_MISMATCH', 'DUPLICATE_PARTNER_ID']);
    const quarantined = (await read('artifacts', result.quarantineKey!)).trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantined.map((q) => q.line)).toEqual([2, 3, 4, 5]);
    expect(quarantined[0].record).toBe(readFileSync(`${FIX}/mixed-bad-records.jsonl`, 'utf8').split('\n')[1]);
  });

  it('rejects a file with no valid inference, after writing its quarantine', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-06-100-d.jsonl';
    const bad = new CaptureGenerator({ seed: 5 });
    await s3rver.put('datacapture', key, `${bad.line('badTime').text}\n${bad.line('flatList').text}\n`);
    await expect(validateCapture(input(key), deps)).rejects.toMatchObject({ name: 'CaptureRejectedError', message: expect.stringContaining('line 1 BAD_INFERENCE_TIME, line 2 BAD_JSON_SHAPE') });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'artifacts', Prefix: artifactBase(input(key)) }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([`${artifactBase(input(key))}/00-06-100-d.rejected.jsonl`]);
  });

  it('cuts a large file into parts of whole records within the limits, in order', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-07-100-e.jsonl';
    const generator = new CaptureGenerator({ seed: 11, mix: ['csv', 'json1', 'batch'] });
    const lines = Array.from({ length: 700 }, () => generator.line().text);
    await s3rver.put('datacapture', key, `${lines.join('\n')}\n`);
    const result = await validateCapture(input(key), deps);
    expect(result.parts.length).toBeGreaterThan(3);
    expect(result.parts.map((p) => p.index)).toEqual(result.parts.map((_, i) => i));
    let joined = '';
    for (const part of result.parts) {
      expect(part.records).toBeLessThanOrEqual(100);
      expect(part.bytes).toBeLessThanOrEqual(64 * 1024);
      joined += await read(part.bucket, part.key);
    }
    expect(joined).toBe(`${lines.join('\n')}\n`);
    expect(result.parts.reduce((n, p) => n + p.inferences, 0)).toBe(result.inferences);
  });

  it('names a missing object as unreadable (not retried by the workflow)', async () => {
    await expect(validateCapture(input('ep/AllTraffic/2026/11/24/10/gone.jsonl'), deps)).rejects.toMatchObject({ name: 'CaptureUnreadableError' });
  });
});

describe('artifact keys', () => {
  it.each([
    ['a key climbing with ../', '../../etc/passwd.jsonl'],
    ['control characters', 'a/\u0000\u0007b/../c.jsonl'],
    ['a 1,024-byte segment', `${'x'.repeat(1024)}/y.jsonl`],
  ])('never escape the model prefix nor grow unbounded: %s', (_label, key) => {
    const base = artifactBase({ bucket: 'b', key, modelId: MODEL });
    expect(base.startsWith(`captures/${MODEL}/`)).toBe(true);
    expect(base.split('/')).not.toContain('..');
    expect(base).not.toMatch(/\p{Cc}/u);
    expect(base.length).toBeLessThan(600);
  });
});

describe('storage failures', () => {
  it('a read that breaks mid-stream is StorageUnavailableError, which the workflow retries', async () => {
    const { Readable } = await import('node:stream');
    const failing: ValidateDeps = {
      ...deps,
      openObject: async () => ({
        body: new Readable({
          read() {
            this.push(`${readFileSync(`${FIX}/csv-fraud-scores.jsonl`, 'utf8').split('\n')[0]}\n`);
            this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
          },
        }),
      }),
    };
    await expect(validateCapture(input('ep/AllTraffic/2026/11/24/10/reset.jsonl'), failing)).rejects.toMatchObject({ name: 'StorageUnavailableError', message: expect.stringContaining('ECONNRESET') });
  });

  it('a part write that S3 answers 503 is StorageUnavailableError', async () => {
    const key = 'ep/AllTraffic/2026/11/24/10/00-08-100-f.jsonl';
    await s3rver.put('datacapture', key, readFileSync(`${FIX}/base64-csv-and-json.jsonl`));
    const failing: ValidateDeps = { ...deps, putArtifact: async () => { throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }); } };
    await expect(validateCapture(input(key), failing)).rejects.toMatchObject({ name: 'StorageUnavailableError' });
  });
});
