/**
 * The ValidateCapture task as the workflow sees it: skip what the ledger records as delivered, validate the file
 * (a capture or a ground-truth label file), write its part manifest, and return counts and references only.
 */
import type { PutArtifact } from '../../src/aws/artifact-store.js';
import type { ValidationResult, ValidationSummary, WorkflowInput } from '../../src/contracts.js';
import { StorageUnavailableError } from '../../src/errors.js';
import { encodeManifest, manifestKeyOf, partIndexes } from '../../src/parts/manifest.js';
import { type IngestionLedger, isDelivered, type LedgerEntry, ledgerKey } from '../../src/routing/ingestion-ledger.js';
import { executionName } from '../../src/routing/execution-name.js';
import { artifactBase, storageError, validateCapture, type ValidateDeps } from './validate-capture.js';
import { validateGroundTruth } from './validate-ground-truth.js';

export interface ValidateFileDeps extends ValidateDeps {
  /** The ingestions table read as the ledger; absent, nothing is skipped (Step Functions' names are then the only guard). */
  ledger?: IngestionLedger;
}

/**
 * @example
 * const summary = await validateFile(input, deps);
 * summary.partIndexes; // [0, 1, 2]: the Map's items; the parts themselves are in s3://{manifest.bucket}/{manifest.key}
 */
export async function validateFile(input: WorkflowInput, deps: ValidateFileDeps): Promise<ValidationSummary> {
  const base = artifactBase(input);
  const manifestAt = { bucket: deps.artifactsBucket, key: manifestKeyOf(base) };
  const delivered = await deliveredBefore(input, deps);
  if (delivered) {
    deps.log?.('info', 'already delivered: the ledger records this object version, nothing is read or sent', { ...delivered });
    return { records: 0, inferences: 0, rejected: 0, normalized: false, partCount: 0, partIndexes: [], manifest: { ...manifestAt, lineBytes: 0 }, etag: input.etag ?? '', alreadyDelivered: delivered };
  }
  const result = await (input.kind === 'groundTruth' ? validateGroundTruth : validateCapture)(input, deps);
  const lineBytes = await writeManifest(result, manifestAt.key, deps.putArtifact);
  return summarize(result, { ...manifestAt, lineBytes }, input);
}

/**
 * The ledger's record of this very object version, when it says delivered (UPLOADED or PARTIAL, same ETag) by an
 * execution that is not this one's predecessor under a reused name… or by it: either way Arthur has the file.
 * A forced replay asks to send again and is not stopped here.
 */
async function deliveredBefore(input: WorkflowInput, deps: ValidateFileDeps): Promise<ValidationSummary['alreadyDelivered']> {
  if (!deps.ledger || input.forced) return undefined;
  const objectKey = ledgerKey(input);
  let entry: LedgerEntry | undefined;
  try {
    entry = (await deps.ledger.lookup([objectKey])).get(objectKey);
  } catch (err) {
    // Retried by the workflow (StorageUnavailableError): deciding without the ledger could send a file twice.
    throw new StorageUnavailableError(`reading the ingestions table for ${objectKey} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const name = executionName({ bucket: input.bucket, key: input.key, etag: input.etag, versionId: input.versionId });
  if (!entry || !isDelivered(entry, { etag: input.etag, versionId: input.versionId, executionName: name })) return undefined;
  return { status: entry.status, ...(entry.executionName ? { executionName: entry.executionName } : {}) };
}

async function writeManifest(result: ValidationResult, key: string, put: PutArtifact): Promise<number> {
  const { body, lineBytes } = encodeManifest(result.parts);
  try {
    await put(key, body, 'application/jsonl');
  } catch (err) {
    throw storageError(err, `writing the part manifest ${key}`);
  }
  return lineBytes;
}

function summarize(result: ValidationResult, manifest: ValidationSummary['manifest'], input: WorkflowInput): ValidationSummary {
  return {
    records: result.records,
    inferences: result.inferences,
    rejected: result.rejected,
    normalized: result.normalized,
    partCount: result.parts.length,
    partIndexes: partIndexes(result.parts.length),
    manifest,
    etag: result.etag ?? input.etag ?? '',
    ...(result.quarantineKey ? { quarantineBucket: result.quarantineBucket, quarantineKey: result.quarantineKey } : {}),
    ...(result.errorSample ? { errorSample: result.errorSample } : {}),
  };
}
