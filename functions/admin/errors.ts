/**
 * The admin use cases' errors: what the caller asked for is wrong, or the work was interrupted. No HTTP here:
 * http-errors.ts holds the one table that turns these into status codes.
 */

/** A request field breaks a rule. `field` is a body field, a query parameter or a header; `rule` a stable string. */
export class InvalidRequestError extends Error {
  readonly field: string;
  readonly rule: string;
  constructor(field: string, rule: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidRequestError';
    this.field = field;
    this.rule = rule;
  }
}

/** Shorthand for the use cases. */
export const invalid = (field: string, rule: string, message: string, options?: ErrorOptions) => new InvalidRequestError(field, rule, message, options);

/**
 * A StartExecution (or a mappings read) failed part-way through a replay: nothing is lost, the same request (same
 * nextToken) resumes it, skipping what started. `retryAfterSeconds` says when to send it again.
 */
export class ReplayInterruptedError extends Error {
  readonly retryAfterSeconds = 5;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayInterruptedError';
  }
}
