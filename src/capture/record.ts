import { FingerprintSet, partnerInferenceIds } from './partner-ids.js';
import {
  checkItems,
  checkJsonShape,
  countCsvRows,
  csvRowTexts,
  decodeBase64Text,
  parseContentType,
  type JsonShape,
  type PayloadKind,
} from './payload.js';
import { partnerIdBase, wrongKindMessage } from './ground-truth/record.js';
import type { AcceptedRecord, ErrorCode, Inference, RecordResult } from './types.js';

type SideName = 'endpointInput' | 'endpointOutput';
type Json = Record<string, unknown>;

export interface CheckOptions {
  /** Build `text` for normalized records (the normalized JSON line). Off for a plain verdict: it costs a stringify. */
  text?: boolean;
  /** Also return each inference with its own input and output (the Arthur receiver needs them). */
  explode?: boolean;
}

/** A side read as text, before its shape is checked. */
interface PlainSide {
  kind: PayloadKind;
  text: string;
  /** Set when the side was BASE64: its media type with a UTF-8 charset. */
  relabel?: string;
}

/** A side once counted: its inference count and, for JSON kinds, the parsed items. */
interface CountedSide {
  count: number;
  items?: unknown[];
}

class Rejection {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

/** `text.trim() === ''` without trimming a long payload: a first character that is printable ASCII settles it. */
function isEmptyText(text: string): boolean {
  const c = text.charCodeAt(0);
  return !(c > 0x20 && c < 0x7f) && text.trim() === '';
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sideLabel = (side: SideName): string => (side === 'endpointInput' ? 'input' : 'output');
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

// ISO-8601 extended format with a zone: what SageMaker writes and what Arthur parses as an instant.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a value is a valid ISO-8601 instant: date, time and a zone (Z or an offset), every field in range.
 * @example isIsoInstant('2024-01-19T19:27:57Z') // true
 * @example isIsoInstant('2024-02-30T00:00:00Z') // false
 */
export function isIsoInstant(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // Records of a busy endpoint share their second: the last valid instant again costs one comparison.
  if (value === lastInstant) return true;
  if (!checkIsoInstant(value)) return false;
  lastInstant = value;
  return true;
}

let lastInstant = '';

function checkIsoInstant(value: string): boolean {
  // SageMaker writes "YYYY-MM-DDTHH:MM:SSZ": read that by character codes; anything else goes through the regex.
  if (value.length === 20 && value.charCodeAt(19) === 90 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45 && value.charCodeAt(10) === 84 && value.charCodeAt(13) === 58 && value.charCodeAt(16) === 58) {
    const year = digits(value, 0, 4);
    const month = digits(value, 5, 2);
    const day = digits(value, 8, 2);
    const hour = digits(value, 11, 2);
    const minute = digits(value, 14, 2);
    const second = digits(value, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false;
    return inRange(year, month, day, hour, minute, second);
  }
  const m = ISO_INSTANT.exec(value);
  if (m === null) return false;
  if (!inRange(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] === undefined ? 0 : +m[6])) return false;
  return m[7] === undefined || (+m[8] <= 23 && (m[9] === undefined || +m[9] <= 59));
}

function digits(s: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function inRange(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1] + (month === 2 && leap ? 1 : 0);
}

/**
 * Checks capture records one line at a time by Arthur's rules, for one file: it remembers the partner IDs already
 * accepted, so a later record repeating one is rejected with DUPLICATE_PARTNER_ID.
 * @example
 * const checker = new CaptureChecker();
 * const result = checker.check(line, 1);
 * if (result.ok) console.log(result.partnerInferenceIds); else console.log(result.code, result.message);
 */
export class CaptureChecker {
  private readonly seen = new FingerprintSet();

  /** Checks one non-blank physical line. Never throws for bad input: every problem is a rejection with a code. */
  check(text: string, line: number, options: CheckOptions = {}): RecordResult {
    try {
      return this.checkOrThrow(text, line, options);
    } catch (err) {
      if (err instanceof Rejection) return { ok: false, line, code: err.code, message: err.message };
      throw err;
    }
  }

  private checkOrThrow(text: string, line: number, options: CheckOptions): AcceptedRecord {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new Rejection('MALFORMED_JSON', `line is not valid JSON (${(err as Error).message}); each line of a capture file is one JSON record`);
    }
    if (!isObject(record)) {
      throw new Rejection('UNSUPPORTED_RECORD', `line is ${typeName(record)}, not a capture record object`);
    }
    const captureData = record.captureData;
    if (record.groundTruthData !== undefined) {
      // A label file under a capture mapping says which kind the mapping expects; a merged record (both) is neither.
      if (captureData === undefined) throw new Rejection('WRONG_RECORD_KIND', wrongKindMessage('capture'));
      throw new Rejection('UNSUPPORTED_RECORD', 'a Model Monitor merged record (captureData and groundTruthData), not an endpoint capture');
    }
    if (!isObject(captureData)) {
      throw new Rejection('UNSUPPORTED_RECORD', captureData === undefined ? 'no captureData: not a SageMaker Data Capture record' : `captureData is ${typeName(captureData)}, not an object`);
    }
    if (captureData.batchTransformOutput !== undefined) {
      throw new Rejection('UNSUPPORTED_RECORD', 'a batch transform capture (captureData.batchTransformOutput), not an endpoint capture');
    }
    if (captureData.endpointInput === undefined && captureData.endpointOutput === undefined) {
      throw new Rejection('UNSUPPORTED_RECORD', 'captureData holds neither endpointInput nor endpointOutput');
    }
    const input = requireSide(captureData, 'endpointInput');
    const output = requireSide(captureData, 'endpointOutput');

    const metadata = record.eventMetadata;
    if (!isObject(metadata)) {
      throw new Rejection('MISSING_EVENT_ID', metadata === undefined ? 'no eventMetadata, so no eventId' : `eventMetadata is ${typeName(metadata)}, not an object`);
    }
    const eventId = metadata.eventId;
    if (typeof eventId !== 'string' || isEmptyText(eventId)) {
      throw new Rejection('MISSING_EVENT_ID', eventId === undefined ? 'eventMetadata.eventId is missing' : `eventMetadata.eventId is ${typeName(eventId)}${typeof eventId === 'string' ? ' (empty)' : ''}, not a non-empty string`);
    }
    if (!isIsoInstant(metadata.inferenceTime)) {
      throw new Rejection(
        'BAD_INFERENCE_TIME',
        metadata.inferenceTime === undefined
          ? 'eventMetadata.inferenceTime is missing'
          : `eventMetadata.inferenceTime ${JSON.stringify(metadata.inferenceTime)?.slice(0, 60)} is not an ISO-8601 instant such as 2024-01-19T19:27:57Z`,
      );
    }

    const plainIn = decodeSide(input, 'endpointInput');
    const plainOut = decodeSide(output, 'endpointOutput');
    const kindIn = kindOfSide(input, 'endpointInput');
    const kindOut = kindOfSide(output, 'endpointOutput');
    const sideIn: PlainSide = { kind: kindIn, text: plainIn.text, relabel: plainIn.relabel };
    const sideOut: PlainSide = { kind: kindOut, text: plainOut.text, relabel: plainOut.relabel };
    // CSV validity belongs to "is this really the declared content type", which precedes the JSON shape rules.
    const csvIn = kindIn === 'csv' ? countCsv(sideIn.text, 'endpointInput') : undefined;
    const csvOut = kindOut === 'csv' ? countCsv(sideOut.text, 'endpointOutput') : undefined;

    const shapeIn = kindIn === 'csv' ? undefined : jsonShape(sideIn, 'endpointInput', 'instances');
    const shapeOut = kindOut === 'csv' ? undefined : jsonShape(sideOut, 'endpointOutput', 'predictions');
    // Shape errors on either side come before reserved names on either side (DESIGN's order of codes).
    if (shapeIn !== undefined && !shapeIn.ok && shapeIn.code === 'BAD_JSON_SHAPE') throw shapeRejection(shapeIn, 'endpointInput');
    if (shapeOut !== undefined && !shapeOut.ok && shapeOut.code === 'BAD_JSON_SHAPE') throw shapeRejection(shapeOut, 'endpointOutput');
    if (shapeIn !== undefined && !shapeIn.ok) throw shapeRejection(shapeIn, 'endpointInput');
    if (shapeOut !== undefined && !shapeOut.ok) throw shapeRejection(shapeOut, 'endpointOutput');
    const countedIn: CountedSide = shapeIn?.ok ? { count: shapeIn.items.length, items: shapeIn.items } : { count: csvIn ?? 0 };
    const countedOut: CountedSide = shapeOut?.ok ? { count: shapeOut.items.length, items: shapeOut.items } : { count: csvOut ?? 0 };
    if (countedIn.count !== countedOut.count) {
      throw new Rejection(
        'COUNT_MISMATCH',
        `input holds ${countedIn.count} inference${countedIn.count === 1 ? '' : 's'} but output holds ${countedOut.count}; Arthur pairs them one to one`,
      );
    }

    const baseId = partnerIdBase({ eventId, inferenceId: metadata.inferenceId });
    const first = this.seen.addRecord(baseId, countedIn.count, line);
    if (first !== undefined) {
      throw new Rejection('DUPLICATE_PARTNER_ID', `partner inference ID ${JSON.stringify(first.id)} was already used on line ${first.line}; IDs must be unique within a file`);
    }

    const normalized = sideIn.relabel !== undefined || sideOut.relabel !== undefined || kindIn === 'jsonl' || kindOut === 'jsonl';
    const result = new Accepted(line, countedIn.count, baseId, normalized, text);
    if (normalized && options.text !== false) {
      result.text = JSON.stringify(normalizeRecord(record, captureData, input, output, [sideIn, countedIn], [sideOut, countedOut]));
    }
    if (options.explode) {
      result.exploded = explode(result.partnerInferenceIds, metadata.inferenceTime as string, [sideIn, countedIn], [sideOut, countedOut]);
    }
    return result;
  }
}

function shapeRejection(shape: Extract<JsonShape, { ok: false }>, side: SideName): Rejection {
  return new Rejection(shape.code, `endpoint ${sideLabel(side)} ${shape.message}`);
}

/** An accepted record; its partner IDs are built only when someone reads them (most callers need the count). */
class Accepted implements AcceptedRecord {
  readonly ok = true;
  exploded?: Inference[];
  private ids?: string[];

  constructor(
    readonly line: number,
    readonly inferences: number,
    readonly partnerInferenceId: string,
    readonly normalized: boolean,
    public text: string,
  ) {}

  get partnerInferenceIds(): string[] {
    this.ids ??= partnerInferenceIds(this.partnerInferenceId, this.inferences);
    return this.ids;
  }
}

function requireSide(captureData: Json, side: SideName): Json {
  const value = captureData[side];
  const code = side === 'endpointInput' ? 'MISSING_INPUT' : 'MISSING_OUTPUT';
  const hint = side === 'endpointInput' ? 'capture Input' : 'capture Output';
  if (value === undefined || value === null) {
    throw new Rejection(code, `captureData.${side} is missing; enable both Input and Output in the endpoint's CaptureOptions (${hint})`);
  }
  if (!isObject(value)) throw new Rejection(code, `captureData.${side} is ${typeName(value)}, not an object`);
  if (typeof value.data !== 'string') {
    throw new Rejection(code, value.data === undefined ? `captureData.${side}.data is missing` : `captureData.${side}.data is ${typeName(value.data)}, not a string`);
  }
  if (isEmptyText(value.data)) throw new Rejection(code, `captureData.${side}.data is empty`);
  return value;
}

/** Reads a side's data as plain text, decoding BASE64 when its observed content type says it is CSV or JSON. */
function decodeSide(side: Json, name: SideName): { text: string; relabel?: string } {
  const encoding = side.encoding;
  const data = side.data as string;
  if (encoding === 'CSV' || encoding === 'JSON') return { text: data };
  if (encoding !== 'BASE64') {
    throw new Rejection(
      'UNSUPPORTED_ENCODING',
      encoding === undefined ? `${name}.encoding is missing` : `${name}.encoding ${JSON.stringify(encoding)?.slice(0, 40)} is not CSV, JSON or BASE64`,
    );
  }
  const observed = side.observedContentType;
  if (typeof observed !== 'string' || observed.trim() === '') {
    throw new Rejection('UNSUPPORTED_ENCODING', `${name} is BASE64 with no observedContentType, so it cannot be decoded into CSV or JSON`);
  }
  const type = parseContentType(observed);
  const kind = type.kind;
  if (kind === undefined) {
    throw new Rejection('UNSUPPORTED_ENCODING', `${name} is BASE64 of ${JSON.stringify(observed.slice(0, 60))}, which Arthur cannot ingest (only CSV or JSON)`);
  }
  try {
    const text = decodeBase64Text(data, type.charset ?? 'utf-8');
    if (isEmptyText(text)) throw new Rejection(name === 'endpointInput' ? 'MISSING_INPUT' : 'MISSING_OUTPUT', `captureData.${name}.data decodes to nothing`);
    return { text, relabel: type.charset === undefined || type.charset === 'utf-8' || type.charset === 'utf8' ? observed : `${type.mediaType}; charset=utf-8` };
  } catch (err) {
    if (err instanceof Rejection) throw err;
    throw new Rejection('UNSUPPORTED_ENCODING', `${name} is BASE64 but ${(err as Error).message}`);
  }
}

/** The payload kind of a side: its observed content type, or its encoding when SageMaker recorded no type. */
function kindOfSide(side: Json, name: SideName): PayloadKind {
  const observed = side.observedContentType;
  if (observed === undefined || observed === null) return side.encoding === 'CSV' ? 'csv' : 'json';
  if (typeof observed !== 'string') throw new Rejection('UNSUPPORTED_CONTENT_TYPE', `${name}.observedContentType is ${typeName(observed)}, not a string`);
  const kind = parseContentType(observed).kind;
  if (kind === undefined) {
    throw new Rejection(
      'UNSUPPORTED_CONTENT_TYPE',
      `${name}.observedContentType ${JSON.stringify(observed.slice(0, 60))} is not one Arthur ingests (text/csv, application/json, application/jsonlines)`,
    );
  }
  return kind;
}

function countCsv(text: string, name: SideName): number {
  try {
    return countCsvRows(text);
  } catch (err) {
    throw new Rejection('UNSUPPORTED_CONTENT_TYPE', `${name} is declared text/csv but is not valid RFC 4180 CSV (${(err as Error).message})`);
  }
}

function jsonShape(side: PlainSide, name: SideName, jsonlKey: 'instances' | 'predictions'): JsonShape {
  if (side.kind === 'json') {
    let payload: unknown;
    try {
      payload = JSON.parse(side.text);
    } catch (err) {
      return { ok: false, code: 'BAD_JSON_SHAPE', message: `data is not valid JSON (${(err as Error).message})` };
    }
    return checkJsonShape(payload);
  }
  // JSON Lines: one object per line, converted to {"instances": [...]} / {"predictions": [...]} for Arthur.
  const items: unknown[] = [];
  const rows = side.text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].trim() === '') continue;
    try {
      items.push(JSON.parse(rows[i]));
    } catch (err) {
      return { ok: false, code: 'BAD_JSON_SHAPE', message: `JSON Lines row ${i + 1} of ${name}.data is not valid JSON (${(err as Error).message})` };
    }
  }
  if (items.length === 0) return { ok: false, code: 'BAD_JSON_SHAPE', message: `JSON Lines data of ${name} holds no row` };
  return checkItems(jsonlKey, items);
}

function normalizedSide(original: Json, [side, counted]: [PlainSide, CountedSide], key: 'instances' | 'predictions'): Json {
  if (side.kind === 'jsonl') {
    return { ...original, observedContentType: 'application/json', data: JSON.stringify({ [key]: counted.items }), encoding: 'JSON' };
  }
  if (side.relabel !== undefined) {
    return { ...original, observedContentType: side.relabel, data: side.text, encoding: side.kind === 'csv' ? 'CSV' : 'JSON' };
  }
  return original;
}

function normalizeRecord(record: Json, captureData: Json, input: Json, output: Json, sideIn: [PlainSide, CountedSide], sideOut: [PlainSide, CountedSide]): Json {
  return {
    ...record,
    captureData: {
      ...captureData,
      endpointInput: normalizedSide(input, sideIn, 'instances'),
      endpointOutput: normalizedSide(output, sideOut, 'predictions'),
    },
  };
}

function explode(ids: string[], inferenceTime: string, sideIn: [PlainSide, CountedSide], sideOut: [PlainSide, CountedSide]): Inference[] {
  const inputs = sideIn[1].items ?? csvRowTexts(sideIn[0].text);
  const outputs = sideOut[1].items ?? csvRowTexts(sideOut[0].text);
  return ids.map((partnerInferenceId, i) => ({ partnerInferenceId, inferenceTime, input: inputs[i], output: outputs[i] }));
}
