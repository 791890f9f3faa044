/**
 * Fault injection of the local Secrets Manager, like the Arthur receiver's (local/arthur/controls.ts): the next
 * `count` calls of an action answer with an AWS error instead, at that error's own HTTP status
 * (errors.ts), so the real SDK client classifies and retries them as it would AWS's. Counted per action, so a
 * test can tell the SDK's own retries (several calls per read) from the workflow's (several reads).
 */
import { ERROR_MESSAGE, ERROR_STATUS, SecretsError } from './errors.js';

export interface SecretsFaultSpec {
  /** An error type of errors.ts, e.g. ThrottlingException (400), InternalServiceError (500), ServiceUnavailable (503). */
  error?: string;
  /** How many calls the fault answers. Default 1. */
  count?: number;
  /** The action it applies to. Default GetSecretValue. */
  action?: string;
  /** Overrides the error's documented status (e.g. InternalServiceError at 400, as an older page gave it). */
  status?: number;
  /** true: clear the pending faults and the counters first. */
  reset?: boolean;
}

export interface SecretsStats {
  /** Per action: the calls received (faulted ones included) and how many of them an injected fault answered. */
  [action: string]: { calls: number; faults: number };
}

export class SecretsFaults {
  private pending: Array<{ action: string; error: SecretsError }> = [];
  private counters: SecretsStats = {};

  get size(): number {
    return this.pending.length;
  }

  /** Replaces the pending faults; refuses an error type the endpoint does not know (a typo would inject nothing). */
  set(specs: SecretsFaultSpec | SecretsFaultSpec[]): void {
    const list = Array.isArray(specs) ? specs : [specs];
    for (const spec of list) {
      if (spec.error !== undefined && !Object.hasOwn(ERROR_STATUS, spec.error)) {
        throw new SecretsError('InvalidParameterException', `unknown fault error ${spec.error}; one of ${Object.keys(ERROR_STATUS).join(', ')}`);
      }
      if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599)) {
        throw new SecretsError('InvalidParameterException', `fault status ${spec.status} is not a 4xx or 5xx status`);
      }
    }
    if (list.some((f) => f.reset)) this.counters = {};
    this.pending = list.flatMap((spec) => {
      if (spec.error === undefined) return [];
      const message = ERROR_MESSAGE[spec.error] ?? `injected ${spec.error}`;
      const fault = { action: spec.action ?? 'GetSecretValue', error: new SecretsError(spec.error, message, spec.status) };
      return Array.from({ length: Math.max(0, spec.count ?? 1) }, () => fault);
    });
  }

  /** Counts a call of `action`; the injected error it must answer with, if one is pending for it. */
  take(action: string): SecretsError | undefined {
    this.counters[action] ??= { calls: 0, faults: 0 };
    const counter = this.counters[action];
    counter.calls++;
    const i = this.pending.findIndex((f) => f.action === action);
    if (i < 0) return undefined;
    counter.faults++;
    return this.pending.splice(i, 1)[0]!.error;
  }

  stats(): SecretsStats {
    return structuredClone(this.counters);
  }
}
