import { isBlank } from '../check-file.js';
import { forEachLine, type CaptureSource } from '../lines.js';
import { GroundTruthChecker, type GroundTruthCheckOptions } from './record.js';
import type { GroundTruthError, GroundTruthReport, LabelRecordResult } from './types.js';

export interface GroundTruthValidateOptions extends GroundTruthCheckOptions {
  /** Collect every partner ID a label would be sent for (the CLI's `--json` needs them; large files make this big). */
  collectPartnerIds?: boolean;
  /** Stop recording errors after this many (counts stay exact). Default: all of them. */
  maxErrors?: number;
}

/**
 * Accumulates the verdict of one ground-truth file record by record (FileTally's counterpart).
 * @example
 * const tally = new GroundTruthTally();
 * tally.add(checker.check(line, 1)); tally.report();
 */
export class GroundTruthTally {
  records = 0;
  labels = 0;
  rejected = 0;
  readonly errors: GroundTruthError[] = [];
  readonly partnerInferenceIds?: string[];

  constructor(private readonly options: Pick<GroundTruthValidateOptions, 'collectPartnerIds' | 'maxErrors'> = {}) {
    if (options.collectPartnerIds) this.partnerInferenceIds = [];
  }

  add(result: LabelRecordResult): void {
    this.records++;
    if (result.ok) {
      this.labels += result.rows.length;
      if (this.partnerInferenceIds) for (const id of result.partnerInferenceIds) this.partnerInferenceIds.push(id);
      return;
    }
    this.rejected++;
    if (this.errors.length < (this.options.maxErrors ?? Infinity)) this.errors.push({ line: result.line, code: result.code, message: result.message });
  }

  /** The file's verdict; a file with no record at all is EMPTY_FILE. */
  report(): GroundTruthReport {
    const errors: GroundTruthError[] =
      this.records === 0 ? [{ line: 1, code: 'EMPTY_FILE', message: 'the file holds no ground-truth record (it is empty or blank)' }] : this.errors;
    return {
      kind: 'groundTruth',
      records: this.records,
      labels: this.labels,
      rejected: this.rejected,
      ...(this.partnerInferenceIds ? { partnerInferenceIds: this.partnerInferenceIds } : {}),
      errors,
      valid: this.records > 0 && this.rejected === 0,
    };
  }
}

/**
 * Validates a whole ground-truth file, streaming it line by line. I/O errors reject the promise; bad content never does.
 * @example
 * const report = await checkGroundTruthFile('labels/2024/01/19/19/gt.jsonl', { attributes: ['label'] });
 * if (!report.valid) for (const e of report.errors) console.log(e.line, e.code, e.message);
 */
export async function checkGroundTruthFile(source: CaptureSource, options: GroundTruthValidateOptions = {}): Promise<GroundTruthReport> {
  const checker = new GroundTruthChecker(options);
  const tally = new GroundTruthTally(options);
  await forEachLine(source, (text, lineNo) => {
    if (!isBlank(text)) tally.add(checker.check(text, lineNo));
  });
  return tally.report();
}
