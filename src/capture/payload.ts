import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';

/** How a side's `data` is read once it is plain text. */
export type PayloadKind = 'csv' | 'json' | 'jsonl';

export interface ContentType {
  /** Lower-cased media type without parameters, e.g. `text/csv`. */
  mediaType: string;
  /** Lower-cased `charset` parameter, when given. */
  charset?: string;
  /** How Arthur reads this media type; undefined when it reads none. */
  kind?: PayloadKind;
}

const KIND_OF_MEDIA_TYPE: Record<string, PayloadKind> = {
  'text/csv': 'csv',
  'application/json': 'json',
  // SageMaker's built-in algorithms say `application/jsonlines`; the other two spellings are seen in BYO containers.
  'application/jsonlines': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
};

/**
 * Parses an observed content type, parameters and all.
 * @example parseContentType('text/csv; charset=UTF-8') // { mediaType: 'text/csv', charset: 'utf-8', kind: 'csv' }
 */
export function parseContentType(value: string): ContentType {
  // A file holds a handful of distinct content types, repeated on every record, most often the same pair as the
  // record before (input's, then output's): a string comparison with each of the last two, then one Map lookup.
  if (value === lastValue) return lastType;
  if (value === otherValue) {
    const type = otherType;
    otherValue = lastValue;
    otherType = lastType;
    lastValue = value;
    lastType = type;
    return type;
  }
  let cached = contentTypes.get(value);
  if (cached === undefined) {
    const parsed = parseContentTypeUncached(value);
    const kind = kindOfMediaType(parsed.mediaType);
    cached = Object.freeze(kind === undefined ? parsed : { ...parsed, kind });
    if (contentTypes.size > 1000) contentTypes.clear();
    contentTypes.set(value, cached);
  }
  otherValue = lastValue;
  otherType = lastType;
  lastValue = value;
  lastType = cached;
  return cached;
}

const contentTypes = new Map<string, ContentType>();
let lastValue: string | undefined;
let lastType: ContentType = { mediaType: '' };
let otherValue: string | undefined;
let otherType: ContentType = lastType;

function parseContentTypeUncached(value: string): ContentType {
  const [type, ...params] = value.split(';');
  const result: ContentType = { mediaType: type.trim().toLowerCase() };
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'charset') {
      result.charset = param.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return result;
}

/**
 * The payload kind Arthur can read for a media type, or undefined when it can read none.
 * @example kindOfMediaType('application/jsonlines') // 'jsonl'
 */
export function kindOfMediaType(mediaType: string): PayloadKind | undefined {
  return Object.hasOwn(KIND_OF_MEDIA_TYPE, mediaType) ? KIND_OF_MEDIA_TYPE[mediaType] : undefined;
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
const decoders = new Map<string, TextDecoder>();

/**
 * Decodes standard base64 (whitespace tolerated) into text of the given charset; throws a plain Error whose
 * message says what is wrong. Node's own decoder skips invalid characters silently, hence the explicit check.
 * @example decodeBase64Text('aGk=', 'utf-8') // 'hi'
 */
export function decodeBase64Text(data: string, charset = 'utf-8'): string {
  const bytes = decodePlainBase64(data) ?? decodeCheckedBase64(data);
  if (charset === 'utf-8' || charset === 'utf8') {
    if (!isUtf8(bytes)) throw new Error(`decoded bytes are not valid ${charset}`);
    return bytes.toString('utf8');
  }
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new Error(`charset "${charset}" is unknown`);
    }
    decoders.set(charset, decoder);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new Error(`decoded bytes are not valid ${charset}`);
  }
}

/**
 * The common case in one pass: padded standard base64 without whitespace. Node's decoder skips what is not in its
 * alphabet, so with a length that is a multiple of 4 any such character makes the output shorter than the length
 * implies; the two characters it accepts beyond the standard alphabet (base64url's `-` and `_`) are looked for.
 * Undefined when this is not that case, for the checked path to decide.
 * @example decodePlainBase64('aGk=') // <Buffer 68 69>
 * @example decodePlainBase64('aGk') // undefined: unpadded, for the checked path
 */
export function decodePlainBase64(data: string): Buffer | undefined {
  const n = data.length;
  if (n === 0 || n % 4 !== 0 || data.indexOf('-') !== -1 || data.indexOf('_') !== -1) return undefined;
  const pad = data.charCodeAt(n - 1) !== 61 ? 0 : data.charCodeAt(n - 2) !== 61 ? 1 : 2; // '='
  const bytes = Buffer.from(data, 'base64');
  return bytes.length === (n / 4) * 3 - pad ? bytes : undefined;
}

function decodeCheckedBase64(data: string): Buffer {
  if (!BASE64.test(data)) throw new Error('data is not valid base64');
  const compact = /\s/.test(data) ? data.replace(/\s+/g, '') : data;
  if (compact.length % 4 === 1) throw new Error('data is not valid base64 (truncated)');
  return Buffer.from(compact, 'base64');
}

/**
 * Counts the inferences of a CSV payload: one per non-empty row, RFC 4180.
 * Without CR, a payload is walked from quote to quote (`walkCsvRows`): between quotes a newline always ends a row,
 * inside them never, so a payload without `"` is counted by its newlines alone. csv-parse decides whatever that
 * walk does not find plainly well formed, and anything holding a CR.
 * Throws a plain Error when the payload is not valid CSV (an unclosed quote).
 * @example countCsvRows('1,2\n3,"a\nb"\n') // 2
 */
export function countCsvRows(data: string): number {
  if (data.indexOf('\r') === -1) {
    const rows = walkCsvRows(data);
    if (rows >= 0) return rows;
  }
  try {
    return (parseCsv(data, COUNT_OPTIONS) as unknown[]).length;
  } catch (err) {
    throw csvError(err);
  }
}

const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;

/**
 * Counts the rows of a CSV payload without CR, by RFC 4180, walking from quote to quote with indexOf (a payload
 * without quotes is one unquoted stretch); -1 means "not the plain well-formed case", and the caller hands the
 * payload to csv-parse, whose
 * verdict and error message are authoritative. Only what csv-parse (with the options below) would count the same
 * way is counted here: a quote opens a field only right after a comma, a newline or the start; a quoted field
 * ends with `"` followed by a comma, a newline or the end; `""` inside it is a quote. Anything else — a quote
 * inside an unquoted field, text after a closing quote, an unclosed quote — goes to csv-parse.
 * Setting up csv-parse costs more than the scan itself for the short payloads of one capture record.
 * @example walkCsvRows('1,"a\nb"\n2,c\n') // 2
 * @example walkCsvRows('1,a"b\n') // -1: a quote inside an unquoted field, for csv-parse to judge
 */
export function walkCsvRows(data: string): number {
  const n = data.length;
  let rows = 0;
  // Whether the row being read holds anything yet (an empty line is skipped; `""` alone is a row).
  let inRow = false;
  let pos = 0;
  for (;;) {
    const q = data.indexOf('"', pos);
    const end = q === -1 ? n : q;
    // The unquoted stretch [pos, end): every newline ends a row.
    let start = pos;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl === -1 || nl >= end) break;
      if (nl > start || inRow) rows++;
      inRow = false;
      start = nl + 1;
    }
    if (end > start) inRow = true;
    if (q === -1) return inRow ? rows + 1 : rows;
    if (q > 0) {
      const before = data.charCodeAt(q - 1);
      if (before !== COMMA && before !== NEWLINE) return -1;
    }
    // The quoted field from q: find its closing quote, skipping doubled ones.
    let at = q + 1;
    for (;;) {
      const close = data.indexOf('"', at);
      if (close === -1) return -1;
      if (data.charCodeAt(close + 1) === QUOTE) {
        at = close + 2;
        continue;
      }
      at = close + 1;
      break;
    }
    inRow = true;
    if (at === n) return rows + 1;
    const after = data.charCodeAt(at);
    if (after === COMMA) {
      pos = at + 1;
    } else if (after === NEWLINE) {
      rows++;
      inRow = false;
      pos = at + 1;
    } else {
      return -1;
    }
  }
}

// Explicit delimiters spare csv-parse its per-call auto-discovery; CRLF, LF and CR all end a row (RFC 4180 + both
// platform conventions), and a newline inside quotes never does.
const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];
const COUNT_OPTIONS = { relax_column_count: true, skip_empty_lines: true, record_delimiter: RECORD_DELIMITERS };
const RAW_OPTIONS = { ...COUNT_OPTIONS, raw: true };

/**
 * The rows of a CSV payload as the text of each row (without its line break), RFC 4180.
 * @example csvRowTexts('a,b\n"x\ny",z\n') // ['a,b', '"x\ny",z']
 */
export function csvRowTexts(data: string): string[] {
  if (data.indexOf('"') === -1 && data.indexOf('\r') === -1) return data.split('\n').filter((row) => row.length > 0);
  try {
    return (parseCsv(data, RAW_OPTIONS) as unknown as Array<{ raw: string }>).map((r) => r.raw.replace(/\r?\n$|\r$/, ''));
  } catch (err) {
    throw csvError(err);
  }
}

function csvError(err: unknown): Error {
  return new Error(err instanceof Error ? err.message : String(err));
}

/** Outcome of checking a JSON payload against Arthur's two accepted shapes. */
export type JsonShape =
  | { ok: true; key: 'instances' | 'predictions'; items: unknown[] }
  | { ok: false; code: 'BAD_JSON_SHAPE' | 'RESERVED_FEATURE_NAME'; message: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Checks a parsed JSON payload against Arthur's shapes: a top-level `instances` or `predictions` array of objects,
 * each either `{"features": [...]}` / `{"probabilities": [...]}` (option 1) or feature-name keys (option 2), where a
 * feature may not be named like the four reserved words. Shape errors anywhere win over reserved-name errors.
 * @example checkJsonShape({ predictions: [{ score: 0.9 }] }) // { ok: true, key: 'predictions', items: [...] }
 */
export function checkJsonShape(payload: unknown): JsonShape {
  if (!isPlainObject(payload)) {
    return { ok: false, code: 'BAD_JSON_SHAPE', message: `is ${describe(payload)}; Arthur needs an object with an "instances" or "predictions" array` };
  }
  const hasInstances = payload.instances !== undefined;
  const hasPredictions = payload.predictions !== undefined;
  if (hasInstances && hasPredictions) {
    return { ok: false, code: 'BAD_JSON_SHAPE', message: 'has both "instances" and "predictions"; Arthur needs exactly one of them' };
  }
  if (!hasInstances && !hasPredictions) {
    const keys = Object.keys(payload).slice(0, 5).map((k) => JSON.stringify(k)).join(', ');
    return { ok: false, code: 'BAD_JSON_SHAPE', message: `has no "instances" or "predictions" key (top-level keys: ${keys || 'none'})` };
  }
  const key = hasInstances ? 'instances' : 'predictions';
  const items = payload[key];
  if (!Array.isArray(items)) return { ok: false, code: 'BAD_JSON_SHAPE', message: `"${key}" is ${describe(items)}, not an array` };
  if (items.length === 0) return { ok: false, code: 'BAD_JSON_SHAPE', message: `"${key}" is empty; a capture holds at least one inference` };
  return checkItems(key, items);
}

/** Checks the elements of an `instances`/`predictions` array (also used for converted JSON Lines). */
export function checkItems(key: 'instances' | 'predictions', items: unknown[]): JsonShape {
  let reserved: string | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isPlainObject(item)) {
      return {
        ok: false,
        code: 'BAD_JSON_SHAPE',
        message: `"${key}"[${i}] is ${describe(item)}; each inference must be an object ({"features": [...]} or feature-name keys)`,
      };
    }
    // Counting keys with for-in allocates nothing: this runs once per inference of every JSON record.
    let count = 0;
    let first = '';
    let reservedHere: string | undefined;
    for (const name in item) {
      if (count++ === 0) first = name;
      if (reservedHere === undefined && (name === 'instances' || name === 'predictions' || name === 'features' || name === 'probabilities')) reservedHere = name;
    }
    if (count === 0) return { ok: false, code: 'BAD_JSON_SHAPE', message: `"${key}"[${i}] is an empty object` };
    if (count === 1 && (first === 'features' || first === 'probabilities')) {
      // Option 1: the reserved word is the wrapper itself, and it must wrap a list.
      const wrapped = item[first];
      if (!Array.isArray(wrapped)) {
        return { ok: false, code: 'BAD_JSON_SHAPE', message: `"${key}"[${i}].${first} is ${describe(wrapped)}, not an array` };
      }
      continue;
    }
    if (reserved === undefined && reservedHere !== undefined) reserved = `"${key}"[${i}] uses the reserved name "${reservedHere}"`;
  }
  if (reserved !== undefined) {
    return {
      ok: false,
      code: 'RESERVED_FEATURE_NAME',
      message: `${reserved} as a feature name; "features"/"probabilities" may only wrap a list on their own, and "instances"/"predictions" never name a feature`,
    };
  }
  return { ok: true, key, items };
}
