/**
 * Stable error codes of ground-truth files (Model Monitor label records), in the order the checks run: when several
 * apply to one record, the first failing check in this order wins. `EMPTY_FILE` is the capture code of the same
 * meaning (a file holds no record at all, whatever its kind); `WRONG_RECORD_KIND` is shared by both kinds.
 */
export const GROUND_TRUTH_ERROR_CODES = [
  'EMPTY_FILE',
  'GT_MALFORMED_JSON',
  'WRONG_RECORD_KIND',
  'GT_UNSUPPORTED_RECORD',
  'GT_MISSING_DATA',
  'GT_MISSING_EVENT_ID',
  'GT_UNSUPPORTED_ENCODING',
  'GT_MALFORMED_DATA',
  'GT_BAD_SHAPE',
  'GT_COLUMN_COUNT',
  'GT_BAD_VALUE',
  'GT_DUPLICATE_PARTNER_ID',
] as const;

export type GroundTruthErrorCode = (typeof GROUND_TRUTH_ERROR_CODES)[number];

/** What a file (or a mapping) holds: endpoint captures or ground-truth labels. */
export type RecordKind = 'capture' | 'groundTruth';

/** One rejected label record (or, for EMPTY_FILE, the file): 1-based physical line number. Same shape as CaptureError. */
export interface GroundTruthError {
  line: number;
  code: GroundTruthErrorCode;
  message: string;
}

/** A ground-truth value as Arthur takes it: numbers as numbers, everything else as text. */
export type GroundTruthValue = number | string;

/**
 * One item of Arthur's ground-truth update (`PATCH /api/v3/models/{id}/inferences`, arthur-client 1.4.0
 * `PartnerIdInferenceGroundTruth`): snake_case because this is the wire format.
 */
export interface GroundTruthItem {
  partner_inference_id: string;
  /** ISO-8601 instant in UTC, e.g. `2024-01-19T19:00:00Z`. */
  ground_truth_timestamp: string;
  ground_truth_data: Record<string, GroundTruthValue>;
}

export interface AcceptedLabelRecord {
  ok: true;
  line: number;
  /** The record's partner ID base: `eventMetadata.inferenceId` when given, else `eventId`. */
  partnerInferenceId: string;
  /** One partner ID per row: the base alone for one row, else `{base}_0 … {base}_{n-1}`. */
  partnerInferenceIds: string[];
  /** One row per label, each holding one value per ground-truth attribute, in the attributes' order. */
  rows: GroundTruthValue[][];
}

export interface RejectedLabelRecord extends GroundTruthError {
  ok: false;
}

export type LabelRecordResult = AcceptedLabelRecord | RejectedLabelRecord;

/** The verdict on one ground-truth file, as `capture-router validate --json` prints it. */
export interface GroundTruthReport {
  kind: 'groundTruth';
  /** Non-blank lines. */
  records: number;
  /** Labels of the accepted records (one per row): what would be sent. */
  labels: number;
  /** Records rejected. */
  rejected: number;
  /** Only when asked for (collectPartnerIds): every partner ID a label would be sent for, in file order. */
  partnerInferenceIds?: string[];
  errors: GroundTruthError[];
  /** True only when every record is valid (and the file is not empty). */
  valid: boolean;
}

/** A rejected label record for the quarantine object: the same JSONL shape as the capture quarantine (QuarantineEntry). */
export interface GroundTruthQuarantineEntry extends GroundTruthError {
  record: string;
}
