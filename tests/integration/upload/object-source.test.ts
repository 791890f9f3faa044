import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { text } from 'node:stream/consumers';
import { createObjectSource } from '../../../src/aws/object-source.js';
import { CaptureUnreadableError } from '../../../src/errors.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';

const BUCKET = 'datacapture';
let s3: S3rverServer;
beforeAll(async () => {
  s3 = await startS3rver();
  await s3.createBucket(BUCKET);
});
afterAll(() => s3.close());

describe('opening a capture object', () => {
  it('streams its bytes and reports its length', async () => {
    const content = '{"captureData":{}}\n'.repeat(1000);
    const key = 'ep/AllTraffic/2026/01/01/00/21-48-903-a b+c.jsonl';
    await s3.put(BUCKET, key, content);
    const opened = await createObjectSource(s3.client())({ bucket: BUCKET, key });
    expect(opened.contentLength).toBe(Buffer.byteLength(content));
    expect(await text(opened.body)).toBe(content);
  });

  it.each([
    ['a key that does not exist', BUCKET, 'missing.jsonl'],
    ['a bucket that does not exist', 'no-such-bucket', 'x.jsonl'],
  ])('%s → CaptureUnreadableError naming bucket and key', async (_label, bucket, key) => {
    const err = (await createObjectSource(s3.client())({ bucket, key }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(CaptureUnreadableError);
    expect(err.message).toContain(`s3://${bucket}/${key}`);
  });
});
