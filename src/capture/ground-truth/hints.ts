import { hintFor } from '../hints.js';
import type { ErrorCode } from '../types.js';
import type { GroundTruthErrorCode } from './types.js';

const HINTS: Record<GroundTruthErrorCode, string> = {
  EMPTY_FILE: 'a label file holds one JSON record per labelled inference; delete the empty object or re-upload the right one',
  GT_MALFORMED_JSON:
    'each line must be one complete JSON record {"groundTruthData": {...}, "eventMetadata": {"eventId": ...}, "eventVersion": "0"}: write one record per line (JSON Lines), not a pretty-printed or truncated file',
  WRONG_RECORD_KIND:
    'captures and labels live under different prefixes: register the label prefix with a groundTruth mapping (mappings put PREFIX MODEL --ground-truth ATTR…) and the capture prefix with a capture mapping',
  GT_UNSUPPORTED_RECORD:
    'a label record is {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "…"}, "eventVersion": "0"} (Model Monitor\'s ground-truth format); merged or batch output is not a label file',
  GT_MISSING_DATA: 'groundTruthData.data holds the label itself as text, e.g. "1" (CSV) or "{\\"label\\": 1}" (JSON)',
  GT_MISSING_EVENT_ID:
    'put the InferenceId the endpoint was invoked with (else the capture\'s eventId) in eventMetadata.eventId: it is how the label finds its inference',
  GT_UNSUPPORTED_ENCODING: 'groundTruthData.encoding must be "CSV", "JSON" or "BASE64" (of CSV or JSON text in UTF-8)',
  GT_MALFORMED_DATA: 'the label text must parse as its encoding says: close every quoted CSV field, or write valid JSON',
  GT_BAD_SHAPE:
    'JSON labels are an object keyed by the model\'s ground-truth attribute names, a bare value for a single attribute, or a list of those (one per row); check the names against the mapping (mappings get PREFIX)',
  GT_COLUMN_COUNT:
    'each CSV row holds one value per ground-truth attribute of the mapping, in order (one-hot labels: one column per class); fix the row or the mapping\'s --ground-truth list',
  GT_BAD_VALUE: 'a label value is a number or a non-empty string; fill empty fields and drop null or true/false values (write 1/0)',
  GT_DUPLICATE_PARTNER_ID: 'label each inference once per file: the copy is quarantined and the first label is sent',
};

/**
 * How to fix the cause of a ground-truth error, for a person reading the CLI's output.
 * @example groundTruthHintFor({ code: 'GT_COLUMN_COUNT', message: '…' }) // 'each CSV row holds one value per ground-truth attribute …'
 */
export function groundTruthHintFor(error: { code: GroundTruthErrorCode; message: string }): string {
  return HINTS[error.code];
}

const isGroundTruthCode = (code: string): code is GroundTruthErrorCode => Object.hasOwn(HINTS, code);

/**
 * One lookup for both kinds' codes (the CLI prints either): ground-truth codes here, capture codes from hintFor.
 * `EMPTY_FILE` is worded for the kind of file it was found in.
 * @example anyHintFor({ code: 'COUNT_MISMATCH', message: '' }, 'capture') // the capture hint
 */
export function anyHintFor(error: { code: ErrorCode | GroundTruthErrorCode; message: string }, kind: 'capture' | 'groundTruth' = 'capture'): string {
  if (error.code === 'EMPTY_FILE') return kind === 'groundTruth' ? HINTS.EMPTY_FILE : hintFor({ code: 'EMPTY_FILE', message: error.message });
  if (isGroundTruthCode(error.code)) return HINTS[error.code];
  return hintFor({ code: error.code, message: error.message });
}
