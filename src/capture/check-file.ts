import { CaptureChecker } from './record.js';
import { forEachLine, type CaptureSource } from './lines.js';
import type { CaptureError, FileReport } from './types.js';

export interface ValidateOptions {
  /** Collect every partner ID that would be sent (the CLI's `--json` needs them; large files make this big). */
  collectPartnerIds?: boolean;
  /** Stop recording errors after this many (counts stay exact). Default: all of them. */
  maxErrors?: number;
  /**
   * Called with each valid record's partner ID base and inference count instead of keeping its IDs in the report
   * (they are `base` for one inference, else `base_0` … `base_{count-1}`): a caller that writes them out as they
   * come (the CLI's `--json`) holds them as its text, never as hundreds of thousands of strings.
   */
  onPartnerIds?: (base: string, count: number) => void;
  /** Called with every rejected record's error, also those past maxErrors (the CLI groups them by code). */
  onError?: (error: CaptureError) => void;
}

/**
 * Accumulates the verdict of one capture file record by record.
 * @example
 * const tally = new FileTally();
 * tally.add(checker.check(line, 1)); tally.report();
 */
export class FileTally {
  records = 0;
  inferences = 0;
  rejected = 0;
  normalized = false;
  readonly errors: CaptureError[] = [];
  readonly partnerInferenceIds?: string[];

  constructor(private readonly options: ValidateOptions = {}) {
    if (options.collectPartnerIds && !options.onPartnerIds) this.partnerInferenceIds = [];
  }

  add(result: ReturnType<CaptureChecker['check']>): void {
    this.records++;
    if (result.ok) {
      this.inferences += result.inferences;
      if (result.normalized) this.normalized = true;
      if (this.options.onPartnerIds) this.options.onPartnerIds(result.partnerInferenceId, result.inferences);
      else if (this.partnerInferenceIds) for (const id of result.partnerInferenceIds) this.partnerInferenceIds.push(id);
      return;
    }
    this.rejected++;
    const keep = this.errors.length < (this.options.maxErrors ?? Infinity);
    if (!keep && !this.options.onError) return;
    const error = { line: result.line, code: result.code, message: result.message };
    if (keep) this.errors.push(error);
    this.options.onError?.(error);
  }

  /** The file's verdict; a file with no record at all is EMPTY_FILE. */
  report(): FileReport {
    const errors = this.records === 0 ? [{ line: 1, code: 'EMPTY_FILE' as const, message: 'the file holds no capture record (it is empty or blank)' }] : this.errors;
    return {
      records: this.records,
      inferences: this.inferences,
      rejected: this.rejected,
      ...(this.partnerInferenceIds ? { partnerInferenceIds: this.partnerInferenceIds } : {}),
      errors,
      normalized: this.normalized,
      valid: this.records > 0 && this.rejected === 0,
    };
  }
}

/**
 * Validates a whole capture file by Arthur's rules, streaming it line by line.
 * I/O errors (a missing file, a broken stream) reject the promise; bad content never does.
 * @example
 * const report = await checkCaptureFile('00-01-123-abc.jsonl');
 * if (!report.valid) for (const e of report.errors) console.log(e.line, e.code, e.message);
 */
export async function checkCaptureFile(source: CaptureSource, options: ValidateOptions = {}): Promise<FileReport> {
  const checker = new CaptureChecker();
  const tally = new FileTally(options);
  await forEachLine(source, (text, lineNo) => {
    if (isBlank(text)) return;
    tally.add(checker.check(text, lineNo, VERDICT_ONLY));
  });
  return tally.report();
}

const VERDICT_ONLY = Object.freeze({ text: false });

/** Blank lines (whitespace only) are tolerated between and after records. */
export function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  // A record starts with '{'; only a line that starts with whitespace can be blank.
  if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) return false;
  return text.trim() === '';
}
