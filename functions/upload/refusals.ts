import type { ArthurFailure, UploadCaptureResult } from '../../src/arthur/api.js';
import { isAlreadyExistsMessage } from '../../src/arthur/response.js';
import type { PartIndex } from './part-index.js';

/** Partner IDs named in the ingestion record per part: bounded so a part's map stays small in the workflow state. */
export const REFUSED_IDS_KEPT = 100;
const REFUSED_IDS_CHARS = 4_000;
const MESSAGES_KEPT = 5;
const MESSAGE_CHARS = 200;

/** Arthur's refusals of one part, for the ingestion record: IDs and messages, never a payload. */
export interface Refused {
  /** Failures Arthur reported (less those counted as already present). */
  count: number;
  /** The first refused partner IDs (at most 100, and at most ~4 KB of them). */
  ids: string[];
  /** Failures that could not be traced to a partner ID (a record-level failure, an unknown eventId…). */
  unnamed: number;
  /** Arthur's distinct messages, the first few, truncated. */
  messages: string[];
}

/** Each failure, traced to its partner ID where the answer and the part allow. */
export function partnerIdsOf(result: UploadCaptureResult, index: PartIndex | undefined): Array<{ failure: ArthurFailure; id?: string }> {
  const flat = result.shape === 'generic' && index && result.resultsListed === index.inferences ? index.allIds() : undefined;
  return result.failures.map((failure) => ({ failure, id: traced(failure, index, flat) }));
}

function traced(failure: ArthurFailure, index: PartIndex | undefined, flat: string[] | undefined): string | undefined {
  if (failure.partnerInferenceId) return failure.partnerInferenceId;
  if (failure.position !== undefined) return flat?.[failure.position];
  if (failure.eventId === undefined || !index) return undefined;
  const ids = index.record(failure.eventId)?.partnerInferenceIds;
  if (!ids) return undefined;
  if (failure.indexInEvent !== undefined) return ids[failure.indexInEvent];
  return ids.length === 1 ? ids[0] : undefined;
}

/**
 * Splits Arthur's failures into refusals and inferences already present: an ID the lookup found held before the
 * send (`held`), or — where the lookup could not answer, on a retried attempt only — one Arthur refused with an
 * "already exists" message (`byMessage`).
 */
export function classify(
  traced: Array<{ failure: ArthurFailure; id?: string }>,
  options: { held?: ReadonlySet<string>; byMessage: boolean },
): { present: number; refused: Refused } {
  const refused: Refused = { count: 0, ids: [], unnamed: 0, messages: [] };
  let present = 0;
  let chars = 0;
  for (const { failure, id } of traced) {
    const already = id !== undefined && (options.held?.has(id) || (options.byMessage && isAlreadyExistsMessage(failure.message)));
    if (already) {
      present++;
      continue;
    }
    refused.count++;
    if (id === undefined) refused.unnamed++;
    else if (refused.ids.length < REFUSED_IDS_KEPT && chars + id.length <= REFUSED_IDS_CHARS) {
      refused.ids.push(id);
      chars += id.length + 3;
    }
    const message = failure.message.slice(0, MESSAGE_CHARS);
    if (message && refused.messages.length < MESSAGES_KEPT && !refused.messages.includes(message)) refused.messages.push(message);
  }
  return { present, refused };
}

/**
 * Arthur's counts against what was sent: `total` should be the inferences sent, `success + failure` the total,
 * and the failures listed (when the list was read whole) `failure`. Anything else is said, never silently trusted.
 */
export function checkCounts(result: UploadCaptureResult, sent: number, listCapped: boolean): string {
  const counts = result.counts;
  if (!counts) return 'no counts';
  const problems: string[] = [];
  if (counts.total !== sent) problems.push(`total ${counts.total} for ${sent} inferences sent`);
  if (counts.success + counts.failure !== counts.total) problems.push(`success ${counts.success} + failure ${counts.failure} ≠ total ${counts.total}`);
  const listed = result.shape === 'sagemaker' || result.shape === 'generic';
  if (listed && !listCapped && result.failuresListed !== counts.failure) problems.push(`${result.failuresListed} failures listed for failure ${counts.failure}`);
  return problems.length === 0 ? 'ok' : `mismatch: ${problems.join('; ')}`;
}
