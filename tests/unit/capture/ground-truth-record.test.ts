import { describe, expect, it } from '@jest/globals';
import {
  anyHintFor,
  GROUND_TRUTH_ERROR_CODES,
  GroundTruthChecker,
  groundTruthHintFor,
  groundTruthTimestamp,
  partnerIdBase,
  recordKindOf,
  typeCsvField,
  type GroundTruthErrorCode,
  type LabelRecordResult,
} from '../../../src/capture/index.js';
import { b64, csvRecord } from './builders.js';

type Rec = Record<string, unknown>;

/** A Model Monitor label record as AWS documents it, with the given data and encoding. */
function label(data: string, encoding = 'CSV', metadata: Rec = { eventId: 'e-1' }, extra: Rec = {}): string {
  return JSON.stringify({ groundTruthData: { data, encoding, ...extra }, eventMetadata: metadata, eventVersion: '0' });
}

function accepted(result: LabelRecordResult) {
  if (!result.ok) throw new Error(`expected acceptance, got ${result.code}: ${result.message}`);
  return result;
}

describe('partner inference IDs of label records', () => {
  it.each([
    ['a single-row record gives the base alone', label('1'), ['label'], ['e-1']],
    ['a two-row record gives _0 and _1', label('1\n0'), ['label'], ['e-1_0', 'e-1_1']],
    ['a trailing newline adds no row', label('1\n0\n'), ['label'], ['e-1_0', 'e-1_1']],
    ['inferenceId wins over eventId', label('1', 'CSV', { eventId: 'e-1', inferenceId: 'req-7' }), ['label'], ['req-7']],
    ['a numeric inferenceId is used as text', label('1\n1', 'CSV', { eventId: 'e-1', inferenceId: 7 }), ['label'], ['7_0', '7_1']],
    ['an empty inferenceId falls back to eventId', label('1', 'CSV', { eventId: 'e-1', inferenceId: '' }), ['label'], ['e-1']],
    ['a one-hot row is one label', label('0,1,0'), ['a', 'b', 'c'], ['e-1']],
  ])('%s', (_name, line, attributes, ids) => {
    expect(accepted(new GroundTruthChecker({ attributes }).check(line, 1)).partnerInferenceIds).toEqual(ids);
  });

  it('follows the capture side rule for the base', () => {
    expect(partnerIdBase({ eventId: 'e', inferenceId: 'i' })).toBe('i');
    expect(partnerIdBase({ eventId: 'e', inferenceId: null })).toBe('e');
    expect(partnerIdBase({ eventId: 'e', inferenceId: Number.NaN })).toBe('e');
  });
});

describe('typing label values', () => {
  it.each([
    ['CSV numbers are numbers', label('1'), ['label'], [[1]]],
    ['CSV decimals and exponents are numbers', label('-0.25,1e3'), ['a', 'b'], [[-0.25, 1000]]],
    ['CSV text stays text', label('cat'), ['label'], [['cat']]],
    ['a quoted CSV number stays text', label('"1"'), ['label'], [['1']]],
    ['a quoted comma does not split', label('"a,b",2'), ['label', 'n'], [['a,b', 2]]],
    ['a quoted newline does not split rows', label('"x\ny"\nz'), ['label'], [['x\ny'], ['z']]],
    ['CRLF ends a row', label('1\r\n0\r\n'), ['label'], [[1], [0]]],
    ['one-hot CSV: a column per attribute, in order', label('0,1,0\n1,0,0'), ['cat', 'dog', 'fish'], [[0, 1, 0], [1, 0, 0]]],
    ['a JSON object keyed by attribute names', label('{"dog":1,"cat":0}', 'JSON'), ['cat', 'dog'], [[0, 1]]],
    ['a JSON value for a single attribute', label('"positive"', 'JSON'), ['label'], [['positive']]],
    ['a JSON number for a single attribute', label('0.5', 'JSON'), ['score'], [[0.5]]],
    ['a JSON list of values is one row each', label('[1,0,1]', 'JSON'), ['label'], [[1], [0], [1]]],
    ['a JSON list of objects is one row each', label('[{"label":1},{"label":0}]', 'JSON'), ['label'], [[1], [0]]],
    ['a JSON list of arrays: values in attribute order', label('[[0,1],[1,0]]', 'JSON'), ['a', 'b'], [[0, 1], [1, 0]]],
    ['{"instances": [...]} as Model Monitor merges labels', label('{"instances":[{"label":0},{"label":1}]}', 'JSON'), ['label'], [[0], [1]]],
    ['a JSON string stays a string even when numeric', label('{"label":"1"}', 'JSON'), ['label'], [['1']]],
    ['BASE64 of CSV is decoded', label(b64('1\n0'), 'BASE64'), ['label'], [[1], [0]]],
    ['BASE64 of JSON is read as JSON when its content type says so', label(b64('{"label":1}'), 'BASE64', { eventId: 'e-1' }, { observedContentType: 'application/json' }), ['label'], [[1]]],
  ])('%s', (_name, line, attributes, rows) => {
    expect(accepted(new GroundTruthChecker({ attributes }).check(line, 1)).rows).toEqual(rows);
  });

  it.each([
    ['7', false, 7],
    [' 7 ', false, 7],
    ['007', false, 7],
    ['7', true, '7'],
    ['NaN', false, 'NaN'],
    ['0x10', false, '0x10'],
    ['1.', false, 1],
    ['.5', false, 0.5],
  ])('types the CSV field %j (quoted %s) as %j', (text, quoted, value) => {
    expect(typeCsvField(text, quoted)).toBe(value);
  });
});

const ATTRS = ['label'];
const ONE_HOT = ['a', 'b', 'c'];

describe('every ground-truth error code', () => {
  const cases: Array<[GroundTruthErrorCode, string, string, readonly string[], RegExp]> = [
    ['GT_MALFORMED_JSON', 'a truncated line', '{"groundTruthData": {"data": "1"', ATTRS, /not valid JSON/],
    ['WRONG_RECORD_KIND', 'a capture record in a label file', JSON.stringify(csvRecord()), ATTRS, /expects ground-truth records/],
    ['GT_UNSUPPORTED_RECORD', 'a bare array', '[1,2]', ATTRS, /an array, not a ground-truth record/],
    ['GT_UNSUPPORTED_RECORD', 'an object without groundTruthData', '{"eventMetadata":{"eventId":"e"}}', ATTRS, /no groundTruthData/],
    ['GT_UNSUPPORTED_RECORD', 'a merged record', JSON.stringify({ ...csvRecord(), groundTruthData: { data: '1', encoding: 'CSV' } }), ATTRS, /merged record/],
    ['GT_MISSING_DATA', 'no data', JSON.stringify({ groundTruthData: { encoding: 'CSV' }, eventMetadata: { eventId: 'e' } }), ATTRS, /data is missing/],
    ['GT_MISSING_DATA', 'blank data', label('  '), ATTRS, /data is empty/],
    ['GT_MISSING_DATA', 'BASE64 of nothing but spaces', label(b64('   '), 'BASE64'), ATTRS, /decodes to nothing/],
    ['GT_MISSING_EVENT_ID', 'no eventMetadata', JSON.stringify({ groundTruthData: { data: '1', encoding: 'CSV' } }), ATTRS, /no eventMetadata/],
    ['GT_MISSING_EVENT_ID', 'an empty eventId', label('1', 'CSV', { eventId: '' }), ATTRS, /eventId is a string \(empty\)/],
    ['GT_MISSING_EVENT_ID', 'a numeric eventId', label('1', 'CSV', { eventId: 5 }), ATTRS, /eventId is a number/],
    ['GT_UNSUPPORTED_ENCODING', 'an unknown encoding', label('1', 'XML'), ATTRS, /"XML" is not CSV, JSON or BASE64/],
    ['GT_UNSUPPORTED_ENCODING', 'no encoding', JSON.stringify({ groundTruthData: { data: '1' }, eventMetadata: { eventId: 'e' } }), ATTRS, /encoding is missing/],
    ['GT_UNSUPPORTED_ENCODING', 'BASE64 that is not base64', label('%%%', 'BASE64'), ATTRS, /not valid base64/],
    ['GT_UNSUPPORTED_ENCODING', 'BASE64 of an image', label(b64('x'), 'BASE64', { eventId: 'e' }, { observedContentType: 'image/png' }), ATTRS, /not CSV or JSON/],
    ['GT_MALFORMED_DATA', 'an unclosed CSV quote', label('"1'), ATTRS, /not valid RFC 4180 CSV/],
    ['GT_MALFORMED_DATA', 'JSON data that is not JSON', label('{label: 1}', 'JSON'), ATTRS, /declared JSON but is not valid JSON/],
    ['GT_BAD_SHAPE', 'an object with an unknown name', label('{"lable":1}', 'JSON'), ATTRS, /"lable", which is not a ground-truth attribute \(label\)/],
    ['GT_BAD_SHAPE', 'an object missing an attribute', label('{"a":1,"b":0}', 'JSON'), ONE_HOT, /lacks the ground-truth attribute "c"/],
    ['GT_BAD_SHAPE', 'an empty list', label('[]', 'JSON'), ATTRS, /empty list/],
    ['GT_COLUMN_COUNT', 'a CSV row narrower than the attributes', label('0,1'), ONE_HOT, /has 2 columns but there are 3 ground-truth attributes \(a, b, c\)/],
    ['GT_COLUMN_COUNT', 'a CSV row wider than one attribute', label('1,0'), ATTRS, /has 2 columns but there is 1 ground-truth attribute/],
    ['GT_COLUMN_COUNT', 'the second row of a record', label('0,1,0\n1,0'), ONE_HOT, /row 2 has 2 columns/],
    ['GT_COLUMN_COUNT', 'a bare value for several attributes', label('1', 'JSON'), ONE_HOT, /single value but there are 3/],
    ['GT_COLUMN_COUNT', 'a JSON array row of the wrong length', label('[[1,0]]', 'JSON'), ONE_HOT, /holds 2 values/],
    ['GT_BAD_VALUE', 'an empty CSV field', label('1,,0'), ONE_HOT, /column 2 \(b\) is empty/],
    ['GT_BAD_VALUE', 'a JSON null', label('{"label":null}', 'JSON'), ATTRS, /"label" is null, not a number or a string/],
    ['GT_BAD_VALUE', 'a JSON boolean', label('true', 'JSON'), ATTRS, /is a boolean/],
    ['GT_BAD_VALUE', 'a nested object', label('{"label":{"x":1}}', 'JSON'), ATTRS, /is an object/],
    ['GT_BAD_VALUE', 'an empty JSON string', label('{"label":""}', 'JSON'), ATTRS, /empty string/],
  ];

  it.each(cases)('%s: %s', (code, _name, line, attributes, message) => {
    const result = new GroundTruthChecker({ attributes }).check(line, 4);
    expect(result).toMatchObject({ ok: false, line: 4, code });
    expect(!result.ok && result.message).toMatch(message);
  });

  it('GT_DUPLICATE_PARTNER_ID: a later record labelling an ID again, naming the first line', () => {
    const checker = new GroundTruthChecker({ attributes: ATTRS });
    expect(checker.check(label('1\n0'), 1).ok).toBe(true);
    const again = checker.check(label('1', 'CSV', { eventId: 'x', inferenceId: 'e-1_1' }), 2);
    expect(again).toMatchObject({ ok: false, code: 'GT_DUPLICATE_PARTNER_ID' });
    expect(!again.ok && again.message).toMatch(/"e-1_1" was already labelled on line 1/);
  });

  it('covers every code of the table (EMPTY_FILE is the file-level one)', () => {
    const seen = new Set<string>([...cases.map((c) => c[0]), 'GT_DUPLICATE_PARTNER_ID', 'EMPTY_FILE']);
    expect([...seen].sort()).toEqual([...GROUND_TRUTH_ERROR_CODES].sort());
  });

  it('reports the code first in the table when rows fail differently', () => {
    // Row 1 has an empty value (GT_BAD_VALUE), row 2 the wrong width (GT_COLUMN_COUNT): the count wins.
    const result = new GroundTruthChecker({ attributes: ONE_HOT }).check(label('1,,0\n1,0'), 1);
    expect(result).toMatchObject({ ok: false, code: 'GT_COLUMN_COUNT' });
  });

  it('refuses a mapping without ground-truth attributes, or with repeated ones', () => {
    expect(() => new GroundTruthChecker({ attributes: [] })).toThrow(RangeError);
    expect(() => new GroundTruthChecker({ attributes: ['a', 'a'] })).toThrow(/unique/);
  });

  it('gives every code a hint, and a combined lookup answers capture codes too', () => {
    for (const code of GROUND_TRUTH_ERROR_CODES) expect(groundTruthHintFor({ code, message: '' }).length).toBeGreaterThan(20);
    expect(anyHintFor({ code: 'COUNT_MISMATCH', message: '' })).toMatch(/one prediction per input row/);
    expect(anyHintFor({ code: 'GT_COLUMN_COUNT', message: '' })).toMatch(/one value per ground-truth attribute/);
    expect(anyHintFor({ code: 'EMPTY_FILE', message: '' }, 'groundTruth')).toMatch(/label file/);
    expect(anyHintFor({ code: 'EMPTY_FILE', message: '' }, 'capture')).toMatch(/endpoint was invoked/);
  });
});

describe('without a mapping (a local validate)', () => {
  it('takes the layout of the first accepted record and holds the others to it', () => {
    const checker = new GroundTruthChecker();
    expect(checker.check(label('0,1,0'), 1).ok).toBe(true);
    expect(checker.check(label('1,0', 'CSV', { eventId: 'e-2' }), 2)).toMatchObject({ ok: false, code: 'GT_COLUMN_COUNT' });
    expect(checker.check(label('{"a":1,"b":0,"c":0}', 'JSON', { eventId: 'e-3' }), 3).ok).toBe(true);
    expect(checker.attributes).toEqual(['a', 'b', 'c']);
    expect(checker.check(label('{"a":1,"b":0,"d":0}', 'JSON', { eventId: 'e-4' }), 4)).toMatchObject({ ok: false, code: 'GT_BAD_SHAPE' });
  });

  it('does not let a rejected first record set the layout', () => {
    const checker = new GroundTruthChecker();
    expect(checker.check(label('1,', 'CSV'), 1).ok).toBe(false);
    expect(checker.check(label('1', 'CSV', { eventId: 'e-2' }), 2).ok).toBe(true);
  });
});

describe('recognising the kind of a record', () => {
  it.each([
    ['a label record', label('1'), 'groundTruth'],
    ['a capture record', JSON.stringify(csvRecord()), 'capture'],
    ['a merged record', JSON.stringify({ ...csvRecord(), groundTruthData: {} }), undefined],
    ['a truncated label record', '{"groundTruthData": {"data": "1", "enc', 'groundTruth'],
    ['a truncated capture record', '{"captureData": {"endpointInput": {', 'capture'],
    ['something else', '{"hello": 1}', undefined],
    ['not an object', '[1]', undefined],
  ])('%s', (_name, line, kind) => {
    expect(recordKindOf(line)).toBe(kind);
  });
});

describe('ground_truth_timestamp', () => {
  const lastModified = new Date('2024-02-01T10:11:12.345Z');
  it.each([
    ['the hour partition of the key', 'labels/ep/2024/01/19/19/gt.jsonl', '2024-01-19T19:00:00Z'],
    ['the last partition when the prefix holds dates too', 'gt/2023/12/31/00/run/2024/01/19/07/gt.jsonl', '2024-01-19T07:00:00Z'],
    ['LastModified without a partition', 'labels/gt.jsonl', '2024-02-01T10:11:12Z'],
    ['LastModified when the partition is no date', 'labels/2024/02/30/10/gt.jsonl', '2024-02-01T10:11:12Z'],
    ['LastModified when the hour is out of range', 'labels/2024/02/01/24/gt.jsonl', '2024-02-01T10:11:12Z'],
    ['LastModified when the date is the file name', 'labels/2024/01/19/19', '2024-02-01T10:11:12Z'],
  ])('%s', (_name, key, expected) => {
    expect(groundTruthTimestamp(key, lastModified)).toBe(expected);
  });
});
