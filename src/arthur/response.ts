import type { ArthurCounts } from './api.js';

/** How many failed results travel back into the workflow state (Step Functions caps a state at 256 KB). */
export const FAILURE_SAMPLE_SIZE = 5;
const FIELD_MAX = 300;

/**
 * A response body read with a memory cap. Arthur lists a result per inference, so the answer to a large part
 * can run to megabytes; beyond `maxBytes` only the first bytes and a tail window are kept, which is where
 * the `counts` object sits whichever order Arthur serializes it in.
 */
export class CappedBody {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail = Buffer.alloc(0);
  total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly tailBytes = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.maxBytes) {
      const take = chunk.subarray(0, this.maxBytes - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length > 0) {
      const joined = Buffer.concat([this.tail, chunk]);
      this.tail = joined.subarray(Math.max(0, joined.length - this.tailBytes));
    }
  }

  get complete(): boolean {
    return this.total <= this.maxBytes;
  }

  headText(): string {
    return Buffer.concat(this.head).toString('utf8');
  }

  tailText(): string {
    return this.tail.toString('utf8');
  }
}

/** What a 2xx answer said, as far as it could be read. */
export interface AcceptedAnswer {
  counts?: ArthurCounts;
  /** The first few failed results, whatever their reason. */
  failureSample: unknown[];
  /**
   * Failed results saying that the inference's partner ID is already in Arthur (see `isAlreadyExistsResult`),
   * counted over the results that could be read: 0 when the body was over the cap or not JSON, and never more
   * than Arthur listed. An undercount only ever leaves such a result among the failures.
   */
  alreadyExists: number;
  /** The first few failed results other than "already exists": what a retried attempt reports as failures. */
  otherFailureSample: unknown[];
}

/**
 * Reads `{counts: {success, failure, total}, results: [...]}`. A missing or unparseable body is not an error:
 * Arthur took the upload (2xx), it just did not say how it went, and the caller decides the defaults.
 */
export function parseAcceptedAnswer(body: CappedBody): AcceptedAnswer {
  const head = body.headText();
  if (body.complete) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(head);
    } catch {
      return { counts: scanCounts(head), ...freshLists() };
    }
    if (!isObject(parsed)) return freshLists();
    return {
      counts: readCounts(parsed.counts),
      ...(Array.isArray(parsed.results) ? classifyResults(parsed.results) : freshLists()),
    };
  }
  return { counts: scanCounts(head) ?? scanCounts(body.tailText()), ...freshLists() };
}

/** Nothing listed (or nothing readable): no sample, and no result counted as already in Arthur. */
function freshLists(): Omit<AcceptedAnswer, 'counts'> {
  return { failureSample: [], alreadyExists: 0, otherFailureSample: [] };
}

function readCounts(value: unknown): ArthurCounts | undefined {
  if (!isObject(value)) return undefined;
  const { success, failure, total } = value;
  if (!isCount(success) || !isCount(failure)) return undefined;
  return { success, failure, total: isCount(total) ? total : success + failure };
}

/** Finds the counts object in a body too large to parse whole (or not valid JSON as a whole). */
function scanCounts(text: string): ArthurCounts | undefined {
  const match = /"counts"\s*:\s*(\{[^{}]*\})/.exec(text);
  if (!match) return undefined;
  try {
    return readCounts(JSON.parse(match[1]!));
  } catch {
    return undefined;
  }
}

function resultStatus(result: Record<string, unknown>): number | undefined {
  const status = result.status_code ?? result.status;
  return typeof status === 'number' ? status : typeof status === 'string' ? Number(status) : undefined;
}

/**
 * Arthur's inferences are immutable: a partner inference ID it already holds is refused with a failed result
 * whose message says so (the project's receiver: "an inference with this partner_inference_id already exists").
 * Only a result naming a partner ID can mean that; a result about a line of the file never does.
 *
 * @example
 * isAlreadyExistsResult({ partner_inference_id: 'e-1', message: 'an inference with this partner_inference_id already exists', status_code: 400 }) // true
 */
export function isAlreadyExistsResult(result: unknown): boolean {
  if (!isObject(result) || !isFailed(result)) return false;
  const id = result.partner_inference_id;
  return typeof id === 'string' && id !== '' && typeof result.message === 'string' && ALREADY_EXISTS.test(result.message);
}

const ALREADY_EXISTS = /\balready exists?\b/i;

function isFailed(result: Record<string, unknown>): boolean {
  const status = resultStatus(result);
  return !(status !== undefined && status >= 200 && status < 300);
}

/** One pass over every result: the two samples stay small, the count covers the whole list. */
function classifyResults(results: unknown[]): Omit<AcceptedAnswer, 'counts'> {
  const failureSample: unknown[] = [];
  const otherFailureSample: unknown[] = [];
  let alreadyExists = 0;
  for (const result of results) {
    if (!isObject(result) || !isFailed(result)) continue;
    const existing = isAlreadyExistsResult(result);
    if (existing) alreadyExists++;
    if (failureSample.length < FAILURE_SAMPLE_SIZE) failureSample.push(shrink(result));
    if (!existing && otherFailureSample.length < FAILURE_SAMPLE_SIZE) otherFailureSample.push(shrink(result));
  }
  return { failureSample, alreadyExists, otherFailureSample };
}

/** Keeps a result small: scalar fields only, strings truncated. */
function shrink(result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result).slice(0, 8)) {
    if (typeof value === 'string') out[key] = truncate(value, FIELD_MAX);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
    else out[key] = truncate(JSON.stringify(value) ?? '', FIELD_MAX);
  }
  return out;
}

/**
 * Retry-After is either delta-seconds or an HTTP date. Returned as whole seconds (≥ 0) so the workflow and
 * the logs can show it; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date always names its weekday and month; without letters, Date.parse would read "-5" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A body excerpt fit for an error message: whitespace collapsed, truncated, and with the token removed in
 * case the server echoes request headers back (some proxies and debugging endpoints do).
 */
export function bodyExcerpt(text: string, token: string, max = 500): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  // Below a few characters a "token" is a test value, and redacting it would garble every word holding it.
  if (token.length >= 4) clean = clean.split(token).join('[redacted]');
  return clean.length === 0 ? '(empty body)' : truncate(clean, max);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
