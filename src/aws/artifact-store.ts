import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

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

/** One artifact written as it is produced, in bounded memory: write chunks, then complete (or abort). */
export interface ArtifactUpload {
  /** Resolves once the chunk is buffered or, when a part filled, uploaded: await it before the next write. */
  write(chunk: Buffer): Promise<void>;
  complete(): Promise<void>;
  /** Drops what was uploaded so far (no incomplete multipart upload is left to bill). Never rejects. */
  abort(): Promise<void>;
}

export type OpenArtifactUpload = (key: string, contentType: string) => ArtifactUpload;

/**
 * S3's minimum size of every part of a multipart upload but the last: 5 MiB (Amazon S3 User Guide, "Amazon S3
 * multipart upload limits": part size 5 MiB to 5 GiB, no minimum for the last part).
 */
export const MULTIPART_PART_BYTES = 5 * 1024 * 1024;

/**
 * Streams an artifact to the artifacts bucket holding at most one part (5 MiB) in memory: an artifact smaller
 * than a part is one PutObject, as before; a larger one a multipart upload (CreateMultipartUpload, UploadPart per
 * 5 MiB, CompleteMultipartUpload), aborted on failure. `@aws-sdk/lib-storage` would do the same; it is not a
 * dependency of this project.
 * @example
 * const upload = createArtifactUpload(s3, 'capture-router-artifacts-123')('captures/m/f.rejected.jsonl', 'application/jsonl');
 * await upload.write(chunk); await upload.complete();
 */
export function createArtifactUpload(s3: S3Client, bucket: string, partBytes = MULTIPART_PART_BYTES): OpenArtifactUpload {
  return (key, contentType) => new MultipartArtifact(s3, bucket, key, contentType, partBytes);
}

class MultipartArtifact implements ArtifactUpload {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private uploadId: string | undefined;
  private readonly parts: Array<{ ETag: string | undefined; PartNumber: number }> = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType: string,
    private readonly partBytes: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes >= this.partBytes) await this.uploadPart(this.take(this.partBytes));
  }

  async complete(): Promise<void> {
    if (this.uploadId === undefined) {
      const body = this.take(this.bufferedBytes);
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentType: this.contentType, ContentLength: body.length }));
      return;
    }
    if (this.bufferedBytes > 0) await this.uploadPart(this.take(this.bufferedBytes));
    await this.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  async abort(): Promise<void> {
    this.buffered = [];
    this.bufferedBytes = 0;
    if (this.uploadId === undefined) return;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }

  /** The first `bytes` buffered bytes as one Buffer; the rest stays buffered. */
  private take(bytes: number): Buffer {
    const all = Buffer.concat(this.buffered);
    const rest = all.subarray(bytes);
    this.buffered = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.bufferedBytes = rest.length;
    return all.subarray(0, bytes);
  }

  private async uploadPart(body: Buffer): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }));
      this.uploadId = created.UploadId;
    }
    const PartNumber = this.parts.length + 1;
    const out = await this.s3.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body, ContentLength: body.length }),
    );
    this.parts.push({ ETag: out.ETag, PartNumber });
  }
}
