/**
 * Part manifests for tests of UploadPart: in memory (a registry the deps read) or as a real object in S3 written
 * with the validator's own encoding (src/parts/manifest.ts).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Part, PartManifestRef, UploadPartResult } from '../../src/contracts.js';
import { encodeManifest, manifestKeyOf } from '../../src/parts/manifest.js';
import { readPartOutcomes } from '../../src/aws/part-manifest-store.js';

const registry = new Map<string, Part[]>();
let next = 0;

/** Outcomes UploadPart wrote through {@link memoryManifestDeps}, by `{manifest key}#{index}`. */
export const writtenOutcomes = new Map<string, UploadPartResult>();

/** A manifest holding `parts`, each at its own index, read back by {@link memoryManifestDeps}. */
export function manifestFor(...parts: Part[]): PartManifestRef {
  const key = manifestKeyOf(`captures/test/${next++}`);
  const list: Part[] = [];
  for (const part of parts) list[part.index] = part;
  registry.set(key, list);
  return { bucket: 'test-artifacts', key, lineBytes: 1 };
}

/** UploadPart's readPart/writeOutcome over the in-memory registry. */
export const memoryManifestDeps = {
  readPart: async (ref: PartManifestRef, index: number): Promise<Part> => {
    const part = registry.get(ref.key)?.[index];
    if (!part) throw new Error(`no part ${index} in the test manifest ${ref.key}`);
    return part;
  },
  writeOutcome: async (ref: PartManifestRef, index: number, outcome: UploadPartResult): Promise<void> => {
    writtenOutcomes.set(`${ref.key}#${index}`, outcome);
  },
};

/** Writes a real manifest of `parts` (sorted, indexes from 0) to S3, as the validator does. */
export async function putManifest(s3: S3Client, bucket: string, base: string, parts: Part[]): Promise<PartManifestRef> {
  const { body, lineBytes } = encodeManifest(parts);
  const key = manifestKeyOf(base);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { bucket, key, lineBytes };
}

/** The part an UploadPart event names, from the in-memory registry (what readPart would answer). */
export function partOf(event: { index: number; manifest: PartManifestRef }): Part {
  const part = registry.get(event.manifest.key)?.[event.index];
  if (!part) throw new Error(`no part ${event.index} in the test manifest ${event.manifest.key}`);
  return part;
}

/** Arthur's answer per part of an ingestion record, as UploadPart wrote it beside the manifest (throws on a gap). */
export async function outcomesOf(
  s3: S3Client,
  item: { manifestBucket?: string; manifestKey?: string; partCount?: number } | undefined,
): Promise<UploadPartResult[]> {
  if (!item?.manifestKey || !item.manifestBucket) return [];
  const read = await readPartOutcomes(s3, { bucket: item.manifestBucket, key: item.manifestKey }, Number(item.partCount ?? 0));
  return read.map((r) => {
    if ('missing' in r) throw new Error(`part ${r.index} of ${item.manifestKey} has no outcome: ${r.missing}`);
    return r.outcome;
  });
}
