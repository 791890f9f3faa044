import { isBlank } from '../check-file.js';
import { LineTransform } from '../line-transform.js';
import { PartPlanner } from '../split.js';
import { GroundTruthTally, type GroundTruthValidateOptions } from './check-file.js';
import { GroundTruthChecker } from './record.js';
import type { AcceptedLabelRecord, GroundTruthItem, GroundTruthQuarantineEntry, GroundTruthReport, GroundTruthValue } from './types.js';

/** Most items in one ground-truth update: Arthur answers one result per item, and a retry re-sends the whole batch. */
export const MAX_GROUND_TRUTH_ITEMS = 1000;
/** Most bytes in one batch body (a single item larger than this still goes, alone). */
export const MAX_GROUND_TRUTH_BATCH_BYTES = 1024 * 1024;

export interface GroundTruthBatchOptions extends Omit<GroundTruthValidateOptions, 'attributes'> {
  /** The mapping's ground-truth attribute names, in order: required, they name the keys of `ground_truth_data`. */
  attributes: readonly string[];
  /** `ground_truth_timestamp` of every item (groundTruthTimestamp(key, lastModified)). */
  groundTruthTimestamp: string;
  /** Default MAX_GROUND_TRUTH_ITEMS (1,000). */
  maxItems?: number;
  /** Default MAX_GROUND_TRUTH_BATCH_BYTES (1 MiB). */
  maxBytes?: number;
}

/** One request's worth of ground truth: the JSON list the PATCH sends, ready to store as a part. */
export interface GroundTruthBatch {
  index: number;
  /** Items in the batch (labels; a record with n rows gives n items, which may span two batches). */
  items: number;
  bytes: number;
  /** `[\n{item},\n{item}\n]\n`: a JSON array, one item per line. */
  body: Buffer;
  /** True when the batch is one item larger than maxBytes. */
  oversized: boolean;
}

// "[\n" + items joined by ",\n" + "\n]\n": each item costs its bytes plus 2, the brackets 3 in all.
const ITEM_OVERHEAD = 2;
const BODY_OVERHEAD = 3;

/**
 * Ground-truth file bytes in, batches of Arthur ground-truth items out (object mode), never the whole file in
 * memory: one batch at a time plus one line. Rejected records go to the second stream, `rejected`, as JSONL
 * `{line, code, message, record}` (the capture quarantine's shape). Read both streams; `report()` once finished.
 * @example
 * const batcher = new GroundTruthBatcher({ attributes: ['label'], groundTruthTimestamp: '2024-01-19T19:00:00Z' });
 * batcher.rejected.pipe(quarantineSink);
 * await pipeline(s3Body, batcher, storeEachBatchAsPart);
 */
export class GroundTruthBatcher extends LineTransform {
  private readonly checker: GroundTruthChecker;
  private readonly tally: GroundTruthTally;
  private readonly planner: PartPlanner;
  private readonly names: readonly string[];
  private readonly timestamp: string;
  private lines: string[] = [];
  private index = 0;

  constructor(options: GroundTruthBatchOptions) {
    super({ readableObjectMode: true, readableHighWaterMark: 2 });
    const maxItems = options.maxItems ?? MAX_GROUND_TRUTH_ITEMS;
    const maxBytes = options.maxBytes ?? MAX_GROUND_TRUTH_BATCH_BYTES;
    if (!(maxBytes > BODY_OVERHEAD)) throw new RangeError(`maxBytes must exceed ${BODY_OVERHEAD}`);
    this.planner = new PartPlanner({ maxRecords: maxItems, maxBytes: maxBytes - BODY_OVERHEAD });
    this.checker = new GroundTruthChecker({ attributes: options.attributes });
    this.names = options.attributes;
    this.timestamp = options.groundTruthTimestamp;
    this.tally = new GroundTruthTally(options);
  }

  report(): GroundTruthReport {
    return this.tally.report();
  }

  protected override beforeEnd(): void {
    if (this.planner.records > 0) this.emitBatch();
  }

  protected onLine(text: string, lineNo: number): void {
    if (isBlank(text)) return;
    const result = this.checker.check(text, lineNo);
    this.tally.add(result);
    if (result.ok) {
      this.addItems(result);
      return;
    }
    const entry: GroundTruthQuarantineEntry = { line: result.line, code: result.code, message: result.message, record: text };
    this.rejected.write(`${JSON.stringify(entry)}\n`);
  }

  private addItems(record: AcceptedLabelRecord): void {
    for (let i = 0; i < record.rows.length; i++) {
      const item: GroundTruthItem = {
        partner_inference_id: record.partnerInferenceIds[i],
        ground_truth_timestamp: this.timestamp,
        ground_truth_data: dataOf(this.names, record.rows[i]),
      };
      const text = JSON.stringify(item);
      const bytes = Buffer.byteLength(text) + ITEM_OVERHEAD;
      if (!this.planner.fits(bytes)) this.emitBatch();
      this.lines.push(text);
      this.planner.add(bytes);
    }
  }

  private emitBatch(): void {
    const body = Buffer.from(`[\n${this.lines.join(',\n')}\n]\n`, 'utf8');
    const batch: GroundTruthBatch = {
      index: this.index++,
      items: this.planner.records,
      bytes: body.length,
      body,
      oversized: this.planner.records === 1 && this.planner.bytes > this.planner.limits.maxBytes,
    };
    this.lines = [];
    this.planner.reset();
    this.push(batch);
  }
}

function dataOf(names: readonly string[], row: GroundTruthValue[]): Record<string, GroundTruthValue> {
  const data: Record<string, GroundTruthValue> = {};
  for (let i = 0; i < names.length; i++) data[names[i]] = row[i];
  return data;
}
