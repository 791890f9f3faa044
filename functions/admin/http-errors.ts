/**
 * The admin API's HTTP errors, and the ONE table that maps the use cases' errors onto them. Only a ClientError
 * reaches a caller with its message (http-error-handler's `expose`); anything else becomes a generic 500 whose
 * cause is only in the log.
 */
import { InvalidMappingCursorError, MappingConflictError, MappingNotFoundError } from '../../src/aws/mapping-store.js';
import { InvalidPrefixError } from '../../src/routing/prefix.js';
import { InvalidRequestError, ReplayInterruptedError } from './errors.js';

/** What a caller gets for a 4xx: which field broke which rule, in words. */
export interface ClientErrorBody {
  error: {
    status: number;
    /** `body`, a body field (`prefix`, `modelId`, …), a query parameter, a header (`If-Match`) or `route`. */
    field: string;
    /** A stable string: `required`, `type`, `uuid`, `dot-segment`, `allowlist`, `version-conflict`, … */
    rule: string;
    message: string;
  };
}

/** A request the API refuses on purpose. `message` names the field and the rule; it is shown to the caller. */
export class ClientError extends Error {
  readonly statusCode: number;
  readonly expose = true;
  readonly field: string;
  readonly rule: string;
  readonly headers?: Record<string, string>;
  constructor(statusCode: number, field: string, rule: string, message: string, options?: ErrorOptions & { headers?: Record<string, string> }) {
    super(message.endsWith(`(rule: ${rule})`) ? message : `${message} (rule: ${rule})`, options);
    this.name = 'ClientError';
    this.statusCode = statusCode;
    this.field = field;
    this.rule = rule;
    this.headers = options?.headers;
  }

  toBody(): ClientErrorBody {
    return { error: { status: this.statusCode, field: this.field, rule: this.rule, message: this.message } };
  }
}

/** A 400 of the HTTP layer itself (query parameters, headers, the body's schema). */
export const badRequest = (field: string, rule: string, message: string, options?: ErrorOptions) =>
  new ClientError(400, field, rule, message, options);

type RawError = Error & { statusCode?: number; cause?: { package?: string; message?: string } };

/**
 * The table: a use case's error → the client error shown for it. Errors not listed here are not the caller's
 * (undefined: a generic 500).
 */
export function toClientError(thrown: Error): ClientError | undefined {
  const error = thrown as RawError;
  if (error instanceof ClientError) return error;
  if (error instanceof InvalidRequestError) return badRequest(error.field, error.rule, error.message, { cause: error });
  if (error instanceof InvalidPrefixError) return badRequest('prefix', error.rule, error.message, { cause: error });
  if (error instanceof MappingNotFoundError) return new ClientError(404, 'prefix', 'not-found', error.message, { cause: error });
  if (error instanceof MappingConflictError) return new ClientError(412, 'If-Match', 'version-conflict', error.message, { cause: error });
  if (error instanceof InvalidMappingCursorError) return badRequest('nextToken', 'token', `nextToken: ${error.message}`, { cause: error });
  if (error instanceof ReplayInterruptedError) {
    // The cause (ARNs, names) goes to the log only; the caller learns to send the same request again.
    return new ClientError(503, 'replay', 'retry', error.message, { cause: error.cause ?? error, headers: { 'Retry-After': String(error.retryAfterSeconds) } });
  }
  if (error.cause?.package === '@middy/http-json-body-parser') return bodyParserError(error);
  return undefined;
}

function bodyParserError(error: RawError): ClientError {
  const cause = error.cause as { message?: string; data?: unknown };
  if (error.statusCode === 415) {
    return new ClientError(415, 'Content-Type', 'media-type', 'Content-Type must be application/json', { cause: error });
  }
  if (error.message === 'Forbidden key in JSON body') {
    const key = String(cause.data);
    return badRequest(key, 'forbidden-key', `${key} is not allowed as a key anywhere in the body (prototype pollution)`, { cause: error });
  }
  const detail = cause.message ? ` (${cause.message})` : ' (the body is empty)';
  return badRequest('body', 'json', `body must be a well-formed JSON document${detail}`, { cause: error });
}
