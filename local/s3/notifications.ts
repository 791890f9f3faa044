/** s3rver's object events as real S3 sends them; which rule gets each is the notification store's call. */
import type { S3EventRecord } from 'aws-lambda';
import { encodeS3EventKey } from '../../src/routing/decode-key.js';

/**
 * s3rver's record → the record real S3 sends: the key form-URL-encoded (s3rver passes it raw, and the router
 * decodes), event version 2.1, a well-formed bucket ARN.
 */
export function asRealS3Record(record: S3EventRecord): S3EventRecord {
  return {
    ...record,
    eventVersion: '2.1',
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
    },
  };
}
