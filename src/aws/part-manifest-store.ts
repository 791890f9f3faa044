import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createArtifactStore } from './artifact-store.js';
import { mapLimit } from '../concurrency.js';
import type { Part, PartManifestRef, UploadPartResult } from '../contracts.js';
import { CaptureUnreadableError } from '../errors.js';
import { decodeManifestLine, manifestRange, outcomeKeyOf } from '../parts/manifest.js';

/** Reads part `index` of a manifest: one ranged GetObject of its line. */
export type ReadManifestPart = (ref: PartManifestRef, index: number) => Promise<Part>;

/** Writes what Arthur answered for part `index` beside the manifest (deterministic key: a retry overwrites). */
export type WritePartOutcome = (ref: PartManifestRef, index: number, outcome: UploadPartResult) => Promise<void>;

/** S3 answers that another attempt will not change: the manifest is gone (expired, deleted) or forbidden. */
const GONE = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidRange']);

/**
 * @example
 * const read = createManifestReader(new S3Client({}));
 * const part = await read({ bucket: 'artifacts', key: 'captures/m/x/ab12/manifest.jsonl', lineBytes: 180 }, 3);
 */
export function createManifestReader(s3: S3Client): ReadManifestPart {
  return async (ref, index) => {
    let text: string;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, Range: manifestRange(ref, index) }));
      text = (await out.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      const name = (err as Error)?.name ?? 'Error';
      const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      if (GONE.has(name) || status === 403 || status === 404 || status === 416) {
        throw new CaptureUnreadableError(
          `Cannot read part ${index} of the part manifest s3://${ref.bucket}/${ref.key}: ${name}. The artifacts ` +
            'bucket lost it (a lifecycle rule, a deletion) or the upload function may not read it; replay the file.',
          { cause: err },
        );
      }
      throw err;
    }
    return decodeManifestLine(text, index);
  };
}

/** @example const write = createOutcomeWriter(new S3Client({})); await write(ref, 3, result); */
export function createOutcomeWriter(s3: S3Client): WritePartOutcome {
  // The manifest's bucket is the artifacts bucket: written as every other artifact is.
  return (ref, index, outcome) => createArtifactStore(s3, ref.bucket)(outcomeKeyOf(ref.key, index), Buffer.from(JSON.stringify(outcome), 'utf8'), 'application/json');
}

/** One part's recorded outcome, or why it could not be read (never recorded: the part did not finish). */
export type PartOutcomeRead = { index: number; outcome: UploadPartResult } | { index: number; missing: string };

/**
 * Reads the outcomes UploadPart recorded for parts `0 … count − 1` (8 GetObjects at a time), in index order.
 *
 * @example
 * const outcomes = await readPartOutcomes(s3, { bucket, key: item.manifestKey }, item.partCount);
 */
export async function readPartOutcomes(s3: S3Client, ref: Pick<PartManifestRef, 'bucket' | 'key'>, count: number, concurrency = 8): Promise<PartOutcomeRead[]> {
  const indexes = Array.from({ length: count }, (_, i) => i);
  return mapLimit(indexes, concurrency, async (index) => {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: outcomeKeyOf(ref.key, index) }));
      return { index, outcome: JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as UploadPartResult };
    } catch (err) {
      return { index, missing: (err as Error)?.name ?? String(err) };
    }
  });
}
