import { createHash } from 'node:crypto';

/**
 * Step Functions allows 80 characters in an execution name.
 *
 * @example
 * executionName(source).length <= MAX_EXECUTION_NAME_LENGTH; // → true
 */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * Hex characters of the sha256 kept in a name: 96 bits, so a collision is not a practical concern.
 *
 * @example
 * executionName(source).slice(-EXECUTION_NAME_HASH_LENGTH) === contentHash(source); // → true
 */
export const EXECUTION_NAME_HASH_LENGTH = 24;

/**
 * What identifies one capture object's content, as S3 event notifications and listings report it.
 *
 * @example
 * const source: ExecutionNameSource = { bucket: 'datacapture', key: 'captures/ep/AllTraffic/f.jsonl', etag: '"9b2c…"' };
 */
export interface ExecutionNameSource {
  bucket: string;
  /** The decoded (stored) key, not the URL-encoded form of the event. */
  key: string;
  /** The object's ETag, with or without its surrounding quotes. */
  etag?: string;
  /** Used only when there is no ETag, so two writes of a key without one do not share a name. */
  versionId?: string;
}

/**
 * A deterministic Step Functions execution name for one capture object: `{readable}-{hash}`, at most 80
 * characters of `[0-9A-Za-z_-]`.
 *
 * The hash covers bucket, key and ETag, so a re-delivered event, a re-upload of the same bytes and a replay all
 * produce the same name, and Step Functions (Standard) refuses to start that file twice. The readable part (the
 * SageMaker endpoint, variant and file name when the key has SageMaker's layout, else its last segments) only
 * helps people find an execution in the console: it may be truncated, the hash alone carries the identity.
 * The ETag is compared without quotes: events omit them, ListObjectsV2 and HeadObject include them.
 *
 * @example
 * executionName({ bucket: 'datacapture', etag: '"9b2cf535f27731c974343645a3985328"',
 *   key: 'captures/churn-ep/AllTraffic/2024/05/01/13/05-31-123-4f1c2d3e.jsonl' });
 * // → 'churn-ep-AllTraffic-05-31-123-4f1c2d3e-' followed by 24 hex characters
 */
export function executionName(source: ExecutionNameSource): string {
  const hash = contentHash(source);
  const budget = MAX_EXECUTION_NAME_LENGTH - EXECUTION_NAME_HASH_LENGTH - 1;
  const readable = trimEdges(readableParts(source.key).map(sanitize).filter(Boolean).join('-').slice(0, budget));
  return readable ? `${readable}-${hash}` : hash;
}

/**
 * The hash part of {@link executionName}: sha256 over bucket, key and ETag (quotes stripped), first 24 hex chars.
 *
 * @example
 * contentHash({ bucket: 'b', key: 'k.jsonl', etag: 'abc' }) === contentHash({ bucket: 'b', key: 'k.jsonl', etag: '"abc"' }); // → true
 */
export function contentHash(source: ExecutionNameSource): string {
  const etag = normalizeEtag(source.etag);
  // JSON of an array keeps the fields apart: no bucket/key split can produce another pair's bytes.
  const identity = JSON.stringify(etag ? [source.bucket, source.key, etag] : [source.bucket, source.key, '', source.versionId ?? '']);
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, EXECUTION_NAME_HASH_LENGTH);
}

function normalizeEtag(etag: string | undefined): string {
  return (etag ?? '').trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1').toLowerCase();
}

const SAGEMAKER_HOUR_PATH = [/^\d{4}$/, /^\d{2}$/, /^\d{2}$/, /^\d{2}$/];

/** `{dest}/{endpoint}/{variant}/yyyy/mm/dd/hh/{file}` gives [endpoint, variant, file]; other keys their last segments. */
function readableParts(key: string): string[] {
  const segments = key.split('/').filter(Boolean);
  const file = (segments.pop() ?? '').replace(/\.jsonl$/i, '');
  const hour = segments.slice(-4);
  if (segments.length >= 6 && hour.every((segment, i) => SAGEMAKER_HOUR_PATH[i].test(segment))) {
    const [endpoint, variant] = segments.slice(-6, -4);
    return [cap(endpoint, 24), cap(variant, 16), file];
  }
  return [...segments.slice(-2).map((segment) => cap(segment, 20)), file];
}

function cap(text: string, length: number): string {
  return text.length > length ? text.slice(0, length) : text;
}

/** Latin letters lose their accents (é → e); anything else outside [0-9A-Za-z_-] becomes '-', runs collapsed. */
function sanitize(text: string): string {
  return trimEdges(
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .replace(/[^0-9A-Za-z_-]+/g, '-')
      .replace(/-{2,}/g, '-'),
  );
}

function trimEdges(text: string): string {
  return text.replace(/^[-_]+|[-_]+$/g, '');
}

/**
 * The name of a forced replay of one object: the object's {@link executionName} with `-r{replayId}` appended,
 * its readable part shortened so the whole stays within 80 characters. A forced replay must not collide with the
 * router's execution (that is what forcing bypasses), while the pages of one replay, retried, keep colliding with
 * themselves; so `replayId` is fixed once per replay (a compact UTC timestamp) and carried by its continuation token.
 *
 * @example
 * replayExecutionName({ bucket: 'datacapture', key: 'captures/ep/AllTraffic/2024/05/01/13/05-31-123-4f1c.jsonl', etag: 'abc' }, '20261125T101500Z');
 * // → 'ep-AllTraffic-05-31-123-4f1c-' + 24 hex characters + '-r20261125T101500Z'
 */
export function replayExecutionName(source: ExecutionNameSource, replayId: string): string {
  const suffix = `-r${replaySuffixId(replayId)}`;
  const hash = contentHash(source);
  const base = executionName(source);
  const readable = base.length > hash.length ? base.slice(0, base.length - hash.length - 1) : '';
  const budget = MAX_EXECUTION_NAME_LENGTH - EXECUTION_NAME_HASH_LENGTH - suffix.length - 1;
  const kept = trimEdges(readable.slice(0, Math.max(0, budget)));
  return `${kept ? `${kept}-` : ''}${hash}${suffix}`.slice(0, MAX_EXECUTION_NAME_LENGTH);
}

/** The longest replay ID kept as it is in a name: 80 − the 24-character hash − the separator − `-r`. */
export const MAX_READABLE_REPLAY_ID_LENGTH = MAX_EXECUTION_NAME_LENGTH - EXECUTION_NAME_HASH_LENGTH - 1 - 2;

/**
 * The replay ID as a name carries it: its name characters when they fit; a longer one becomes `h` and 24 hex
 * characters of its sha256, so two long IDs that share their first 53 characters still get distinct names
 * (cutting the name at 80 characters used to drop what told them apart).
 */
function replaySuffixId(replayId: string): string {
  const clean = replayId.replace(/[^0-9A-Za-z_]/g, '');
  if (clean.length <= MAX_READABLE_REPLAY_ID_LENGTH) return clean;
  return `h${createHash('sha256').update(replayId, 'utf8').digest('hex').slice(0, EXECUTION_NAME_HASH_LENGTH)}`;
}
