import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Writes the workflow's own objects (normalized parts, quarantine) to the stack's artifacts bucket. */
export type PutArtifact = (key: string, body: Buffer, contentType: string) => Promise<void>;

/**
 * An artifact writer on the artifacts bucket: never the watched capture bucket, so nothing written here can
 * trigger the router again. Keys are deterministic, so a retried validation overwrites instead of piling up.
 * @example
 * const put = createArtifactStore(new S3Client({}), 'capture-router-artifacts-123');
 * await put('parts/m/abc/part-00000.jsonl', body, 'application/jsonl');
 */
export function createArtifactStore(s3: S3Client, bucket: string): PutArtifact {
  return async (key, body, contentType) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }));
  };
}
