import { Transform, type TransformCallback } from 'node:stream';

export interface PartLimits {
  /** Most bytes in a part. A single record larger than this still goes, alone in its part (records are never cut). */
  maxBytes: number;
  /** Most records in a part. */
  maxRecords: number;
}

/** One part, ready to store: whole JSONL records, each ending with '\n'. */
export interface PartBody {
  index: number;
  records: number;
  inferences: number;
  bytes: number;
  body: Buffer;
  /** True when the part is one record larger than maxBytes. */
  oversized: boolean;
}

/** What the splitter needs of a record: its text and its inference count (an AcceptedRecord fits). */
export interface SplittableRecord {
  text: string;
  inferences: number;
}

/**
 * Decides where parts end: whole records only, at most `maxBytes` bytes and `maxRecords` records per part.
 * @example
 * const planner = new PartPlanner({ maxBytes: 10, maxRecords: 2 });
 * planner.fits(6); planner.add(6); planner.fits(6) // false: a new part starts
 */
export class PartPlanner {
  bytes = 0;
  records = 0;

  constructor(readonly limits: PartLimits) {
    if (!(limits.maxBytes > 0) || !(limits.maxRecords > 0)) throw new RangeError('part limits must be positive');
  }

  /** Whether a record of `bytes` bytes can join the current part (an empty part takes anything). */
  fits(bytes: number): boolean {
    if (this.records === 0) return true;
    return this.records < this.limits.maxRecords && this.bytes + bytes <= this.limits.maxBytes;
  }

  add(bytes: number): void {
    this.bytes += bytes;
    this.records++;
  }

  reset(): void {
    this.bytes = 0;
    this.records = 0;
  }
}

/**
 * Cuts a stream of accepted records into parts of whole records (object mode in, PartBody out).
 * A part is held in memory until complete, so memory stays under `maxBytes` plus one record.
 * @example
 * await pipeline(createReadStream(file), new CaptureNormalizer({ output: 'records' }), new PartSplitter(limits), storeEachPart);
 */
export class PartSplitter extends Transform {
  private readonly planner: PartPlanner;
  private chunks: Buffer[] = [];
  private inferences = 0;
  private index = 0;

  constructor(limits: PartLimits) {
    super({ objectMode: true, highWaterMark: 2 });
    this.planner = new PartPlanner(limits);
  }

  override _transform(record: SplittableRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const line = Buffer.from(`${record.text}\n`, 'utf8');
    if (!this.planner.fits(line.length)) this.emitPart();
    this.chunks.push(line);
    this.planner.add(line.length);
    this.inferences += record.inferences;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.planner.records > 0) this.emitPart();
    callback();
  }

  private emitPart(): void {
    const part: PartBody = {
      index: this.index++,
      records: this.planner.records,
      inferences: this.inferences,
      bytes: this.planner.bytes,
      body: this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.planner.bytes),
      oversized: this.planner.records === 1 && this.planner.bytes > this.planner.limits.maxBytes,
    };
    this.chunks = [];
    this.inferences = 0;
    this.planner.reset();
    this.push(part);
  }
}
