import { LineTransform } from './line-transform.js';
import { CaptureChecker } from './record.js';
import { FileTally, isBlank, type ValidateOptions } from './check-file.js';
import type { AcceptedRecord, FileReport, QuarantineEntry } from './types.js';

export interface NormalizeOptions extends ValidateOptions {
  /**
   * `bytes` (default): the readable side carries what would be sent, as JSONL text.
   * `records`: it carries AcceptedRecord objects (for a part splitter downstream).
   */
  output?: 'bytes' | 'records';
}

/**
 * Normalization as a stream transform: capture bytes in, what Arthur can ingest out.
 *
 * BASE64 sides whose observed type is CSV/JSON come out decoded and re-labelled, JSON Lines sides as
 * `{"instances": [...]}` / `{"predictions": [...]}`, every other valid record byte for byte as it came. Rejected
 * records go to the second stream, `rejected`, as JSONL `{line, code, message, record}` (record = the line as it
 * came). Read both streams: `rejected` buffers what nobody reads. `report()` gives the verdict once finished.
 * @example
 * const normalizer = new CaptureNormalizer();
 * normalizer.rejected.pipe(createWriteStream('x.rejected.jsonl'));
 * await pipeline(createReadStream('x.jsonl'), normalizer, createWriteStream('x.normalized.jsonl'));
 */
export class CaptureNormalizer extends LineTransform {
  private readonly checker = new CaptureChecker();
  private readonly tally: FileTally;
  private readonly asRecords: boolean;

  constructor(options: NormalizeOptions = {}) {
    const asRecords = options.output === 'records';
    super({ readableObjectMode: asRecords, readableHighWaterMark: asRecords ? 64 : 1 << 20 });
    this.asRecords = asRecords;
    this.tally = new FileTally(options);
  }

  report(): FileReport {
    return this.tally.report();
  }

  protected onLine(text: string, lineNo: number): void {
    if (isBlank(text)) return;
    const result = this.checker.check(text, lineNo);
    this.tally.add(result);
    if (result.ok) {
      this.push(this.asRecords ? result : `${result.text}\n`);
      return;
    }
    const entry: QuarantineEntry = { line: result.line, code: result.code, message: result.message, record: text };
    this.rejected.write(`${JSON.stringify(entry)}\n`);
  }
}

export type { AcceptedRecord };
