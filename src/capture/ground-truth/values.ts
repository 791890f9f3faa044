import { parse as parseCsv } from 'csv-parse/sync';
import { csvRowTexts } from '../payload.js';
import type { GroundTruthErrorCode, GroundTruthValue } from './types.js';

/** A problem with one record's label data; the checker turns it into a rejection with this code. */
export class LabelDataError extends Error {
  constructor(
    readonly code: GroundTruthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The ground-truth attributes rows are read against: the mapping's names, or — when no mapping is known (a local
 * `capture-router validate`) — what the file's first accepted record showed. `named` is false while only a width is
 * known (a CSV row has no names); an object row then supplies them.
 */
export interface AttributeLayout {
  names: readonly string[];
  named: boolean;
}

/** One CSV field before typing: its text, and whether it was quoted (a quoted field always stays text). */
interface CsvField {
  text: string;
  quoted: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Types one CSV field the way Arthur receives ground truth: an unquoted field that reads as a decimal number is a
 * number, anything else is text; an empty field is refused (a label cannot be empty).
 * @example typeCsvField('1', false) // 1
 * @example typeCsvField('1', true) // '1': quoting keeps a field text
 */
export function typeCsvField(text: string, quoted: boolean): GroundTruthValue {
  const trimmed = text.trim();
  if (trimmed === '') throw new LabelDataError('GT_BAD_VALUE', 'is empty; every ground-truth attribute needs a value');
  if (quoted || !NUMBER.test(trimmed)) return text;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) throw new LabelDataError('GT_BAD_VALUE', `${JSON.stringify(trimmed.slice(0, 40))} is out of a number's range`);
  return value;
}

const CSV_OPTIONS = {
  relax_column_count: true,
  skip_empty_lines: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  cast: (value: string, context: { quoting: boolean }) => ({ text: value, quoted: context.quoting }),
};

/**
 * The rows of a CSV label payload (RFC 4180) as fields; a payload without quotes or CR is split by its newlines and
 * commas (the capture checker's fast path, csvRowTexts), anything else goes through csv-parse.
 * @example csvLabelFields('0,1,0') // [[{text: '0', quoted: false}, {text: '1', …}, {text: '0', …}]]
 */
export function csvLabelFields(data: string): CsvField[][] {
  if (data.indexOf('"') === -1 && data.indexOf('\r') === -1) {
    return csvRowTexts(data).map((row) => row.split(',').map((text) => ({ text, quoted: false })));
  }
  try {
    return parseCsv(data, CSV_OPTIONS) as unknown as CsvField[][];
  } catch (err) {
    throw new LabelDataError('GT_MALFORMED_DATA', `groundTruthData.data is declared CSV but is not valid RFC 4180 CSV (${(err as Error).message})`);
  }
}

/**
 * Rows of typed values from a CSV payload, one value per attribute in order (one-hot labels: several columns).
 * @example csvLabelRows('0,1,0', { names: ['a', 'b', 'c'], named: true }) // [[0, 1, 0]]
 */
export function csvLabelRows(data: string, layout: AttributeLayout | undefined): { rows: GroundTruthValue[][]; layout: AttributeLayout } {
  const fields = csvLabelFields(data);
  if (fields.length === 0) throw new LabelDataError('GT_MISSING_DATA', 'groundTruthData.data holds no CSV row');
  const use = layout ?? { names: fields[0].map((_, i) => `column ${i + 1}`), named: false };
  const width = use.names.length;
  let first: LabelDataError | undefined;
  const rows: GroundTruthValue[][] = [];
  for (let r = 0; r < fields.length; r++) {
    const row = fields[r];
    const where = fields.length === 1 ? 'the row' : `row ${r + 1}`;
    try {
      if (row.length !== width) {
        throw new LabelDataError('GT_COLUMN_COUNT', `${where} has ${row.length} column${row.length === 1 ? '' : 's'} but there ${width === 1 ? 'is 1 ground-truth attribute' : `are ${width} ground-truth attributes`} (${describeNames(use)})`);
      }
      rows.push(row.map((field, c) => withPlace(() => typeCsvField(field.text, field.quoted), `${where}, column ${c + 1} (${use.names[c]})`)));
    } catch (err) {
      first = earlier(first, err);
    }
  }
  if (first) throw first;
  return { rows, layout: use };
}

/**
 * Rows of typed values from a parsed JSON payload. Accepted: an object keyed by the attribute names (one row); a bare
 * value when there is one attribute (one row); an array of such rows, or of arrays holding one value per attribute in
 * order; and `{"instances": [...]}` wrapping such an array (the SageMaker request convention; Model Monitor's merged
 * output shows labels that way).
 * @example jsonLabelRows({ label: 1 }, { names: ['label'], named: true }) // [[1]]
 * @example jsonLabelRows([1, 0], { names: ['label'], named: true }) // [[1], [0]]
 */
export function jsonLabelRows(payload: unknown, layout: AttributeLayout | undefined): { rows: GroundTruthValue[][]; layout: AttributeLayout } {
  const list = rowList(payload, layout);
  let use = layout ?? layoutOf(list[0]);
  let first: LabelDataError | undefined;
  const rows: GroundTruthValue[][] = [];
  for (let r = 0; r < list.length; r++) {
    const where = list.length === 1 && !Array.isArray(payload) ? 'the label' : `row ${r + 1}`;
    try {
      if (!use.named && isPlainObject(list[r])) use = adoptNames(use, list[r] as Record<string, unknown>, where);
      rows.push(jsonRow(list[r], use, where));
    } catch (err) {
      first = earlier(first, err);
    }
  }
  if (first) throw first;
  return { rows, layout: use };
}

function rowList(payload: unknown, layout: AttributeLayout | undefined): unknown[] {
  let list: unknown;
  if (Array.isArray(payload)) list = payload;
  else if (isPlainObject(payload) && isInstancesWrapper(payload, layout)) list = payload.instances;
  else return [payload];
  if ((list as unknown[]).length === 0) throw new LabelDataError('GT_BAD_SHAPE', 'groundTruthData.data is an empty list; a label record holds at least one row');
  return list as unknown[];
}

function isInstancesWrapper(payload: Record<string, unknown>, layout: AttributeLayout | undefined): boolean {
  if (!Array.isArray(payload.instances) || Object.keys(payload).length !== 1) return false;
  return !(layout?.names.includes('instances') ?? false);
}

function layoutOf(row: unknown): AttributeLayout {
  if (isPlainObject(row)) return { names: Object.keys(row), named: true };
  if (Array.isArray(row)) return { names: row.map((_, i) => `column ${i + 1}`), named: false };
  return { names: ['column 1'], named: false };
}

function adoptNames(layout: AttributeLayout, row: Record<string, unknown>, where: string): AttributeLayout {
  const names = Object.keys(row);
  if (names.length !== layout.names.length) {
    throw new LabelDataError('GT_COLUMN_COUNT', `${where} has ${names.length} attributes but earlier labels have ${layout.names.length}`);
  }
  return { names, named: true };
}

function jsonRow(row: unknown, layout: AttributeLayout, where: string): GroundTruthValue[] {
  const width = layout.names.length;
  if (isPlainObject(row)) {
    const keys = Object.keys(row);
    const unknown = keys.filter((k) => !layout.names.includes(k));
    if (unknown.length > 0) {
      throw new LabelDataError('GT_BAD_SHAPE', `${where} names ${unknown.slice(0, 3).map((k) => JSON.stringify(k)).join(', ')}, which ${unknown.length === 1 ? 'is not a' : 'are not'} ground-truth attribute${unknown.length === 1 ? '' : 's'} (${describeNames(layout)})`);
    }
    const missing = layout.names.filter((name) => !(name in row));
    if (missing.length > 0) {
      throw new LabelDataError('GT_BAD_SHAPE', `${where} lacks the ground-truth attribute${missing.length === 1 ? '' : 's'} ${missing.slice(0, 3).map((k) => JSON.stringify(k)).join(', ')}`);
    }
    return layout.names.map((name) => withPlace(() => jsonValue(row[name]), `${where}, ${JSON.stringify(name)}`));
  }
  if (Array.isArray(row)) {
    if (row.length !== width) {
      throw new LabelDataError('GT_COLUMN_COUNT', `${where} holds ${row.length} value${row.length === 1 ? '' : 's'} but there ${width === 1 ? 'is 1 ground-truth attribute' : `are ${width} ground-truth attributes`} (${describeNames(layout)})`);
    }
    return row.map((value, c) => withPlace(() => jsonValue(value), `${where}, value ${c + 1} (${layout.names[c]})`));
  }
  if (width !== 1) {
    throw new LabelDataError('GT_COLUMN_COUNT', `${where} is a single value but there are ${width} ground-truth attributes (${describeNames(layout)}); give an object keyed by them or an array of ${width} values`);
  }
  return [withPlace(() => jsonValue(row), where)];
}

/** A JSON label value: a number stays a number, a non-empty string stays text; nothing else is a label. */
function jsonValue(value: unknown): GroundTruthValue {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value.trim() === '') throw new LabelDataError('GT_BAD_VALUE', 'is an empty string; every ground-truth attribute needs a value');
    return value;
  }
  throw new LabelDataError('GT_BAD_VALUE', `is ${describe(value)}, not a number or a string`);
}

function withPlace<T>(read: () => T, place: string): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof LabelDataError) throw new LabelDataError(err.code, `${place} ${err.message}`);
    throw err;
  }
}

const ORDER = ['GT_MALFORMED_DATA', 'GT_BAD_SHAPE', 'GT_COLUMN_COUNT', 'GT_BAD_VALUE'];

/** Of two failures, the one whose code comes first in the table (the first seen among equals). */
function earlier(current: LabelDataError | undefined, err: unknown): LabelDataError {
  if (!(err instanceof LabelDataError)) throw err;
  if (current === undefined) return err;
  return ORDER.indexOf(err.code) < ORDER.indexOf(current.code) ? err : current;
}

function describeNames(layout: AttributeLayout): string {
  if (!layout.named) return `as many as the first label's ${layout.names.length}`;
  const shown = layout.names.slice(0, 6).join(', ');
  return layout.names.length > 6 ? `${shown}, …` : shown;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
