/**
 * Stable error codes, shared by the CLI, the quarantine objects and the ingestion log.
 * When several apply to one record, the first failing check in this order wins.
 */
export const ERROR_CODES = [
  'EMPTY_FILE',
  'MALFORMED_JSON',
  'UNSUPPORTED_RECORD',
  'WRONG_RECORD_KIND',
  'MISSING_INPUT',
  'MISSING_OUTPUT',
  'MISSING_EVENT_ID',
  'BAD_INFERENCE_TIME',
  'UNSUPPORTED_ENCODING',
  'UNSUPPORTED_CONTENT_TYPE',
  'BAD_JSON_SHAPE',
  'RESERVED_FEATURE_NAME',
  'COUNT_MISMATCH',
  'DUPLICATE_PARTNER_ID',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One rejected record (or, for EMPTY_FILE, the file): 1-based physical line number. */
export interface CaptureError {
  line: number;
  code: ErrorCode;
  message: string;
}

/** One inference as Arthur will see it: a CSV row (string) or a JSON element (object) per side. */
export interface Inference {
  partnerInferenceId: string;
  inferenceTime: string;
  input: unknown;
  output: unknown;
}

export interface AcceptedRecord {
  ok: true;
  line: number;
  /** Inferences in the record (rows of CSV, elements of instances/predictions). */
  inferences: number;
  /** The record's partner ID base: the call's inferenceId, else the eventId. */
  partnerInferenceId: string;
  /** Partner inference IDs, in order: the base, suffixed `_i` when the record holds several (built when read). */
  readonly partnerInferenceIds: string[];
  /** True when a side was decoded from BASE64 or converted from JSON Lines. */
  normalized: boolean;
  /** What is sent for this record: the original line byte for byte, or the normalized record. */
  text: string;
  /** Present when the check was asked to explode the record into its inferences. */
  exploded?: Inference[];
}

export interface RejectedRecord extends CaptureError {
  ok: false;
}

export type RecordResult = AcceptedRecord | RejectedRecord;

/** Summary of one capture file, as the CLI's `--json` prints it (plus `rejected`). */
export interface FileReport {
  /** Non-blank lines. */
  records: number;
  /** Inferences of the accepted records: what would be sent. */
  inferences: number;
  /** Records rejected. */
  rejected: number;
  /** Only when asked for (collectPartnerIds): every partner ID that would be sent, in file order. */
  partnerInferenceIds?: string[];
  errors: CaptureError[];
  /** True when any accepted record needed decoding or conversion. */
  normalized: boolean;
  /** True only when every record is valid (and the file is not empty). */
  valid: boolean;
}

/** What the normalizer's second stream carries for each rejected record: the reason and the line as it came. */
export interface QuarantineEntry extends CaptureError {
  record: string;
}
