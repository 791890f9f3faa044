import type { Readable } from 'node:stream';

/** Where and as whom a request goes: shared by the upload and the lookup. */
export interface ArthurTarget {
  /** Base URL of the Arthur host, already checked against the host policy by the caller. */
  host: string;
  /** Arthur model ID (a UUID). */
  modelId: string;
  /** Sent as the raw `Authorization` header value; never logged, never part of an error message. */
  token: string;
  /**
   * Sent as `Arthur-Organization-ID` when set. Arthur's own client always sends it (arthur-client 1.4.0,
   * `rest/client.py`, `ORG_ID_HEADER`); Arthur's docs call it required where an account has several organizations.
   */
  organizationId?: string;
  /** Deadline for the whole exchange: connect, sending the body, and reading Arthur's answer. */
  timeoutMs: number;
  /** Aborts the request early (middy aborts it just before the Lambda's own timeout). */
  signal?: AbortSignal;
}

/** One upload of a capture file (or part) to Arthur's SageMaker Data Capture integration. */
export interface UploadCaptureRequest extends ArthurTarget {
  /** The JSONL bytes. Streamed, never buffered; the client owns it from here and destroys it on failure. */
  body: Readable;
  /** Byte length of `body` when known: the request then carries Content-Length instead of chunked encoding. */
  contentLength?: number;
  /** File name of the `inference_data` part; `.jsonl` is appended when missing. */
  fileName: string;
}

/** Arthur's `counts` of a 207 answer. */
export interface ArthurCounts {
  success: number;
  failure: number;
  total: number;
}

/**
 * Which documented shape a 2xx answer had:
 * - `sagemaker`: `{counts, failures: [{message, status, event_id, inference_index_in_event}]}` — arthur-client
 *   1.4.0 `SageMakerDataResponse`, the answer of the SageMaker Data Capture endpoint;
 * - `generic`: `{counts, results: [{message, status}]}`, one result per item in the order sent — arthur-client
 *   `InferencesResponse` (the inference and ground-truth endpoints);
 * - `counts-only`: counts and no list; `unreadable`: no counts could be read (empty, not JSON, wrong types).
 */
export type AnswerShape = 'sagemaker' | 'generic' | 'counts-only' | 'unreadable';

/** One failed item of a 2xx answer, as Arthur named it. */
export interface ArthurFailure {
  message: string;
  status?: number;
  /** `sagemaker`: the SageMaker `eventId` of the record, and the inference's index in it. */
  eventId?: string;
  indexInEvent?: number;
  /** `generic`: the result's position among the items sent (0-based). */
  position?: number;
  /** A server that names the partner ID itself (not Arthur's documented shape, read when present). */
  partnerInferenceId?: string;
}

/** What Arthur answered to an upload it accepted (2xx). Non-2xx answers are thrown as typed errors. */
export interface UploadCaptureResult {
  status: number;
  /** Absent when Arthur sent no (readable) counts; the caller decides what that means. */
  counts?: ArthurCounts;
  shape: AnswerShape;
  /** The failed items Arthur listed, up to the client's cap (`failuresListed` counts them all). */
  failures: ArthurFailure[];
  /** How many failed items the answer listed; for `generic`, the results with status ≥ 300. */
  failuresListed: number;
  /** For `generic`: how many results were listed in all (one per item sent, when Arthur keeps its contract). */
  resultsListed?: number;
  /** Bytes of the JSONL body sent (without the multipart envelope). */
  bytesSent: number;
  durationMs: number;
}

/** Which of some partner inference IDs Arthur holds for a model. */
export interface LookupRequest extends ArthurTarget {
  partnerInferenceIds: readonly string[];
  /** Lookups in flight at once. Default 8. */
  concurrency?: number;
}

/**
 * `ok`: every ID was asked, `held` are those Arthur answered 200 for (404: not held). Otherwise the lookup could
 * not answer and the caller falls back: `unauthorized` (401/403), `refused` (402), `unavailable` (5xx, 429,
 * network, timeout), `not-served` (a redirect or another status: the host does not serve Arthur's v3 lookup).
 */
export type LookupOutcome =
  | { status: 'ok'; held: Set<string>; checked: number }
  | { status: 'unauthorized' | 'refused' | 'unavailable' | 'not-served'; detail: string };

/** The port through which the use cases talk to Arthur. */
export interface ArthurApi {
  uploadCapture(request: UploadCaptureRequest): Promise<UploadCaptureResult>;
  lookupInferences(request: LookupRequest): Promise<LookupOutcome>;
}
