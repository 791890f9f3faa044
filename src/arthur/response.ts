import type { AnswerShape, ArthurCounts, ArthurFailure } from './api.js';

/** How many failures travel back into the workflow state as a sample (Step Functions caps a state at 256 KiB). */
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
  shape: AnswerShape;
  failures: ArthurFailure[];
  failuresListed: number;
  resultsListed?: number;
}

/** Failed items kept from one answer: enough to name every refusal of a 10,000-record part. */
export const MAX_FAILURES_KEPT = 20_000;

/**
 * Reads a 2xx answer in each documented shape (see `AnswerShape`). A missing or unparseable body is not an error:
 * Arthur took the upload (2xx), it just did not say how it went, and the caller decides the defaults. A body over
 * the cap yields its counts only (found at its start or its end).
 */
export function parseAcceptedAnswer(body: CappedBody, maxFailures = MAX_FAILURES_KEPT): AcceptedAnswer {
  const head = body.headText();
  if (!body.complete) return withCounts(scanCounts(head) ?? scanCounts(body.tailText()));
  let parsed: unknown;
  try {
    parsed = JSON.parse(head);
  } catch {
    return withCounts(scanCounts(head));
  }
  if (!isObject(parsed)) return withCounts(undefined);
  const counts = readCounts(parsed.counts);
  if (Array.isArray(parsed.failures)) return { counts, shape: 'sagemaker', ...readFailures(parsed.failures, maxFailures) };
  if (Array.isArray(parsed.results)) {
    return { counts, shape: 'generic', ...readResults(parsed.results, maxFailures), resultsListed: parsed.results.length };
  }
  return withCounts(counts);
}

function withCounts(counts: ArthurCounts | undefined): AcceptedAnswer {
  return { counts, shape: counts ? 'counts-only' : 'unreadable', failures: [], failuresListed: 0 };
}

/** `SageMakerDataResponse.failures`: every entry is a failure, whatever its status says. */
function readFailures(list: unknown[], max: number): Pick<AcceptedAnswer, 'failures' | 'failuresListed'> {
  const failures: ArthurFailure[] = [];
  for (const entry of list) {
    if (failures.length >= max) break;
    failures.push(toFailure(isObject(entry) ? entry : { message: String(entry) }));
  }
  return { failures, failuresListed: list.length };
}

/**
 * `InferencesResponse.results`: one per item, in order; a result with status ≥ 300 is a failure (arthur-client
 * `http/validation.py` `validate_multistatus_response_and_get_failures` counts them so and checks the count).
 */
function readResults(list: unknown[], max: number): Pick<AcceptedAnswer, 'failures' | 'failuresListed'> {
  const failures: ArthurFailure[] = [];
  let failuresListed = 0;
  list.forEach((entry, position) => {
    const result = isObject(entry) ? entry : {};
    const status = statusOf(result);
    if (status !== undefined && status < 300) return;
    failuresListed++;
    if (failures.length < max) failures.push({ ...toFailure(result), position });
  });
  return { failures, failuresListed };
}

function toFailure(entry: Record<string, unknown>): ArthurFailure {
  const failure: ArthurFailure = { message: typeof entry.message === 'string' ? truncate(entry.message, FIELD_MAX) : '' };
  const status = statusOf(entry);
  if (status !== undefined) failure.status = status;
  if (typeof entry.event_id === 'string' && entry.event_id !== '') failure.eventId = entry.event_id;
  const index = entry.inference_index_in_event;
  if (typeof index === 'number' && Number.isInteger(index) && index >= 0) failure.indexInEvent = index;
  const id = entry.partner_inference_id;
  if (typeof id === 'string' && id !== '') failure.partnerInferenceId = id;
  return failure;
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

function statusOf(result: Record<string, unknown>): number | undefined {
  const status = result.status ?? result.status_code;
  const n = typeof status === 'number' ? status : typeof status === 'string' ? Number(status) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Arthur's inferences are immutable: a partner inference ID it already holds is refused. Arthur documents no code
 * for that refusal, so only its wording can tell; the project's receiver says "an inference with this
 * partner_inference_id already exists". Used only where the lookup could not answer (see UploadPart).
 *
 * @example
 * isAlreadyExistsMessage('an inference with this partner_inference_id already exists') // true
 */
export function isAlreadyExistsMessage(message: string): boolean {
  return ALREADY_EXISTS.test(message);
}

const ALREADY_EXISTS = /\balready exists?\b/i;

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
  const clean = redactToken(text.replace(/\s+/g, ' ').trim(), token);
  return clean.length === 0 ? '(empty body)' : truncate(clean, max);
}

/** The text with the token replaced by `[redacted]`: a server may echo request headers into its messages. */
export function redactToken(text: string, token: string): string {
  // Below a few characters a "token" is a test value, and redacting it would garble every word holding it.
  return token.length >= 4 ? text.split(token).join('[redacted]') : text;
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
