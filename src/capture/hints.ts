import type { CaptureError, ErrorCode } from './types.js';

const HINTS: Record<ErrorCode, string> = {
  EMPTY_FILE: 'SageMaker writes a file only when the endpoint was invoked; delete the empty object or re-upload the right one',
  MALFORMED_JSON:
    'each line must be one complete JSON record: a pretty-printed or truncated file (a copy cut off mid-record, a wrapped sample) must be turned back into one record per line',
  UNSUPPORTED_RECORD:
    'only real-time endpoint captures (captureData.endpointInput/endpointOutput) go to this integration; send ground truth and batch transform output to Arthur separately',
  // Worded as ground-truth/hints.ts's (which imports this module, so it cannot be imported back).
  WRONG_RECORD_KIND:
    'captures and labels live under different prefixes: register the label prefix with a groundTruth mapping (mappings put PREFIX MODEL --ground-truth ATTR…) and the capture prefix with a capture mapping',
  MISSING_INPUT: 'enable both sides in the endpoint config: DataCaptureConfig.CaptureOptions = [{CaptureMode: Input}, {CaptureMode: Output}]',
  MISSING_OUTPUT: 'enable both sides in the endpoint config: DataCaptureConfig.CaptureOptions = [{CaptureMode: Input}, {CaptureMode: Output}]',
  MISSING_EVENT_ID: 'the record was not written by SageMaker Data Capture, or was edited: every capture carries eventMetadata.eventId',
  BAD_INFERENCE_TIME: 'eventMetadata.inferenceTime must be an ISO-8601 instant with a zone, e.g. 2024-01-19T19:27:57Z (a template left unfilled, such as "{%s}", is not one)',
  UNSUPPORTED_ENCODING:
    'set DataCaptureConfig.CaptureContentTypeHeader (CsvContentTypes / JsonContentTypes) to the content types your endpoint really uses, so SageMaker stops base64-encoding them; binary payloads (images, audio) cannot go to this integration',
  UNSUPPORTED_CONTENT_TYPE:
    'invoke the endpoint with ContentType/Accept text/csv, application/json or application/jsonlines (and make the container answer with one of them); for CSV, close every quoted field',
  BAD_JSON_SHAPE:
    'Arthur reads {"instances": [...]} / {"predictions": [...]} holding one object per inference: {"features": [...]} / {"probabilities": [...]} or feature-name keys; wrap flat lists of numbers accordingly in the inference container',
  RESERVED_FEATURE_NAME: 'rename the feature: instances, predictions, features and probabilities are reserved by Arthur (features/probabilities only as the sole key wrapping a list)',
  COUNT_MISMATCH: 'the model must answer one prediction per input row; check the container returns a prediction for every row of a batch, and no header row',
  DUPLICATE_PARTNER_ID:
    'pass a unique InferenceId to InvokeEndpoint (or none, to use the unique eventId); a record repeated in one file is sent once, the copy is quarantined',
};

/**
 * How to fix the cause of an error, for a person reading the CLI's output.
 * @example hintFor({ line: 3, code: 'COUNT_MISMATCH', message: '…' }) // 'the model must answer one prediction per input row; …'
 */
export function hintFor(error: Pick<CaptureError, 'code' | 'message'>): string {
  if (error.code === 'UNSUPPORTED_ENCODING' && /no observedContentType/.test(error.message)) {
    return 'SageMaker recorded no content type for this BASE64 side: invoke the endpoint with an explicit ContentType/Accept and list it in CaptureContentTypeHeader';
  }
  if (error.code === 'UNSUPPORTED_ENCODING' && /is not CSV, JSON or BASE64|encoding is missing/.test(error.message)) {
    return 'each side needs "encoding": "CSV", "JSON" or "BASE64" as SageMaker writes it; the record was edited or produced by another tool';
  }
  return HINTS[error.code];
}
