export * from './types.js';
export { forEachLine, LineSplitter, openSource, type CaptureSource, type LineHandler } from './lines.js';
export { CaptureChecker, isIsoInstant, type CheckOptions } from './record.js';
export { checkCaptureFile, FileTally, isBlank, type ValidateOptions } from './check-file.js';
export { CaptureNormalizer, type NormalizeOptions } from './normalize.js';
export { PartSplitter, PartPlanner, type PartLimits, type PartBody, type SplittableRecord } from './split.js';
export { partnerInferenceIds, FingerprintSet } from './partner-ids.js';
export { parseContentType, kindOfMediaType, countCsvRows, csvRowTexts, decodeBase64Text, checkJsonShape, type PayloadKind } from './payload.js';
export { hintFor } from './hints.js';
