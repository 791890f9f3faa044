/**
 * Arthur's ground-truth update over node:http(s): `PATCH {host}/api/v3/models/{modelId}/inferences` with a JSON list of
 * `{partner_inference_id, ground_truth_timestamp, ground_truth_data}` (arthur-client 1.4.0 `PartnerIdInferenceGroundTruth`,
 * `ArthurInferencesClient.update_inferences`, validation_response_code 207; the arthurai SDK's
 * `ArthurModel.update_inference_ground_truths` PATCHes the same path — its tests/test_inferences.py mocks it with 207
 * `{counts: {success, failure, total}, results: [{message, status}]}`, one result per item in the order sent).
 * Sources and the wiring into UploadPart: docs/ground-truth.md.
 */
import http from 'node:http';
import https from 'node:https';
import type { GroundTruthItem } from '../capture/ground-truth/types.js';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  ConfigurationError,
} from '../errors.js';

export interface GroundTruthUpdateRequest {
  /** Base URL of the Arthur host, already checked against the host policy by the caller. */
  host: string;
  /** Arthur model ID (a UUID). */
  modelId: string;
  /** Sent as the raw `Authorization` header value; never logged, never part of an error message. */
  token: string;
  /** Sent as `Arthur-Organization-ID` when given (accounts with several organizations need it). */
  organizationId?: string;
  /**
   * `inferences` (default): `PATCH …/inferences`, which needs inference-write permission (arthur-client
   * `update_inferences`, the arthurai SDK's `update_inference_ground_truths`). `ground_truth`: `PATCH …/ground_truth`,
   * the same body and answer with ground-truth-write permission instead (arthur-client `update_inference_ground_truths`).
   */
  endpoint?: 'inferences' | 'ground_truth';
  /** One batch (GroundTruthBatcher: at most 1,000). */
  items: readonly GroundTruthItem[];
  /** Deadline for the whole exchange. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A label Arthur refused: its partner ID (by position in the batch) and what Arthur said. */
export interface RefusedLabel {
  index: number;
  partnerInferenceId: string;
  status: number;
  message: string;
}

export interface GroundTruthUpdateResult {
  status: number;
  /** Arthur's counts, when it sent readable ones. */
  counts?: { success: number; failure: number; total: number };
  /** Items Arthur's results (else its counts) say it took. */
  accepted: number;
  /** Every refused item, in batch order (a batch is at most 1,000 items). */
  refused: RefusedLabel[];
  /** Failures Arthur counted that no result names (results missing or too few): their partner IDs are unknown. */
  unattributed: number;
  /** Where Arthur's answer disagrees with itself or with the request (counts vs results, results vs items). */
  discrepancies: string[];
  bytesSent: number;
  durationMs: number;
}

/** The port through which a ground-truth use case talks to Arthur. */
export interface GroundTruthApi {
  updateGroundTruth(request: GroundTruthUpdateRequest): Promise<GroundTruthUpdateResult>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ERROR_BODY_BYTES = 16 * 1024;

export interface HttpGroundTruthApiOptions {
  /** Cap on the bytes of a 2xx answer (one result per item). Default 4 MiB. */
  maxResponseBytes?: number;
  tls?: Pick<https.AgentOptions, 'ca'>;
  userAgent?: string;
}

/**
 * The ground-truth update client. Statuses map to the workflow's error names as for capture uploads: 401/403
 * ArthurAuthError, 402 ArthurRejectedError (plan), 404 ArthurModelNotFoundError, other 4xx ArthurRejectedError,
 * 429 ArthurThrottledError, 5xx / network / timeout ArthurUnavailableError (retried), 3xx ConfigurationError.
 * @example
 * const result = await new HttpGroundTruthApi().updateGroundTruth({ host, modelId, token, items, timeoutMs: 60_000 });
 * for (const r of result.refused) console.log(r.partnerInferenceId, r.status, r.message);
 */
export class HttpGroundTruthApi implements GroundTruthApi {
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(options: HttpGroundTruthApiOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: false, ...options.tls });
    this.maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
    this.userAgent = options.userAgent ?? 'capture-router';
  }

  async updateGroundTruth(request: GroundTruthUpdateRequest): Promise<GroundTruthUpdateResult> {
    const url = groundTruthUrl(request.host, request.modelId, request.endpoint);
    if (request.items.length === 0) throw new ConfigurationError('A ground-truth update needs at least one item.');
    const where = `${url.origin} (model ${request.modelId})`;
    const body = Buffer.from(JSON.stringify(request.items), 'utf8');
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': body.length,
      accept: 'application/json',
      authorization: request.token,
      'user-agent': this.userAgent,
    };
    if (request.organizationId) headers['arthur-organization-id'] = request.organizationId;
    const started = performance.now();
    const answer = await this.exchange(url, headers, body, request, where);
    if (answer.status < 200 || answer.status >= 300) throw statusError(answer.status, answer.headers, excerpt(answer.text, request.token), where);
    return { ...readAnswer(answer.status, answer.text, answer.complete, request.items), bytesSent: body.length, durationMs: Math.round(performance.now() - started) };
  }

  /** Sends the body and reads the answer within the deadline; network failures and timeouts are ArthurUnavailableError. */
  private exchange(url: URL, headers: http.OutgoingHttpHeaders, body: Buffer, request: GroundTruthUpdateRequest, where: string) {
    const { timeoutMs, signal } = request;
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; complete: boolean }>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outgoing.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new ArthurUnavailableError(`Arthur at ${where} did not answer the ground-truth update within ${timeoutMs} ms; the workflow retries the batch.`)), timeoutMs);
      const onAbort = (): void => fail(new ArthurUnavailableError(`The ground-truth update to Arthur at ${where} was aborted before the Lambda timeout; the workflow retries the batch.`));
      const transport = url.protocol === 'https:' ? https : http;
      const outgoing = transport.request(url, { method: 'PATCH', headers, agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('error', (err) => fail(unreachable(err, where)));
      outgoing.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const cap = status >= 200 && status < 300 ? this.maxResponseBytes : ERROR_BODY_BYTES;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < cap) chunks.push(chunk.subarray(0, cap - size));
          size += chunk.length;
        });
        res.on('error', (err) => fail(unreachable(err, where)));
        res.on('aborted', () => fail(unreachable(new Error('connection closed'), where)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), complete: size <= cap });
        });
      });
      outgoing.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * The update URL of a model; a base path of the host is kept. Throws ConfigurationError for what cannot be sent.
 * @example groundTruthUrl('https://app.arthur.ai', '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40').pathname // '/api/v3/models/5a3b…/inferences'
 */
export function groundTruthUrl(host: string, modelId: string, endpoint: 'inferences' | 'ground_truth' = 'inferences'): URL {
  let base: URL;
  try {
    base = new URL(host);
  } catch (err) {
    throw new ConfigurationError(`Arthur host "${host.slice(0, 120)}" is not an absolute URL.`, { cause: err });
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new ConfigurationError(`Arthur host "${base.origin}" must use https://.`);
  if (typeof modelId !== 'string' || !UUID.test(modelId)) {
    throw new ConfigurationError(`Arthur model ID "${String(modelId).slice(0, 120)}" is not a UUID; copy the model's ID from Arthur into the mapping.`);
  }
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/api/v3/models/${encodeURIComponent(modelId)}/${endpoint === 'ground_truth' ? 'ground_truth' : 'inferences'}`;
  url.search = '';
  return url;
}

/**
 * What a 2xx answer says about each item. Results are matched to items by position (Arthur names none); a failed
 * result is one whose status is 300 or more. When the results cannot be read, Arthur's counts say how many failed,
 * and those failures stay unattributed.
 */
export function readAnswer(status: number, text: string, complete: boolean, items: readonly GroundTruthItem[]): Omit<GroundTruthUpdateResult, 'bytesSent' | 'durationMs'> {
  const discrepancies: string[] = [];
  let parsed: unknown;
  try {
    parsed = complete ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!complete) discrepancies.push('the answer was larger than the cap and was not read');
  const counts = isObject(parsed) ? readCounts(parsed.counts) : undefined;
  const results = isObject(parsed) && Array.isArray(parsed.results) ? parsed.results : undefined;
  if (results === undefined) {
    if (complete) discrepancies.push(parsed === undefined ? 'the answer is not JSON' : 'the answer lists no results');
    const failure = counts ? Math.min(counts.failure, items.length) : 0;
    return { status, counts, accepted: counts ? Math.min(counts.success, items.length) : items.length - failure, refused: [], unattributed: failure, discrepancies };
  }
  const refused: RefusedLabel[] = [];
  const named = Math.min(results.length, items.length);
  for (let i = 0; i < named; i++) {
    const result = results[i];
    const resultStatus = isObject(result) ? statusOf(result) : undefined;
    if (resultStatus !== undefined && resultStatus < 300) continue;
    const message = isObject(result) && typeof result.message === 'string' ? result.message.slice(0, 300) : 'no message';
    refused.push({ index: i, partnerInferenceId: items[i].partner_inference_id, status: resultStatus ?? 0, message });
  }
  if (results.length !== items.length) discrepancies.push(`Arthur answered ${results.length} results for ${items.length} items`);
  let unattributed = 0;
  if (counts !== undefined) {
    if (counts.failure !== refused.length) discrepancies.push(`counts.failure is ${counts.failure} but ${refused.length} results failed`);
    if (counts.total !== items.length) discrepancies.push(`counts.total is ${counts.total} for ${items.length} items`);
    unattributed = Math.max(0, Math.min(counts.failure, items.length) - refused.length);
  }
  return { status, counts, accepted: named - refused.length, refused, unattributed, discrepancies };
}

function statusOf(result: Record<string, unknown>): number | undefined {
  const status = result.status ?? result.status_code;
  const n = typeof status === 'number' ? status : typeof status === 'string' ? Number(status) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function readCounts(value: unknown): GroundTruthUpdateResult['counts'] {
  if (!isObject(value)) return undefined;
  const { success, failure, total } = value;
  if (!isCount(success) || !isCount(failure)) return undefined;
  return { success, failure, total: isCount(total) ? total : success + failure };
}

function statusError(status: number, headers: http.IncomingHttpHeaders, said: string, where: string): Error {
  const answer = `HTTP ${status}: ${said}`;
  if (status === 429) {
    const retryAfter = Number(Array.isArray(headers['retry-after']) ? headers['retry-after'][0] : headers['retry-after']);
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
    return new ArthurThrottledError(`Arthur at ${where} is throttling ground-truth updates — ${answer}. The workflow retries with backoff.`, { retryAfterSeconds });
  }
  if (status >= 500) return new ArthurUnavailableError(`Arthur at ${where} failed the ground-truth update — ${answer}. The workflow retries the batch.`, { status });
  if (status === 401 || status === 403) {
    return new ArthurAuthError(
      `Arthur at ${where} refused the token — ${answer}. Check that the token's user may write inferences (or ground truth) to this model.`,
      { status },
    );
  }
  if (status === 402) return new ArthurRejectedError(`Arthur at ${where} refused the update for the account's plan or payment — ${answer}.`, { status });
  if (status === 404) return new ArthurModelNotFoundError(`Arthur at ${where} has no such model — ${answer}. Check the model ID of the mapping against Arthur.`);
  if (status >= 400) {
    return new ArthurRejectedError(
      `Arthur at ${where} rejected the ground-truth batch — ${answer}. Sending it again cannot succeed; check the labels (capture-router validate) and the mapping's ground-truth attributes.`,
      { status },
    );
  }
  const location = typeof headers.location === 'string' ? ` to ${headers.location.slice(0, 200)}` : '';
  return new ConfigurationError(`Arthur at ${where} answered HTTP ${status}${location}; redirects are not followed. Set the Arthur host to the final https:// address.`);
}

function unreachable(err: Error, where: string): ArthurUnavailableError {
  const code = (err as NodeJS.ErrnoException).code ?? err.name;
  return new ArthurUnavailableError(`The connection to Arthur at ${where} failed during the ground-truth update (${code}: ${err.message}); the workflow retries the batch.`, { cause: err });
}

/** A body excerpt fit for an error message: whitespace collapsed, truncated, the token removed if echoed back. */
function excerpt(text: string, token: string): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  if (token.length >= 4) clean = clean.split(token).join('[redacted]');
  if (clean === '') return '(empty body)';
  return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
