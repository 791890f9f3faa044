import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';

/** One object of a listing, as the router's events describe it: decoded key, ETag without quotes. */
export interface ListedObject {
  key: string;
  /** Without the quotes ListObjectsV2 puts around it, as S3 event notifications carry it. */
  etag?: string;
  size: number;
  /** ISO-8601, as ListObjectsV2 gives it (the local console shows how long ago a file arrived). */
  lastModified?: string;
}

/** One page of {@link CaptureLister.list}. */
export interface ListingPage {
  objects: ListedObject[];
  /** With a delimiter: the "folders" one level below the prefix. */
  commonPrefixes: string[];
  /** Pass back as `continuationToken` for the next page; absent on the last page. */
  continuationToken?: string;
}

export interface ListRequest {
  prefix: string;
  delimiter?: string;
  /** At most 1,000 (S3's page size). */
  maxKeys?: number;
  continuationToken?: string;
  /** List keys after this one (S3 compares UTF-8 bytes). */
  startAfter?: string;
}

/** Lists the capture bucket (the admin API's replay and resolve). The only S3 permission it needs is s3:ListBucket. */
export interface CaptureLister {
  list(request: ListRequest): Promise<ListingPage>;
}

/** The capture bucket could not be listed (missing bucket, access denied, throttled past the SDK's retries). */
export class CaptureListingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CaptureListingError';
  }
}

/**
 * ListObjectsV2 on one bucket. The client is injected: built once per container, pointed at s3rver in tests.
 * @example
 * const lister = new S3CaptureLister(new S3Client({}), 'datacapture');
 * const { objects, continuationToken } = await lister.list({ prefix: 'captures/ep/AllTraffic/2024/05/01/13/' });
 */
export class S3CaptureLister implements CaptureLister {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async list({ prefix, delimiter, maxKeys, continuationToken, startAfter }: ListRequest): Promise<ListingPage> {
    let output: ListObjectsV2CommandOutput;
    try {
      output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          MaxKeys: maxKeys,
          ContinuationToken: continuationToken,
          StartAfter: startAfter,
        }),
      );
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new CaptureListingError(`ListObjectsV2 on s3://${this.bucket}/${prefix} failed: ${detail}`, { cause: error });
    }
    const objects: ListedObject[] = [];
    for (const item of output.Contents ?? []) {
      if (typeof item.Key !== 'string') continue;
      const etag = item.ETag?.replace(/^"(.*)"$/, '$1');
      objects.push({ key: item.Key, size: item.Size ?? 0, ...(etag ? { etag } : {}), ...(item.LastModified ? { lastModified: item.LastModified.toISOString() } : {}) });
    }
    const commonPrefixes = (output.CommonPrefixes ?? []).flatMap((p) => (typeof p.Prefix === 'string' ? [p.Prefix] : []));
    return {
      objects,
      commonPrefixes,
      ...(output.IsTruncated && output.NextContinuationToken ? { continuationToken: output.NextContinuationToken } : {}),
    };
  }
}
