/**
 * Every error a Step Functions task of the ingest workflow can throw.
 *
 * The `name` is the contract with statemachines/ingest.asl.yml: Retry and Catch match on it and on nothing else.
 * It is set as a string literal because a minifier may rename classes (and `constructor.name` with them).
 * Retried by the workflow: ArthurUnavailableError, ArthurThrottledError, StorageUnavailableError (and Lambda.*,
 * TimeoutError); SecretsUnavailableError once UploadPart's Retry names it (docs/RELIABILITY.md).
 * Never retried: everything else here.
 */

/** Arthur answered 5xx, the connection failed or reset, or the request timed out. Retried with backoff. */
export class ArthurUnavailableError extends Error {
  readonly status?: number;
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'ArthurUnavailableError';
    this.status = options?.status;
  }
}

/** Arthur answered 429. Retried with a longer backoff than ArthurUnavailableError. */
export class ArthurThrottledError extends Error {
  readonly status = 429;
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'ArthurThrottledError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Arthur answered 401 or 403: the token is wrong, expired or lacks access to the model. Not retried. */
export class ArthurAuthError extends Error {
  readonly status: number;
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'ArthurAuthError';
    this.status = options?.status ?? 401;
  }
}

/** Arthur answered 404: the model ID of the mapping does not exist on that Arthur host. Not retried. */
export class ArthurModelNotFoundError extends Error {
  readonly status = 404;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ArthurModelNotFoundError';
  }
}

/**
 * Arthur answered 402: its plan or payment refused the upload (Arthur's API lists 402 among its answers). Not
 * retried: nothing the workflow does changes the plan; the file is recorded FAILED and can be replayed later.
 */
export class ArthurPaymentRequiredError extends Error {
  readonly status = 402;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ArthurPaymentRequiredError';
  }
}

/** Arthur answered another 4xx (400, 413, 422…): sending the same bytes again cannot succeed. Not retried. */
export class ArthurRejectedError extends Error {
  readonly status: number;
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'ArthurRejectedError';
    this.status = options?.status ?? 400;
  }
}

/** The capture file holds no inference Arthur could take; its records are quarantined with reasons. */
export class CaptureRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CaptureRejectedError';
  }
}

/** The capture object could not be read (missing, changed since the event, access denied). */
export class CaptureUnreadableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CaptureUnreadableError';
  }
}

/**
 * S3 failed while the capture was being read or its parts written (a reset mid-stream, 5xx or throttling that
 * outlasted the SDK's own retries). Retried: validation is idempotent, the same parts land under the same keys.
 */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** The workflow input or the mapping is unusable: a host outside the allowlist, http:// off loopback, no token. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** Every error name above, for the test that checks each `ErrorEquals` of the state machine. */
export const WORKFLOW_ERROR_NAMES = [
  'ArthurUnavailableError',
  'ArthurThrottledError',
  'ArthurAuthError',
  'ArthurModelNotFoundError',
  'ArthurPaymentRequiredError',
  'ArthurRejectedError',
  'CaptureRejectedError',
  'CaptureUnreadableError',
  'StorageUnavailableError',
  'SecretsUnavailableError',
  'ConfigurationError',
] as const;

export type WorkflowErrorName = (typeof WORKFLOW_ERROR_NAMES)[number];

/**
 * Secrets Manager could not answer GetSecretValue for now: throttled (ThrottlingException), its own 5xx
 * (InternalServiceError), or the network failed, after the SDK's own retries. Nothing was sent to Arthur, so the
 * task is safe to retry.
 */
export class SecretsUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretsUnavailableError';
  }
}
