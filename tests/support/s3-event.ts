/**
 * Real-shaped S3 event notifications (event version 2.1, as S3 sends to an async Lambda invocation), with keys
 * URL-encoded exactly as S3 encodes them. Pass the stored key: the builder encodes it.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { encodeS3EventKey } from '../../src/routing/decode-key.js';

export interface ObjectCreatedSpec {
  /** The key as stored (decoded). */
  key: string;
  /**
   * The key exactly as it appears in the event, when a test needs an encoding S3 would not produce itself
   * (a malformed escape). Default: `key`, encoded as S3 encodes it.
   */
  encodedKey?: string;
  eventSource?: string;
  bucket?: string;
  size?: number;
  /** Default: the MD5 of the key, so distinct keys get distinct ETags. */
  eTag?: string;
  versionId?: string;
  eventName?: string;
}

export function objectCreatedRecord(spec: ObjectCreatedSpec): S3EventRecord {
  const bucket = spec.bucket ?? 'datacapture';
  return {
    eventVersion: '2.1',
    eventSource: spec.eventSource ?? 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-05-01T13:05:31.123Z',
    eventName: spec.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:SageMaker' },
    requestParameters: { sourceIPAddress: '10.0.12.34' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'capture-router-jsonl',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: spec.encodedKey ?? encodeS3EventKey(spec.key),
        size: spec.size ?? 2048,
        eTag: spec.eTag ?? createHash('md5').update(spec.key).digest('hex'),
        ...(spec.versionId ? { versionId: spec.versionId } : {}),
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

export function objectCreatedEvent(...specs: ObjectCreatedSpec[]): S3Event {
  return { Records: specs.map(objectCreatedRecord) };
}

/** What S3 sends once when the notification configuration is saved. */
export function s3TestEvent(bucket = 'datacapture') {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent' as const,
    Time: '2024-05-01T13:00:00.000Z',
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
  };
}

/** A key in SageMaker Data Capture's layout: {dest}/{endpoint}/{variant}/yyyy/mm/dd/hh/{MM-SS-mmm-uuid}.jsonl */
export function captureKey(dest: string, endpoint: string, n = 0, variant = 'AllTraffic', hour = '13'): string {
  const uuid = createHash('sha1').update(`${endpoint}-${n}`).digest('hex');
  const id = `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20, 32)}`;
  return `${dest}/${endpoint}/${variant}/2024/05/01/${hour}/${String(n % 60).padStart(2, '0')}-31-123-${id}.jsonl`;
}
