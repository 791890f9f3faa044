import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CaptureNormalizer, PartSplitter, type PartBody, type PartLimits } from '../../src/capture/index.js';
import type { Part, ValidationResult, WorkflowInput } from '../../src/contracts.js';
import { CaptureRejectedError, CaptureUnreadableError, StorageUnavailableError } from '../../src/errors.js';
import type { OpenObject } from '../../src/aws/object-source.js';
import type { PutArtifact } from '../../src/aws/artifact-store.js';
import { noMetrics, type LogFn, type MetricsSink } from '../../src/observability/telemetry.js';

export interface ValidateDeps {
  openObject: OpenObject;
  putArtifact: PutArtifact;
  artifactsBucket: string;
  limits: PartLimits;
  /** Structured log, already carrying the file's correlation fields (the handler adds them). */
  log?: LogFn;
  /** InferencesValidated / InferencesRejected per model. */
  metrics?: MetricsSink;
}

/** How many rejection reasons travel in the workflow state; the quarantine object holds them all. */
const ERROR_SAMPLE = 5;

/**
 * ValidateCapture: streams the capture object through the capture core and decides what will be uploaded.
 *
 * A clean file within the part limits is uploaded as it is (its one part is the original object, no copy). Any
 * other file gets normalized parts of whole records in the artifacts bucket, and its rejected records, with their
 * reasons, in a quarantine object there. A file with no valid inference throws CaptureRejectedError, after the
 * quarantine is written, so the workflow records REJECTED with a pointer to the reasons.
 */
export async function validateCapture(input: WorkflowInput, deps: ValidateDeps): Promise<ValidationResult> {
  let body: Readable;
  try {
    ({ body } = await deps.openObject({ bucket: input.bucket, key: input.key, versionId: input.versionId }));
  } catch (err) {
    // A GetObject that S3 failed past the SDK's retries (503 SlowDown, 500, a reset) is retried by the workflow
    // like a failure mid-read; a missing or forbidden object stays CaptureUnreadableError (tests/reliability).
    throw storageError(err, `opening s3://${input.bucket}/${input.key}`);
  }
  const base = artifactBase(input);
  const normalizer = new CaptureNormalizer({ output: 'records', maxErrors: ERROR_SAMPLE });
  const quarantine: Buffer[] = [];
  normalizer.rejected.on('data', (chunk: Buffer) => quarantine.push(chunk));

  // Parts stay in memory only while it is unknown whether the original object can be sent as it is; once a file
  // proves too big for one part, each finished part is written as soon as it is complete.
  const held: PartBody[] = [];
  const parts: Part[] = [];
  let streaming = false;
  const storePart = async (part: PartBody): Promise<void> => {
    const key = `${base}/part-${String(part.index).padStart(5, '0')}.jsonl`;
    await deps.putArtifact(key, part.body, 'application/jsonl');
    parts.push({ bucket: deps.artifactsBucket, key, index: part.index, records: part.records, inferences: part.inferences, bytes: part.bytes });
  };
  const sink = new Writable({
    objectMode: true,
    write(part: PartBody, _enc, done) {
      if (!streaming && part.index === 0) {
        held.push(part);
        return done();
      }
      streaming = true;
      const pending = held.splice(0).map((p) => storePart(p));
      Promise.all(pending)
        .then(() => storePart(part))
        .then(() => done(), done);
    },
  });
  try {
    await pipeline(body, normalizer, new PartSplitter(deps.limits), sink);
  } catch (err) {
    throw storageError(err, `reading s3://${input.bucket}/${input.key} or writing its parts to s3://${deps.artifactsBucket}`);
  }
  const report = normalizer.report();

  let quarantineKey: string | undefined;
  if (quarantine.length > 0) {
    quarantineKey = `${base}/${fileName(input.key)}.rejected.jsonl`;
    try {
      await deps.putArtifact(quarantineKey, Buffer.concat(quarantine), 'application/jsonl');
    } catch (err) {
      throw storageError(err, `writing the quarantine object s3://${deps.artifactsBucket}/${quarantineKey}`);
    }
  }
  const result: ValidationResult = {
    parts,
    records: report.records,
    inferences: report.inferences,
    rejected: report.rejected,
    normalized: report.normalized,
    ...(quarantineKey ? { quarantineBucket: deps.artifactsBucket, quarantineKey } : {}),
    ...(report.errors.length > 0 ? { errorSample: report.errors.slice(0, ERROR_SAMPLE) } : {}),
  };
  const metrics = deps.metrics ?? noMetrics;
  // ModelId: one series per mapped model (bounded by the mappings table); keys would be unbounded.
  metrics.add('InferencesValidated', 'Count', report.inferences, { ModelId: input.modelId });
  metrics.add('InferencesRejected', 'Count', report.rejected, { ModelId: input.modelId });
  deps.log?.(report.inferences === 0 || report.rejected > 0 ? 'warn' : 'info', report.inferences === 0 ? 'capture rejected' : 'capture validated', {
    records: report.records,
    inferences: report.inferences,
    rejected: report.rejected,
    normalized: report.normalized,
    quarantineKey,
    errorSample: report.errors.slice(0, ERROR_SAMPLE).map((e) => `line ${e.line} ${e.code}`),
  });
  if (report.inferences === 0) {
    const reasons = report.errors.map((e) => `line ${e.line} ${e.code}`).join(', ');
    const where = quarantineKey ? `; every record with its reason is in s3://${deps.artifactsBucket}/${quarantineKey}` : '';
    throw new CaptureRejectedError(`s3://${input.bucket}/${input.key} holds no inference Arthur can ingest (${report.records} records; ${reasons})${where}`);
  }

  const clean = report.rejected === 0 && !report.normalized;
  if (!streaming && held.length === 1 && clean) {
    const only = held[0];
    result.parts = [
      { bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}), index: 0, records: only.records, inferences: only.inferences, bytes: only.bytes },
    ];
  } else {
    try {
      for (const part of held.splice(0)) await storePart(part);
    } catch (err) {
      throw storageError(err, `writing parts to s3://${deps.artifactsBucket}`);
    }
  }
  result.parts.sort((a, b) => a.index - b.index);
  return result;
}

/**
 * A failure while bytes were moving is worth retrying (the workflow does, by this name); one the store answered
 * as permanent keeps its own name. The capture core never throws for bad content, so nothing else lands here.
 */
export function storageError(err: unknown, doing: string): Error {
  if (err instanceof CaptureUnreadableError || err instanceof StorageUnavailableError) return err;
  const name = (err as Error)?.name ?? 'Error';
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status === 403 || name === 'AccessDenied' || name === 'NoSuchBucket') {
    return new CaptureUnreadableError(`S3 refused ${doing}: ${name}; check the validate function's role and the bucket names`, { cause: err });
  }
  return new StorageUnavailableError(`S3 failed while ${doing}: ${name}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * Where a capture's artifacts go: by model, then the capture's own path (readable in the console), then a hash of
 * bucket, key and ETag so that another version of the same key never mixes with this one. Keys with `..`, control
 * characters or huge segments are neutralised: they can neither escape the prefix nor exceed S3's key length.
 */
export function artifactBase(input: Pick<WorkflowInput, 'bucket' | 'key' | 'etag' | 'modelId' | 'versionId'>): string {
  const digest = createHash('sha256').update(`${input.bucket}\n${input.key}\n${input.etag ?? input.versionId ?? ''}`).digest('hex').slice(0, 16);
  const readable = input.key
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map((s) => s.replace(/[^\w.=-]+/g, '_').slice(0, 64))
    .join('/')
    .slice(0, 400);
  const model = input.modelId.replace(/[^\w-]+/g, '_').slice(0, 64);
  return `captures/${model}/${readable || 'capture'}/${digest}`;
}

export function fileName(key: string): string {
  const last = key.split('/').pop() ?? 'capture';
  return (last.replace(/\.jsonl$/, '').replace(/[^\w.=-]+/g, '_') || 'capture').slice(0, 100);
}
