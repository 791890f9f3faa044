/**
 * ValidateCapture for a ground-truth mapping (docs/ground-truth.md, wiring step 3): the label file is streamed
 * through the GroundTruthBatcher, each batch of Arthur ground-truth items written as a part in the artifacts
 * bucket, the rejected records (with their reasons) as the quarantine object, in the capture quarantine's shape.
 * A label file is always converted (Arthur takes a JSON list, not the JSONL file), never sent as it is.
 */
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GroundTruthBatcher, groundTruthTimestamp, type GroundTruthBatch } from '../../src/capture/index.js';
import type { Part, ValidationResult, WorkflowInput } from '../../src/contracts.js';
import { CaptureRejectedError, ConfigurationError } from '../../src/errors.js';
import { noMetrics } from '../../src/observability/telemetry.js';
import { artifactBase, assertPartBudget, fileName, stopAtDeadline, storageError, type ValidateDeps } from './validate-capture.js';

/** How many rejection reasons travel in the workflow state; the quarantine object holds them all. */
const ERROR_SAMPLE = 5;

/**
 * Checks and batches one ground-truth label file. No valid label → CaptureRejectedError after the quarantine is
 * written (REJECTED, as for captures); a capture file under a ground-truth mapping is rejected this way, every
 * record WRONG_RECORD_KIND.
 * @example
 * const result = await validateGroundTruth({ ...input, kind: 'groundTruth', groundTruthAttributes: ['label'] }, deps);
 * result.parts; // [{ bucket: artifacts, key: '…/gt-00000.json', index: 0, records: 0, inferences: 2, bytes }]
 */
export async function validateGroundTruth(input: WorkflowInput, deps: ValidateDeps): Promise<ValidationResult> {
  const attributes = input.groundTruthAttributes ?? [];
  if (attributes.length === 0) {
    throw new ConfigurationError(`the ground-truth mapping ${input.mappingPrefix} names no groundTruthAttributes; put it again with --ground-truth ATTR…`);
  }
  let opened: Awaited<ReturnType<ValidateDeps['openObject']>>;
  try {
    opened = await deps.openObject({ bucket: input.bucket, key: input.key, versionId: input.versionId });
  } catch (err) {
    throw storageError(err, `opening s3://${input.bucket}/${input.key}`);
  }
  stopAtDeadline(opened.body, deps.signal);
  const base = artifactBase(input);
  const batcher = new GroundTruthBatcher({
    attributes,
    groundTruthTimestamp: groundTruthTimestamp(input.key, opened.lastModified ?? new Date()),
    maxErrors: ERROR_SAMPLE,
  });
  const quarantine: Buffer[] = [];
  batcher.rejected.on('data', (chunk: Buffer) => quarantine.push(chunk));
  const parts: Part[] = [];
  const sink = new Writable({
    objectMode: true,
    write(batch: GroundTruthBatch, _enc, done) {
      try {
        assertPartBudget(batch.index, deps.limits, input);
      } catch (err) {
        return done(err as Error);
      }
      const key = `${base}/ground-truth-${String(batch.index).padStart(5, '0')}.json`;
      deps.putArtifact(key, batch.body, 'application/json').then(() => {
        parts.push({ bucket: deps.artifactsBucket, key, index: batch.index, records: 0, inferences: batch.items, bytes: batch.bytes });
        done();
      }, done);
    },
  });
  try {
    await pipeline(opened.body as Readable, batcher, sink);
  } catch (err) {
    throw storageError(err, `reading s3://${input.bucket}/${input.key} or writing its ground-truth batches to s3://${deps.artifactsBucket}`);
  }
  const report = batcher.report();
  const quarantineKey = quarantine.length > 0 ? `${base}/${fileName(input.key)}.rejected.jsonl` : undefined;
  if (quarantineKey) {
    try {
      await deps.putArtifact(quarantineKey, Buffer.concat(quarantine), 'application/jsonl');
    } catch (err) {
      throw storageError(err, `writing the quarantine object s3://${deps.artifactsBucket}/${quarantineKey}`);
    }
  }
  const metrics = deps.metrics ?? noMetrics;
  // The capture metrics, counting labels and label records: one dashboard per model for both kinds.
  metrics.add('InferencesValidated', 'Count', report.labels, { ModelId: input.modelId });
  metrics.add('InferencesRejected', 'Count', report.rejected, { ModelId: input.modelId });
  const errorSample = report.errors.slice(0, ERROR_SAMPLE).map((e) => ({ line: e.line, code: e.code, message: e.message }));
  deps.log?.(report.labels === 0 || report.rejected > 0 ? 'warn' : 'info', report.labels === 0 ? 'ground truth rejected' : 'ground truth validated', {
    records: report.records,
    labels: report.labels,
    rejected: report.rejected,
    quarantineKey,
    errorSample: errorSample.map((e) => `line ${e.line} ${e.code}`),
  });
  if (report.labels === 0) {
    const reasons = errorSample.map((e) => `line ${e.line} ${e.code}: ${e.message}`).join('; ');
    const where = quarantineKey ? `; every record with its reason is in s3://${deps.artifactsBucket}/${quarantineKey}` : '';
    throw new CaptureRejectedError(
      `s3://${input.bucket}/${input.key} holds no ground-truth label Arthur can ingest (${report.records} records; ${reasons || 'EMPTY_FILE'})${where}`,
    );
  }
  parts.sort((a, b) => a.index - b.index);
  return {
    parts,
    records: report.records,
    inferences: report.labels,
    rejected: report.rejected,
    normalized: true,
    ...(quarantineKey ? { quarantineBucket: deps.artifactsBucket, quarantineKey } : {}),
    ...(errorSample.length > 0 ? { errorSample } : {}),
    ...(opened.etag ? { etag: opened.etag } : {}),
  };
}
