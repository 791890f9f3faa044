/**
 * UploadPart for a ground-truth batch (docs/ground-truth.md, wiring step 5): the part is one JSON list of Arthur
 * ground-truth items (GroundTruthBatcher: ≤ 1,000 items, ≤ 1 MiB, or one larger item alone), read whole and
 * PATCHed to `{host}/api/v3/models/{id}/inferences`. The answer becomes the same UploadPartResult as a capture
 * part's, so the Map, CheckOutcome and the ingestion record need nothing new: a refused label makes the file
 * PARTIAL with its partner ID in the part's refusedIds.
 *
 * A ground-truth update is idempotent (a retried batch relabels the same IDs with the same values), so no lookup
 * before a re-send: every attempt sends the whole batch, and `alreadyPresent` is always 0.
 */
import type { Readable } from 'node:stream';
import type { ArthurTarget } from '../../src/arthur/api.js';
import type { GroundTruthApi } from '../../src/arthur/ground-truth-api.js';
import { FAILURE_SAMPLE_SIZE } from '../../src/arthur/response.js';
import type { GroundTruthItem } from '../../src/capture/index.js';
import type { Part, UploadPartResult } from '../../src/contracts.js';
import { ConfigurationError, StorageUnavailableError } from '../../src/errors.js';
import type { LogFn } from '../../src/observability/telemetry.js';
import { classify } from './refusals.js';

/** A batch is at most 1 MiB unless it is one oversized item; more than this is not a batch ValidateCapture wrote. */
const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export interface UploadGroundTruthDeps {
  groundTruth?: GroundTruthApi;
  log?: LogFn;
}

/**
 * PATCHes one ground-truth batch and reports Arthur's answer as the part's outcome.
 * @example
 * const { result } = await uploadGroundTruth(part, body, target, { groundTruth: new HttpGroundTruthApi() });
 * result.refused.ids; // partner IDs Arthur refused, e.g. ['never-captured']
 */
export async function uploadGroundTruth(
  part: Part,
  body: Readable,
  target: ArthurTarget,
  deps: UploadGroundTruthDeps,
): Promise<{ result: UploadPartResult; durationMs: number }> {
  if (!deps.groundTruth) throw new ConfigurationError('UploadPart has no ground-truth client (buildUploadDeps builds one); a ground-truth part cannot be sent.');
  const items = await readItems(part, body);
  const answer = await deps.groundTruth.updateGroundTruth({ ...target, items });
  const traced = answer.refused.map((r) => ({ failure: { message: r.message, status: r.status }, id: r.partnerInferenceId }));
  const { refused } = classify(traced, { byMessage: false });
  refused.count += answer.unattributed;
  refused.unnamed += answer.unattributed;
  if (answer.discrepancies.length > 0) {
    deps.log?.('warn', "arthur's ground-truth answer disagrees with itself or the batch", { key: part.key, partIndex: part.index, discrepancies: answer.discrepancies });
  }
  const failureSample = answer.refused
    .slice(0, FAILURE_SAMPLE_SIZE)
    .map((r) => ({ partner_inference_id: r.partnerInferenceId, status: r.status, message: r.message }));
  const result: UploadPartResult = {
    partIndex: part.index,
    status: answer.status,
    inferences: items.length,
    success: answer.accepted,
    failure: refused.count,
    alreadyPresent: 0,
    total: items.length,
    refused,
    lookup: 'not needed',
    countsCheck: answer.discrepancies.length === 0 ? (answer.counts ? 'ok' : 'no counts') : `mismatch: ${answer.discrepancies.join('; ')}`,
    ...(failureSample.length > 0 ? { failureSample } : {}),
  };
  deps.log?.(result.failure > 0 ? 'warn' : 'info', result.failure > 0 ? 'arthur took the ground truth with refusals' : 'arthur took the ground truth', {
    key: part.key,
    partIndex: part.index,
    status: result.status,
    labels: items.length,
    success: result.success,
    failure: result.failure,
    refusedIds: refused.ids.slice(0, 10),
    bytes: answer.bytesSent,
    durationMs: answer.durationMs,
  });
  return { result, durationMs: answer.durationMs };
}

/** The batch as ValidateCapture wrote it: a JSON list of items. Anything else is a definition bug, not Arthur's. */
async function readItems(part: Part, body: Readable): Promise<GroundTruthItem[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BATCH_BYTES) {
        body.destroy();
        throw new ConfigurationError(`The ground-truth part s3://${part.bucket}/${part.key} exceeds ${MAX_BATCH_BYTES} bytes: it is no batch ValidateCapture wrote.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new StorageUnavailableError(`Reading the ground-truth part s3://${part.bucket}/${part.key} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let items: unknown;
  try {
    items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ConfigurationError(`The ground-truth part s3://${part.bucket}/${part.key} is not JSON: it is no batch ValidateCapture wrote.`, { cause: err });
  }
  if (!Array.isArray(items) || items.length === 0) {
    throw new ConfigurationError(`The ground-truth part s3://${part.bucket}/${part.key} is not a non-empty JSON list of items.`);
  }
  return items as GroundTruthItem[];
}
