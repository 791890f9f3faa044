import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { CaptureUnreadableError } from '../errors.js';

export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface OpenedObject {
  body: Readable;
  /** From the GetObject answer; lets an upload announce its Content-Length instead of chunking. */
  contentLength?: number;
  /** From the GetObject answer: a ground-truth label's timestamp when its key has no hour partition. */
  lastModified?: Date;
  /** From the GetObject answer: the ETag of the version read, which the ingestion record keeps. */
  etag?: string;
}

export type OpenObject = (ref: ObjectRef) => Promise<OpenedObject>;

/** S3 answers that re-reading will not change: the object (or that version) is gone or forbidden. */
const UNREADABLE = new Set([
  'NoSuchKey',
  'NoSuchVersion',
  'NoSuchBucket',
  'NotFound',
  'AccessDenied',
  'InvalidObjectState',
  'PreconditionFailed',
  'InvalidArgument',
]);

/**
 * Opens an S3 object as a stream, its bytes read as they are consumed (a 200 MB capture is never held).
 * Missing or forbidden objects become CaptureUnreadableError naming bucket and key; transient S3 failures
 * keep their SDK error after the SDK's own retries.
 * @example
 * const open = createObjectSource(new S3Client({}));
 * const { body, contentLength } = await open({ bucket: 'datacapture', key: 'ep/AllTraffic/2026/01/01/00/x.jsonl' });
 */
export function createObjectSource(s3: S3Client): OpenObject {
  return async ({ bucket, key, versionId }) => {
    let out: GetObjectCommandOutput;
    try {
      out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    } catch (err) {
      const name = (err as Error)?.name ?? '';
      const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      if (UNREADABLE.has(name) || status === 403 || status === 404) {
        const version = versionId ? ` version ${versionId}` : '';
        throw new CaptureUnreadableError(
          `Cannot read s3://${bucket}/${key}${version}: ${name || `HTTP ${status}`}. The object was deleted or ` +
            'replaced since the event, or this function\'s role may not read it.',
          { cause: err },
        );
      }
      throw err;
    }
    if (!out.Body) {
      throw new CaptureUnreadableError(`S3 returned no body for s3://${bucket}/${key}.`);
    }
    // In Node the SDK's body is an IncomingMessage, a Readable with the SDK's helpers mixed in.
    return {
      body: out.Body as Readable,
      contentLength: out.ContentLength,
      ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      ...(out.ETag ? { etag: out.ETag } : {}),
    };
  };
}
