import { createHash } from 'node:crypto';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CaptureNormalizer, PartSplitter, type PartBody, type PartLimits } from '../../src/capture/index.js';
import type { Part, ValidationResult, WorkflowInput } from '../../src/contracts.js';
import { CaptureRejectedError, CaptureUnreadableError, ConfigurationError, StorageUnavailableError } from '../../src/errors.js';
import { MAX_PARTS } from '../../src/parts/manifest.js';
import type { OpenObject } from '../../src/aws/object-source.js';
import type { ArtifactUpload, OpenArtifactUpload, PutArtifact } from '../../src/aws/artifact-store.js';
import { noMetrics, type LogFn, type MetricsSink } from '../../src/observability/telemetry.js';

export interface ValidateDeps {
  openObject: OpenObject;
  putArtifact: PutArtifact;
  /**
   * Streams the quarantine object in bounded memory (a multipart upload of 5 MiB parts). Absent: the rejected
   * records are held in memory and written with putArtifact at the end.
   */
  openArtifactUpload?: OpenArtifactUpload;
  artifactsBucket: string;
  limits: PartLimits;
  /** Structured log, already carrying the file's correlation fields (the handler adds them). */
  log?: LogFn;
  /** InferencesValidated / InferencesRejected per model. */
  metrics?: MetricsSink;
  /** Raised at the function's own deadline (middy's, before Lambda's): reading stops, the quarantine upload is aborted. */
  signal?: AbortSignal;
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
  let etag: string | undefined;
  try {
    ({ body, etag } = await deps.openObject({ bucket: input.bucket, key: input.key, versionId: input.versionId }));
  } catch (err) {
    // A GetObject that S3 failed past the SDK's retries (503 SlowDown, 500, a reset) is retried by the workflow
    // like a failure mid-read; a missing or forbidden object stays CaptureUnreadableError (tests/reliability).
    throw storageError(err, `opening s3://${input.bucket}/${input.key}`);
  }
  stopAtDeadline(body, deps.signal);
  const base = artifactBase(input);
  const normalizer = new CaptureNormalizer({ output: 'records', maxErrors: ERROR_SAMPLE });
  const quarantineAt = `${base}/${fileName(input.key)}.rejected.jsonl`;
  let quarantineKey: string | undefined = quarantineAt;
  const quarantine = new QuarantineWriter(normalizer.rejected, () => openQuarantine(deps, quarantineAt));
  // Parts stay in memory only while it is unknown whether the original object can be sent as it is; once a file
  // proves too big for one part, each finished part is written as soon as it is complete.
  const held: PartBody[] = [];
  const parts: Part[] = [];
  let streaming = false;
  const storePart = async (part: PartBody): Promise<void> => {
    assertPartBudget(part.index, deps.limits, input);
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
    await Promise.all([pipeline(body, quarantine.gate(), normalizer, new PartSplitter(deps.limits), sink), quarantine.drained]);
  } catch (err) {
    await quarantine.abort();
    throw storageError(err, `reading s3://${input.bucket}/${input.key}, writing its parts or its quarantine to s3://${deps.artifactsBucket}`);
  }
  const report = normalizer.report();
  try {
    if (!(await quarantine.complete())) quarantineKey = undefined;
  } catch (err) {
    await quarantine.abort();
    throw storageError(err, `writing the quarantine object s3://${deps.artifactsBucket}/${quarantineKey}`);
  }
  const result: ValidationResult = {
    parts,
    records: report.records,
    inferences: report.inferences,
    rejected: report.rejected,
    normalized: report.normalized,
    ...(quarantineKey ? { quarantineBucket: deps.artifactsBucket, quarantineKey } : {}),
    ...(report.errors.length > 0 ? { errorSample: report.errors.slice(0, ERROR_SAMPLE) } : {}),
    ...(etag ? { etag } : {}),
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
 * Stops a file that would need more parts than one execution can carry (MAX_PARTS: Step Functions' history
 * quota), before it writes them: a ConfigurationError, recorded FAILED with what to change, never retried.
 */
export function assertPartBudget(index: number, limits: PartLimits, input: Pick<WorkflowInput, 'bucket' | 'key'>): void {
  if (index < MAX_PARTS) return;
  throw new ConfigurationError(
    `s3://${input.bucket}/${input.key} needs more than ${MAX_PARTS} parts at maxPartRecords=${limits.maxRecords}, ` +
      `maxPartBytes=${limits.maxBytes}: one execution's history holds ${MAX_PARTS} (Step Functions quota of 25,000 ` +
      'events). Deploy with larger --param maxPartRecords / maxPartBytes and replay the file; nothing was sent.',
  );
}

/** Ends the read at the deadline: the pipeline then fails, and what it was writing is aborted, not left half-done. */
export function stopAtDeadline(body: Readable, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const stop = () => body.destroy(new Error('the validate function reached its deadline'));
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
}

/** The quarantine's upload: streamed when the deps can, else held in memory and put at the end. */
function openQuarantine(deps: ValidateDeps, key: string): ArtifactUpload {
  if (deps.openArtifactUpload) return deps.openArtifactUpload(key, 'application/jsonl');
  const chunks: Buffer[] = [];
  return {
    write: async (chunk) => void chunks.push(chunk),
    complete: () => deps.putArtifact(key, Buffer.concat(chunks), 'application/jsonl'),
    abort: async () => void chunks.splice(0),
  };
}

/**
 * Reads the normalizer's rejected records into the quarantine upload, opened at the first record, pausing the
 * stream while a part uploads, so memory holds at most a part and what arrives meanwhile.
 */
class QuarantineWriter {
  private upload: ArtifactUpload | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Settles when every rejected record has been handed to the upload (rejects if an upload failed). */
  readonly drained: Promise<void>;

  /**
   * A pass-through for the capture's bytes that holds each chunk while a quarantine write is in flight: the
   * normalizer does not wait for its rejected stream, so this is what keeps a slow upload from piling records up.
   */
  gate(): Transform {
    return new Transform({
      transform: (chunk, _encoding, done) => {
        this.writing.then(
          () => done(null, chunk),
          () => done(null, chunk),
        );
      },
    });
  }

  constructor(rejected: Readable, open: () => ArtifactUpload) {
    this.drained = new Promise<void>((resolve, reject) => {
      rejected.on('data', (chunk: Buffer) => {
        this.upload ??= open();
        const upload = this.upload;
        rejected.pause();
        this.writing = this.writing.then(() => upload.write(chunk)).then(
          () => void rejected.resume(),
          (err: unknown) => {
            rejected.destroy();
            reject(err);
          },
        );
      });
      rejected.once('end', () => void this.writing.then(resolve, reject));
      rejected.once('close', () => void this.writing.then(resolve, reject));
      rejected.once('error', reject);
    });
    // A pipeline failure is reported by the pipeline; this promise must not become an unhandled rejection.
    this.drained.catch(() => undefined);
  }

  /** Completes the upload; false when there was nothing to quarantine. */
  async complete(): Promise<boolean> {
    if (!this.upload) return false;
    await this.upload.complete();
    return true;
  }

  async abort(): Promise<void> {
    await this.upload?.abort();
  }
}

/**
 * A failure while bytes were moving is worth retrying (the workflow does, by this name); one the store answered
 * as permanent keeps its own name. The capture core never throws for bad content, so nothing else lands here.
 */
export function storageError(err: unknown, doing: string): Error {
  if (err instanceof CaptureUnreadableError || err instanceof StorageUnavailableError || err instanceof ConfigurationError) return err;
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
