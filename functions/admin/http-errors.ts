/**
 * The admin API's deliberate client errors. Only these reach a caller with their message (http-error-handler's
 * `expose`); anything else becomes a generic 500 whose cause is only in the log.
 */

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

export const badRequest = (field: string, rule: string, message: string, options?: ErrorOptions) =>
  new ClientError(400, field, rule, message, options);
