import type { IngestionItem } from '../contracts.js';
import type { ExecutionPath } from './execution-path.js';
import { partTotals } from '../parts/part-counts.js';

/** What to do about an error the workflow recorded, by its name (src/errors.ts). */
const HINTS: Record<string, string> = {
  ArthurAuthError: 'Arthur refused the token (401/403): update the token secret (or the mapping\'s tokenSecretArn), then replay the file with --force.',
  ArthurModelNotFoundError: 'Arthur has no such model (404): fix the mapping\'s modelId, then replay the file with --force.',
  ArthurPaymentRequiredError: 'Arthur refused the upload on its plan or payment (402): settle it with Arthur, then replay the file with --force.',
  ArthurRejectedError: 'Arthur refused the request (4xx other than 401/402/403/404/429): the cause quotes Arthur\'s answer.',
  ArthurUnavailableError: 'Arthur answered 5xx or did not answer through every retry: once Arthur is healthy, replay the file with --force.',
  ArthurThrottledError: 'Arthur kept answering 429 through every retry: replay later with --force, or lower the load.',
  CaptureUnreadableError: 'The capture object could not be read (deleted, replaced, or access denied to the validate role).',
  CaptureRejectedError: 'No record of the file holds an inference Arthur can take; the quarantine object lists each record with its reason (`capture-router validate` says the same locally).',
  ConfigurationError: 'The stack or mapping is misconfigured (host not allowlisted, bad model ID); the cause names the setting.',
  StorageUnavailableError: 'S3 failed through every retry while reading the capture or writing its parts: replay the file.',
  'States.Timeout': 'A task or the execution ran out of time: replay the file.',
  // Recorded by the terminal-failure rule (statemachines/record-terminal.asl.yml): the workflow could not record it.
  ExecutionTimedOut: 'The execution reached its TimeoutSeconds; some parts may be in Arthur. Replay with --force: a retried part asks Arthur which inferences it holds first.',
  ExecutionAborted: 'The execution was stopped (StopExecution, a redeploy); some parts may be in Arthur. Replay with --force when it should run.',
  'States.DataLimitExceeded': 'A state went over Step Functions\' 256 KiB limit, which no Catch takes: report it with the execution name; the state should hold only counts and references.',
};

export interface Explanation {
  /** One word: DELIVERED, PARTIAL, REJECTED, FAILED, RUNNING, NOT_ROUTED, UNKNOWN. */
  verdict: string;
  /** Why the file is (or is not) in Arthur, in one or two sentences. */
  reason: string;
  /** What to do, when something can be done. */
  hint?: string;
}

/**
 * Why a capture file is or is not in Arthur, from its ingestion record, its execution's status and path.
 *
 * @example
 * explain({ objectKey: 'b/k', status: 'FAILED', modelId: 'm', executionName: 'n', error: 'ArthurAuthError', cause: '401' }, undefined, undefined).verdict
 * // 'FAILED'
 */
export function explain(ingestion: IngestionItem | undefined, execution: { status: string } | undefined, path: ExecutionPath | undefined, artifactsBucket?: string): Explanation {
  const quarantine = ingestion?.quarantineKey ? ` Rejected records, with their reasons: s3://${artifactsBucket ?? '<artifacts bucket>'}/${ingestion.quarantineKey}.` : '';
  if (!ingestion && !execution) {
    return {
      verdict: 'NOT_ROUTED',
      reason: 'No execution and no ingestion record: the router started nothing for this file.',
      hint: 'Check its mapping with `capture-router mappings resolve KEY` (no mapping, or a disabled one, means no execution; the router logs "capture file not routed" with the reason and counts FilesUnrouted), and the router DLQ.',
    };
  }
  if (execution?.status === 'RUNNING' && (!ingestion || ingestion.status === undefined)) {
    const last = path?.failures.at(-1);
    return { verdict: 'RUNNING', reason: last ? `Still running; the last attempt of ${last.state} failed with ${last.error}${last.retried ? ' and is being retried' : ''}.` : 'Still running.' };
  }
  switch (ingestion?.status) {
    case 'UPLOADED': {
      // A retried part whose earlier attempt Arthur had taken (answer lost) reports those inferences apart.
      const present = partTotals(ingestion).alreadyPresent;
      const earlier = present > 0 ? ` ${present} of them reached Arthur with an earlier attempt whose answer was lost (alreadyPresent).` : '';
      return { verdict: 'DELIVERED', reason: `Arthur took the file: ${ingestion.inferences ?? '?'} inferences in ${ingestion.partCount ?? '?'} part(s).${earlier}` };
    }
    case 'PARTIAL': {
      const refused = partTotals(ingestion).failure;
      return {
        verdict: 'PARTIAL',
        reason: `Some inferences are in Arthur: ${ingestion.rejected ?? 0} record(s) failed validation, Arthur refused ${refused} inference(s).${quarantine}`,
        hint: 'Records are never re-sent automatically (Arthur keeps what it took); fix the rejected records and upload them as a new file.',
      };
    }
    case 'REJECTED':
      return { verdict: 'REJECTED', reason: `Nothing was sent: ${ingestion.error ?? 'CaptureRejectedError'}: ${causeText(ingestion.cause) ?? ''}`.trim() + quarantine, hint: HINTS.CaptureRejectedError };
    case 'FAILED': {
      const error = ingestion.error ?? path?.end?.error ?? 'Error';
      return { verdict: 'FAILED', reason: `Not delivered: ${error}: ${causeText(ingestion.cause) ?? path?.end?.cause ?? ''}`.trim(), hint: HINTS[error] };
    }
    default: {
      const error = path?.end?.error;
      return {
        verdict: execution?.status === 'SUCCEEDED' ? 'DELIVERED' : 'UNKNOWN',
        reason: `Execution ${execution?.status ?? 'unknown'} without an ingestion record${error ? `; it ended with ${error}: ${path?.end?.cause ?? ''}` : ''}.`,
        ...(error && HINTS[error] ? { hint: HINTS[error] } : {}),
      };
    }
  }
}

/** The recorded cause of a Lambda error is the runtime's JSON; people read its errorMessage. */
function causeText(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // as written
  }
  return cause;
}
