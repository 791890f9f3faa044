import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QuarantineEntry } from '../capture/index.js';

/** The first reasons of a quarantine object, and whether there were more than were read. */
export interface QuarantineSample {
  entries: Array<Omit<QuarantineEntry, 'record'>>;
  /** The object was longer than the bytes read: `entries` are its first reasons only. */
  truncated: boolean;
}

export type ReadQuarantine = (uri: string) => Promise<QuarantineSample | undefined>;

/** 256 KiB: the first few hundred reasons, enough to group them by code; a quarantine of a 2 GB file is never read whole. */
const SAMPLE_BYTES = 256 * 1024;

/**
 * Reads the beginning of a quarantine object (`s3://BUCKET/KEY`, JSON Lines of {line, code, message, record}) with
 * one ranged GetObject, and keeps each entry's line, code and message — never the record, which is customer data.
 * A missing or unreadable object gives undefined: the report then names the object without its reasons.
 * @example
 * const read = createQuarantineReader(new S3Client({}));
 * const sample = await read('s3://capture-router-prod-artifacts/captures/…/x.rejected.jsonl');
 */
export function createQuarantineReader(s3: S3Client, sampleBytes = SAMPLE_BYTES): ReadQuarantine {
  return async (uri) => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) return undefined;
    let text: string;
    let total: number | undefined;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2], Range: `bytes=0-${sampleBytes - 1}` }));
      text = (await out.Body?.transformToString('utf8')) ?? '';
      total = Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? out.ContentLength);
    } catch {
      return undefined;
    }
    const lines = text.split('\n');
    const truncated = total !== undefined && Number.isFinite(total) && total > sampleBytes;
    // A cut last line is not an entry.
    if (truncated) lines.pop();
    const entries: QuarantineSample['entries'] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const { line: n, code, message } = JSON.parse(line) as QuarantineEntry;
        if (typeof n === 'number' && typeof code === 'string') entries.push({ line: n, code, message: String(message ?? '') });
      } catch {
        // Not one of ours: skipped rather than shown.
      }
    }
    return { entries, truncated };
  };
}
