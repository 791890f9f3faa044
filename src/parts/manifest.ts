/**
 * The part manifest: a file's part list kept in S3 beside its parts, so the workflow's state carries a count and a
 * reference instead of the list (Step Functions fails an execution whose state input or output exceeds 256 KiB,
 * with States.DataLimitExceeded, which no Catch takes: "Step Functions service quotas", payload size, and
 * "Handling errors in Step Functions workflows": https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 *
 * The object is JSON Lines of one fixed width: line `i` is part `i`, padded with spaces, so a reader fetches its one
 * line with an HTTP range whatever the part count (one ranged GetObject per part, never the whole list).
 */
import type { Part, PartManifestRef } from '../contracts.js';

/**
 * The most parts one file may have. An inline Map writes about 7 history events per iteration (MapIterationStarted,
 * TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited, MapIterationSucceeded) and each
 * retried attempt 3 more; Step Functions fails an execution past 25,000 history events ("Step Functions service
 * quotas", execution history). 2,000 parts take 14,000, which leaves room for retries; their indexes take under
 * 10 KB of state and their counts under 12 KB.
 */
export const MAX_PARTS = 2_000;

/** The manifest's object key beside the parts of `base` (functions/validate's artifact prefix). */
export function manifestKeyOf(base: string): string {
  return `${base}/manifest.jsonl`;
}

/**
 * Where UploadPart writes what Arthur answered for part `index` of the file whose manifest is `manifestKey`
 * (the full UploadPartResult: the ingestion record keeps only its counts).
 *
 * @example
 * outcomeKeyOf('captures/m/x/ab12/manifest.jsonl', 3); // 'captures/m/x/ab12/outcomes/part-00003.json'
 */
export function outcomeKeyOf(manifestKey: string, index: number): string {
  return `${outcomesPrefixOf(manifestKey)}part-${String(index).padStart(5, '0')}.json`;
}

/** The key prefix under which every part's outcome of that manifest is written (`…/outcomes/`). */
export function outcomesPrefixOf(manifestKey: string): string {
  return `${manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1)}outcomes/`;
}

/**
 * The manifest's bytes and its line width for `parts` (sorted by index, indexes 0…n−1).
 *
 * @example
 * const { body, lineBytes } = encodeManifest(parts);
 * body.subarray(2 * lineBytes, 3 * lineBytes); // part 2's line
 */
export function encodeManifest(parts: readonly Part[]): { body: Buffer; lineBytes: number } {
  const lines = parts.map((part, at) => {
    if (part.index !== at) throw new Error(`part manifest: part ${at} has index ${part.index}; parts must be sorted and numbered from 0`);
    return Buffer.from(JSON.stringify(part), 'utf8');
  });
  const lineBytes = lines.reduce((max, line) => Math.max(max, line.length), 0) + 1;
  const body = Buffer.alloc(lines.length * lineBytes, ' ');
  lines.forEach((line, at) => {
    line.copy(body, at * lineBytes);
    body[(at + 1) * lineBytes - 1] = 0x0a;
  });
  return { body, lineBytes };
}

/** The HTTP Range of part `index`'s line (RFC 9110 byte range, both ends inclusive). */
export function manifestRange(ref: PartManifestRef, index: number): string {
  return `bytes=${index * ref.lineBytes}-${(index + 1) * ref.lineBytes - 1}`;
}

/** Parses one manifest line read for `index`; throws when it is not that part (a wrong width or a stale object). */
export function decodeManifestLine(line: string, index: number): Part {
  let part: Part;
  try {
    part = JSON.parse(line) as Part;
  } catch {
    throw new Error(`part manifest: line ${index} is not JSON (${JSON.stringify(line.slice(0, 80))}); the manifest's lineBytes does not match the object`);
  }
  if (part?.index !== index || typeof part.bucket !== 'string' || typeof part.key !== 'string') {
    throw new Error(`part manifest: line ${index} describes ${JSON.stringify(part?.index)}, not part ${index}`);
  }
  return part;
}

/** `[0, 1, …, count − 1]`: what the workflow's Map iterates over. */
export function partIndexes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
