import { randomBytes } from 'node:crypto';

/** The form field Arthur's SageMaker Data Capture integration reads the file from. */
export const INFERENCE_DATA_FIELD = 'inference_data';

/**
 * The bytes around a single streamed file part. Precomputing them is what lets the body be piped through
 * untouched, and lets the total length be known up front when the file's length is.
 */
export interface MultipartEnvelope {
  boundary: string;
  contentType: string;
  head: Buffer;
  tail: Buffer;
}

/**
 * Builds the envelope of a multipart/form-data body holding one file field. The boundary carries 128 random
 * bits: a capture line colliding with it is not a practical concern, so the body is never scanned for it.
 * @example
 * const { head, tail, contentType } = multipartEnvelope('inference_data', '21-48-903-abc.jsonl');
 * // send head, then the file's bytes, then tail, with Content-Type: contentType
 */
export function multipartEnvelope(field: string, fileName: string, boundary = newBoundary()): MultipartEnvelope {
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${quoteParam(field)}"; filename="${quoteParam(jsonlName(fileName))}"\r\n` +
    'Content-Type: application/octet-stream\r\n' +
    '\r\n';
  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: Buffer.from(head, 'utf8'),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  };
}

function newBoundary(): string {
  return `capture-router-${randomBytes(16).toString('hex')}`;
}

/** Arthur's integration only takes `.jsonl` uploads, and S3 keys may end otherwise (parts, renamed files). */
export function jsonlName(fileName: string): string {
  const base = fileName.split('/').pop() || 'capture';
  return base.toLowerCase().endsWith('.jsonl') ? base : `${base}.jsonl`;
}

/**
 * A quoted-string parameter may not hold a raw quote, backslash or line break (they would end the header
 * or the parameter); S3 keys may contain all of them, so they are replaced rather than escaped, which
 * servers handle inconsistently.
 */
function quoteParam(value: string): string {
  return value.replace(/["\\\r\n]/g, '_');
}
