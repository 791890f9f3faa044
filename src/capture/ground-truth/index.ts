export * from './types.js';
export { GroundTruthChecker, partnerIdBase, wrongKindMessage, type GroundTruthCheckOptions } from './record.js';
export { checkGroundTruthFile, GroundTruthTally, type GroundTruthValidateOptions } from './check-file.js';
export {
  GroundTruthBatcher,
  MAX_GROUND_TRUTH_BATCH_BYTES,
  MAX_GROUND_TRUTH_ITEMS,
  type GroundTruthBatch,
  type GroundTruthBatchOptions,
} from './batcher.js';
export { detectFileKind, recordKindOf } from './kind.js';
export { groundTruthTimestamp } from './timestamp.js';
export { anyHintFor, groundTruthHintFor } from './hints.js';
export { typeCsvField } from './values.js';
