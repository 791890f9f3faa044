/** The capture bucket's event notification, mirrored from s3rver's events (docs/LOCAL.md, "S3"). */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { encodeS3EventKey } from '../../src/routing/decode-key.js';

/**
 * The event the deployed notification would send for s3rver's `raw` one, or undefined: bucket-wide on the capture
 * bucket, ObjectCreated, suffix .jsonl. The artifacts bucket has no notification (its parts are .jsonl too and
 * must not be routed).
 */
export function captureNotification(raw: S3Event, captureBucket: string): S3Event | undefined {
  const records = (raw.Records ?? []).filter(
    (r) => r.s3?.bucket?.name === captureBucket && String(r.eventName).startsWith('ObjectCreated:') && r.s3.object.key.endsWith('.jsonl'),
  );
  return records.length === 0 ? undefined : { Records: records.map(asRealS3Record) };
}

/**
 * s3rver's record → the record real S3 sends: the key form-URL-encoded (s3rver passes it raw, and the router
 * decodes), event version 2.1, a well-formed bucket ARN.
 */
function asRealS3Record(record: S3EventRecord): S3EventRecord {
  return {
    ...record,
    eventVersion: '2.1',
    s3: {
      ...record.s3,
      configurationId: 'capture-router-jsonl',
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
    },
  };
}
