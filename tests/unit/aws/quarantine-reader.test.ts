/** QuarantineReader against s3rver: the first reasons of a quarantine object, by one ranged read, without the records. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createQuarantineReader } from '../../../src/aws/quarantine-reader.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';

const BUCKET = 'capture-router-test-artifacts';
let server: S3rverServer;

/** A quarantine line as the validator writes it: the reason and the whole record (customer data). */
const entry = (line: number, code: string, record = `{"captureData":{"secret":"${'x'.repeat(80)}"}}`) => JSON.stringify({ line, code, message: `${code} on line ${line}`, record });

beforeAll(async () => {
  server = await startS3rver();
  await server.createBucket(BUCKET);
});
afterAll(() => server?.close());

describe('createQuarantineReader', () => {
  it('reads each entry\'s line, code and message, never its record', async () => {
    await server.put(BUCKET, 'q/small.rejected.jsonl', `${[entry(2, 'BAD_INFERENCE_TIME'), entry(3, 'BAD_INFERENCE_TIME'), entry(9, 'MISSING_EVENT_ID')].join('\n')}\n`);
    const sample = await createQuarantineReader(server.client())(`s3://${BUCKET}/q/small.rejected.jsonl`);
    expect(sample).toEqual({
      truncated: false,
      entries: [
        { line: 2, code: 'BAD_INFERENCE_TIME', message: 'BAD_INFERENCE_TIME on line 2' },
        { line: 3, code: 'BAD_INFERENCE_TIME', message: 'BAD_INFERENCE_TIME on line 3' },
        { line: 9, code: 'MISSING_EVENT_ID', message: 'MISSING_EVENT_ID on line 9' },
      ],
    });
    expect(JSON.stringify(sample)).not.toContain('secret');
  });

  it('reads only the first bytes of a long object, drops the entry cut in two, and says it was truncated', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => entry(i + 1, 'COUNT_MISMATCH'));
    const text = `${lines.join('\n')}\n`;
    await server.put(BUCKET, 'q/long.rejected.jsonl', text);
    // 10.5 entries' worth of bytes: ten whole ones and a cut one.
    const sampleBytes = Math.floor((lines[0]!.length + 1) * 10.5);
    const sample = await createQuarantineReader(server.client(), sampleBytes)(`s3://${BUCKET}/q/long.rejected.jsonl`);
    expect(sample!.truncated).toBe(true);
    expect(sample!.entries.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(text.length).toBeGreaterThan(sampleBytes * 10);
  });

  it('is not truncated when the object is exactly as long as the bytes it reads', async () => {
    const text = `${entry(1, 'MALFORMED_JSON')}\n`;
    await server.put(BUCKET, 'q/exact.rejected.jsonl', text);
    const sample = await createQuarantineReader(server.client(), Buffer.byteLength(text))(`s3://${BUCKET}/q/exact.rejected.jsonl`);
    expect(sample).toEqual({ truncated: false, entries: [{ line: 1, code: 'MALFORMED_JSON', message: 'MALFORMED_JSON on line 1' }] });
  });

  it('skips lines that are not quarantine entries', async () => {
    await server.put(BUCKET, 'q/odd.rejected.jsonl', `not json\n{"line":"4","code":"X"}\n\n${entry(5, 'MISSING_INPUT')}\n`);
    const sample = await createQuarantineReader(server.client())(`s3://${BUCKET}/q/odd.rejected.jsonl`);
    expect(sample!.entries).toEqual([{ line: 5, code: 'MISSING_INPUT', message: 'MISSING_INPUT on line 5' }]);
  });

  it.each([
    ['a missing object', `s3://${BUCKET}/q/none.rejected.jsonl`],
    ['a missing bucket', 's3://no-such-bucket/q/x.rejected.jsonl'],
    ['a URI that is not s3://', `https://${BUCKET}/q/small.rejected.jsonl`],
  ])('gives undefined for %s (the report then names the object only)', async (_, uri) => {
    expect(await createQuarantineReader(server.client())(uri)).toBeUndefined();
  });
});
