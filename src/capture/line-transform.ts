import { PassThrough, Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { LineSplitter } from './lines.js';

/**
 * A Transform that reads JSON Lines bytes one line at a time and writes what it keeps to its readable side and what
 * it refuses to a second stream, `rejected`. The shape of CaptureNormalizer and GroundTruthBatcher: subclasses give
 * `onLine` and, for what they hold back until the end, `beforeEnd`.
 * @example
 * class Upper extends LineTransform { protected onLine(text: string) { this.push(text.toUpperCase()); } }
 */
export abstract class LineTransform extends Transform {
  readonly rejected = new PassThrough();
  private readonly splitter = new LineSplitter((text, lineNo) => this.onLine(text, lineNo));

  constructor(options: TransformOptions) {
    super(options);
    // The second stream ends with the first; its readers hear of the failure only when they listen for it, so an
    // unread `rejected` never turns a handled pipeline error into an unhandled one.
    this.once('error', (err) => this.rejected.destroy(this.rejected.listenerCount('error') > 0 ? err : undefined));
  }

  /** One line of the input (1-based `lineNo`), without its line break. */
  protected abstract onLine(text: string, lineNo: number): void;

  /** After the last line, before `rejected` ends: what was held back goes out here. */
  protected beforeEnd(): void {}

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.splitter.push(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.splitter.end();
      this.beforeEnd();
      this.rejected.end();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
