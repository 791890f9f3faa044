import type { Readable } from 'node:stream';

/** One upload of a capture file (or part) to Arthur's SageMaker Data Capture integration. */
export interface UploadCaptureRequest {
  /** Base URL of the Arthur host, already checked against the host policy by the caller. */
  host: string;
  /** Arthur model ID (a UUID). */
  modelId: string;
  /** Sent as the raw `Authorization` header value; never logged, never part of an error message. */
  token: string;
  /** The JSONL bytes. Streamed, never buffered; the client owns it from here and destroys it on failure. */
  body: Readable;
  /** Byte length of `body` when known: the request then carries Content-Length instead of chunked encoding. */
  contentLength?: number;
  /** File name of the `inference_data` part; `.jsonl` is appended when missing. */
  fileName: string;
  /** Deadline for the whole exchange: connect, sending the body, and reading Arthur's answer. */
  timeoutMs: number;
  /** Aborts the upload early (middy aborts it just before the Lambda's own timeout). */
  signal?: AbortSignal;
}

/** Arthur's `counts` of a 207 answer. */
export interface ArthurCounts {
  success: number;
  failure: number;
  total: number;
}

/** What Arthur answered to an upload it accepted (2xx). Non-2xx answers are thrown as typed errors. */
export interface UploadCaptureResult {
  status: number;
  /** Absent when Arthur sent no (readable) counts; the caller decides what that means. */
  counts?: ArthurCounts;
  /** The first few failed results, each field truncated, small enough for a Step Functions state. */
  failureSample: unknown[];
  /**
   * How many failed results say the partner inference ID is already in Arthur (0 when the results could not be
   * read). Whether that means "delivered" (a retried attempt) or "refused" (a first one) is the caller's call.
   */
  alreadyExists: number;
  /** Like `failureSample`, without the "already exists" results. */
  otherFailureSample: unknown[];
  /** Bytes of the JSONL body sent (without the multipart envelope). */
  bytesSent: number;
  durationMs: number;
}

/** The port through which the use cases talk to Arthur. */
export interface ArthurApi {
  uploadCapture(request: UploadCaptureRequest): Promise<UploadCaptureResult>;
}
