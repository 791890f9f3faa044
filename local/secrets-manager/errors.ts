/**
 * Secrets Manager's errors as the service sends them over JSON 1.1: the literal `__type` and HTTP status of the
 * API Reference — each action's "Errors" (GetSecretValue:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html) and "Common Errors"
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html). The SDK decides from the
 * status whether it retries: 5xx and the throttling names are retried (standard mode, 3 attempts), a 400 of
 * another name is not.
 */

/** The status of each error type the local endpoint sends. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  AccessDeniedException: 400,
  DecryptionFailure: 400,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ResourceExistsException: 400,
  ResourceNotFoundException: 400,
  UnknownOperationException: 400,
  // "The request was denied due to request throttling", 400 (Common Errors), whatever the rate.
  ThrottlingException: 400,
  // "An error occurred on the server side": 500 in Common Errors' current text (an older copy of the page said
  // 400); the SDK's model marks it a server fault. A fault spec may give `status: 400` to reproduce the other.
  InternalServiceError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

/** Messages as the service words them, where it has one. */
export const ERROR_MESSAGE: Readonly<Record<string, string>> = {
  ThrottlingException: 'Rate exceeded',
  InternalServiceError: 'An error occurred on the server side.',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  AccessDeniedException: 'User is not authorized to perform: secretsmanager:GetSecretValue',
  DecryptionFailure: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
};

export class SecretsError extends Error {
  readonly status: number;
  constructor(
    readonly type: string,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'SecretsError';
    this.status = status ?? ERROR_STATUS[type] ?? 400;
  }
}
