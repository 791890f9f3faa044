/**
 * Shapes that cross a boundary: the router → the workflow, the workflow's states → their Lambda tasks, and the
 * DynamoDB items. statemachines/ingest.asl.yml builds and reads exactly these.
 */

/** The input of one ingest execution, started by the router (or a replay) for one capture object. */
export interface WorkflowInput {
  bucket: string;
  /** Decoded object key (as stored, not URL-encoded). */
  key: string;
  versionId?: string;
  etag?: string;
  size: number;
  modelId: string;
  /** The mapping prefix that matched the key (normalized, ends with '/'). */
  mappingPrefix: string;
  /** Per-mapping override of the stack's Arthur host. */
  arthurHost?: string;
  /** Per-mapping override of the stack's token secret. */
  tokenSecretArn?: string;
  /** Per-mapping Arthur organization ID (a UUID), sent as `Arthur-Organization-ID`; else the stack's. */
  organizationId?: string;
  /**
   * Only for a ground-truth mapping (docs/ground-truth.md): the file holds Model Monitor label records, checked,
   * batched and PATCHed as ground truth. Absent for captures, so a capture execution's input does not change.
   */
  kind?: 'groundTruth';
  /** The mapping's ground-truth attribute names, in order; present exactly when `kind` is `groundTruth`. */
  groundTruthAttributes?: string[];
  /**
   * Set by a forced replay or backfill (`force`, a `…-r{replayId}` name): send the object again even though the
   * ledger records it as delivered. Absent otherwise, so the router's executions keep their input.
   */
  forced?: true;
}

/** What a mapping routes: capture files (the default) or Model Monitor ground-truth label files. */
export type MappingKind = 'capture' | 'groundTruth';

/** One upload unit: the original object when it is clean and small, else a normalized part in the artifacts bucket. */
export interface Part {
  bucket: string;
  key: string;
  versionId?: string;
  /** 0-based position among the file's parts. */
  index: number;
  records: number;
  inferences: number;
  bytes: number;
}

/**
 * What the validators produce inside the validate function: the parts themselves. The workflow never carries this
 * list (a file of many parts would exceed Step Functions' 256 KiB state limit): the function writes it to a part
 * manifest in S3 and returns a {@link ValidationSummary}.
 */
export interface ValidationResult {
  /** At least one part whenever `inferences` > 0. */
  parts: Part[];
  records: number;
  inferences: number;
  rejected: number;
  normalized: boolean;
  /** Where rejected records went, with their reasons, when there were any. */
  quarantineBucket?: string;
  quarantineKey?: string;
  /** The first few rejection reasons, for the ingestion record (full list in the quarantine object). */
  errorSample?: Array<{ line: number; code: string; message: string }>;
  /** The ETag of the object version that was read (S3's GetObject answer), for the ingestion record. */
  etag?: string;
}

/**
 * Where a file's part list lives: a manifest object of fixed-width JSON lines (src/parts/manifest.ts), line `i`
 * describing part `i`, so UploadPart reads its own part with one ranged GET whatever the part count.
 */
export interface PartManifestRef {
  bucket: string;
  key: string;
  /** Bytes per line, newline included: part `i` is bytes `i·lineBytes … (i+1)·lineBytes − 1`. */
  lineBytes: number;
}

/**
 * What ValidateCapture returns (kept at `$.validation`): counts and references only, never the part list. Its size
 * grows by a few bytes per part (`partIndexes`), bounded by MAX_PARTS (src/parts/manifest.ts).
 */
export interface ValidationSummary {
  records: number;
  inferences: number;
  rejected: number;
  normalized: boolean;
  partCount: number;
  /** `[0, 1, …, partCount − 1]`: what the Map iterates over (ASL has no range over a count above 1,000 items). */
  partIndexes: number[];
  manifest: PartManifestRef;
  /** The ETag of the object version read ('' when S3 gave none): the ingestion record's idempotency key. */
  etag: string;
  quarantineBucket?: string;
  quarantineKey?: string;
  errorSample?: Array<{ line: number; code: string; message: string }>;
  /**
   * Set, with nothing read and no part, when the ledger already records this object version as delivered by
   * another execution (Step Functions forgot that execution's name and let it be reused): the workflow ends there.
   */
  alreadyDelivered?: { status: string; executionName?: string };
}

/**
 * The event of the UploadPart task: one index of the Map, the manifest it reads its part from, the execution input,
 * and which attempt this is.
 */
export interface UploadPartEvent {
  /** The part's 0-based index (`$$.Map.Item.Value` over `partIndexes`). */
  index: number;
  manifest: PartManifestRef;
  request: WorkflowInput;
  /**
   * `$$.State.RetryCount` of the UploadPart state: 0 on the first attempt, n on the n-th retry. Absent is read as
   * 0. It decides what Arthur's "already exists" means for the part's own IDs (see `UploadPartResult.alreadyPresent`).
   */
  retryCount?: number;
}

/** What UploadPart returns for one part: Arthur's counts (partial failures are recorded, not retried). */
export interface UploadPartResult {
  partIndex: number;
  status: number;
  inferences: number;
  /** Arthur's `{counts: {success, failure, total}}`; when Arthur sent none, success = inferences sent. */
  success: number;
  /** Arthur's failure count, less `alreadyPresent`. */
  failure: number;
  /**
   * On a retried attempt only: inferences Arthur already held — found by Arthur's lookup before the re-send (and then
   * not sent again), or refused by Arthur as "already exists" when the lookup could not answer. An earlier attempt of
   * this part delivered them and its answer was lost (a timeout, a reset). Delivered, not failed. Always 0 on a first
   * attempt, where "already exists" means another file carried the partner ID and stays a failure.
   * success + failure + alreadyPresent = total.
   */
  alreadyPresent: number;
  total: number;
  /**
   * Arthur's refusals, bounded (functions/upload/refusals.ts): the first 100 refused partner IDs, how many
   * could not be traced to one, and Arthur's distinct messages. Never a payload. Always present (count 0 when none).
   */
  refused: { count: number; ids: string[]; unnamed: number; messages: string[] };
  /**
   * What the lookup before a re-send said: `not needed` (a first attempt), `N of M held` (used), or why it could not
   * answer (`unavailable: …`, `unauthorized: …`) — then "already exists" messages decide, as before the lookup.
   */
  lookup: string;
  /** `ok`, `no counts`, or `mismatch: …`: Arthur's counts checked against what was sent. */
  countsCheck: string;
  /** A few failures from Arthur's answer, without the `alreadyPresent` ones (the ingestion record leaves them out). */
  failureSample?: unknown[];
}

/** An item of the mappings table (partition key `prefix`). */
export interface MappingItem {
  prefix: string;
  modelId: string;
  enabled: boolean;
  arthurHost?: string;
  tokenSecretArn?: string;
  /** Arthur organization ID (a UUID) sent as `Arthur-Organization-ID` for this mapping's uploads. */
  organizationId?: string;
  /** Absent = `capture` (items written before ground truth existed stay capture mappings). */
  kind?: MappingKind;
  /** The model's ground-truth attribute names, in order; set exactly when kind is `groundTruth`. */
  groundTruthAttributes?: string[];
  description?: string;
  createdAt: string;
  updatedAt: string;
  version?: number;
}

export type IngestionStatus = 'UPLOADED' | 'PARTIAL' | 'REJECTED' | 'FAILED';

/** What Arthur answered for one part, as items written before the part manifest recorded it in `IngestionItem.parts`. */
export interface PartOutcome {
  partIndex: number;
  httpStatus: number;
  inferences: number;
  success: number;
  failure: number;
  alreadyPresent?: number;
  total: number;
  refusedCount?: number;
  refusedIds?: string;
  arthurMessages?: string;
  lookup?: string;
  countsCheck?: string;
}

/**
 * An item of the ingestions table (partition key `objectKey` = `{bucket}/{key}`; GSI `byModel` on modelId +
 * updatedAt), written by the workflow's DynamoDB states (statemachines/ingest.asl.yml).
 *
 * UPLOADED/PARTIAL items carry records, inferences, rejected, partCount, partCounts, manifestBucket/manifestKey and
 * etag (+ quarantineKey when records were quarantined); REJECTED items carry error and cause (+ the counts and quarantineKey when validation returned
 * instead of throwing); FAILED items carry error and cause. A Lambda error's cause is the Lambda runtime's JSON
 * document `{errorType, errorMessage, trace}`.
 */
export interface IngestionItem {
  objectKey: string;
  status: IngestionStatus;
  modelId: string;
  /** The mapping prefix that routed the object (added by the workflow). */
  mappingPrefix?: string;
  executionName: string;
  records?: number;
  inferences?: number;
  rejected?: number;
  /** Number of parts uploaded (added by the workflow). */
  partCount?: number;
  /**
   * `[[failure, alreadyPresent], …]` by part index, as a JSON string: Arthur's refusals and the inferences an earlier
   * attempt had delivered. ASL has no sum over a list: a reader sums them (src/parts/part-counts.ts).
   */
  partCounts?: string;
  /** The part manifest; Arthur's full answer for part i is at outcomeKeyOf(manifestKey, i) (src/parts/manifest.ts). */
  manifestBucket?: string;
  manifestKey?: string;
  /** The ETag of the object version the workflow read: with objectKey, what the ledger says was delivered. */
  etag?: string;
  /** Items written before the part manifest: Arthur's answer per part, inline. */
  parts?: PartOutcome[];
  error?: string;
  cause?: string;
  quarantineKey?: string;
  /** When the execution started (added by the workflow). */
  startedAt?: string;
  updatedAt: string;
}
