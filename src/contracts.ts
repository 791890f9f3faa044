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

/** What ValidateCapture returns (kept at `$.validation`): references and counts only. */
export interface ValidationResult {
  /** At least one part whenever `inferences` > 0 (the workflow maps over them). */
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
}

/** The event of the UploadPart task: one item of the Map, plus the execution input, plus which attempt this is. */
export interface UploadPartEvent {
  part: Part;
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

/** What Arthur answered for one part, as the workflow records it in `IngestionItem.parts`. */
export interface PartOutcome {
  partIndex: number;
  httpStatus: number;
  inferences: number;
  success: number;
  failure: number;
  /** `UploadPartResult.alreadyPresent`; absent in items written before it was recorded. */
  alreadyPresent?: number;
  total: number;
  /** `UploadPartResult.refused`: the count, and the IDs and messages as JSON strings (absent in older items). */
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
 * UPLOADED/PARTIAL items carry records, inferences, rejected, partCount and parts (+ quarantineKey when records
 * were quarantined); REJECTED items carry error and cause (+ the counts and quarantineKey when validation returned
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
  /** Arthur's answer per part (added by the workflow). */
  parts?: PartOutcome[];
  /**
   * Not written by the workflow: ASL has no sum over a list, so the totals are the sums over `parts`
   * (a reader computes them). PARTIAL already says whether any part had failures.
   */
  arthurSuccess?: number;
  arthurFailure?: number;
  error?: string;
  cause?: string;
  quarantineKey?: string;
  /** When the execution started (added by the workflow). */
  startedAt?: string;
  updatedAt: string;
}
