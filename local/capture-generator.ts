/**
 * A seeded generator of realistic SageMaker Data Capture records, for the demo, the tests and the benchmarks.
 * Shapes follow what SageMaker writes for real-time endpoints: captureData.endpointInput/endpointOutput
 * ({observedContentType, mode, data, encoding}) and eventMetadata ({eventId, inferenceId?, inferenceTime}).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Valid record kinds. `b64*` are BASE64 sides and `jsonl` JSON Lines sides: valid, but need normalization. */
export const VALID_KINDS = ['csv', 'batch', 'json1', 'json2', 'b64csv', 'b64json', 'jsonl', 'quoted'] as const;
/** Kinds that break one rule each; the value is the error code the validator must give. */
export const INVALID_KINDS = {
  malformed: 'MALFORMED_JSON',
  groundTruth: 'WRONG_RECORD_KIND',
  noInput: 'MISSING_INPUT',
  noOutput: 'MISSING_OUTPUT',
  noEventId: 'MISSING_EVENT_ID',
  badTime: 'BAD_INFERENCE_TIME',
  b64image: 'UNSUPPORTED_ENCODING',
  xml: 'UNSUPPORTED_CONTENT_TYPE',
  flatList: 'BAD_JSON_SHAPE',
  reserved: 'RESERVED_FEATURE_NAME',
  mismatch: 'COUNT_MISMATCH',
} as const;

export type ValidKind = (typeof VALID_KINDS)[number];
export type InvalidKind = keyof typeof INVALID_KINDS;
export type Kind = ValidKind | InvalidKind;

export interface GeneratorOptions {
  seed?: number;
  /** Kinds to draw from, uniformly. Default: a realistic mix of valid kinds. */
  mix?: readonly Kind[];
  /** Share of records that carry an inferenceId (0..1). Default 0.3. */
  inferenceIdRate?: number;
  /** Most rows in a batch record. Default 8. */
  batchMax?: number;
  /** First inference time; records are 37 ms apart. */
  start?: Date;
}

/**
 * Weights of a realistic mix: numeric CSV most common, then JSON of both options, a few BASE64 and JSON Lines
 * sides, and now and then a CSV row with a quoted free-text field (the only kind that needs a full CSV parser).
 */
export const DEFAULT_MIX: readonly Kind[] = ['csv', 'csv', 'csv', 'batch', 'batch', 'json1', 'json1', 'json2', 'json2', 'b64csv', 'b64json', 'jsonl', 'quoted'];

/** A small deterministic PRNG (mulberry32): the same seed gives the same file on every machine. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORKCLASS = ['Private', 'Self-emp-not-inc', 'Local-gov', 'State-gov', 'Federal-gov'];
const EDUCATION = ['Bachelors', 'HS-grad', 'Masters', 'Some-college', 'Doctorate'];
const COUNTRY = ['United-States', 'Mexico', 'Canada', 'India', 'Germany'];

/** Generates capture records one at a time: `line()` draws a kind from the mix, `make(kind)` builds one record. */
export class CaptureGenerator {
  private readonly rand: () => number;
  private readonly mix: readonly Kind[];
  private readonly idRate: number;
  private readonly batchMax: number;
  private readonly start: number;
  private i = 0;

  constructor(options: GeneratorOptions = {}) {
    this.rand = prng(options.seed ?? 42);
    this.mix = options.mix ?? DEFAULT_MIX;
    this.idRate = options.inferenceIdRate ?? 0.3;
    this.batchMax = options.batchMax ?? 8;
    this.start = (options.start ?? new Date(Date.UTC(2026, 10, 24, 12, 0, 0))).getTime();
  }

  /** A record of the given kind (valid kinds give their inference count; invalid ones 0). */
  make(kind: Kind): { record: Record<string, unknown>; inferences: number } {
    const index = this.i++;
    const rows = kind === 'batch' || kind === 'jsonl' ? 2 + Math.floor(this.rand() * (this.batchMax - 1)) : 1;
    const features = Array.from({ length: rows }, () => this.row());
    const scores = features.map(() => this.rand().toFixed(6));
    const csvIn = features.map((r) => r.join(',')).join('\n') + (rows > 1 ? '\n' : '');
    const csvOut = scores.join('\n') + (rows > 1 ? '\n' : '');
    const json1In = JSON.stringify({ instances: features.map((r) => ({ features: r })) });
    const json1Out = JSON.stringify({ predictions: scores.map((p) => ({ probabilities: [Number(p), 1 - Number(p)] })) });
    let input: Record<string, unknown>;
    let output: Record<string, unknown>;
    switch (kind) {
      case 'csv':
      case 'batch':
      case 'mismatch':
        input = side('INPUT', 'text/csv', csvIn, 'CSV');
        output = side('OUTPUT', 'text/csv; charset=utf-8', kind === 'mismatch' ? `${csvOut}\n0.5\n` : csvOut, 'CSV');
        break;
      case 'quoted': {
        // RFC 4180: a quoted field may hold commas and a newline without ending the row.
        const text = `"${features[0][3]}, ${features[0][1]}\nfree-text note"`;
        input = side('INPUT', 'text/csv', `${features[0].slice(0, 3).join(',')},${text}`, 'CSV');
        output = side('OUTPUT', 'text/csv; charset=utf-8', csvOut, 'CSV');
        break;
      }
      case 'b64csv':
        input = side('INPUT', 'text/csv', b64(csvIn), 'BASE64');
        output = side('OUTPUT', 'text/csv; charset=utf-8', b64(csvOut), 'BASE64');
        break;
      case 'json1':
      case 'b64json':
        input = kind === 'b64json' ? side('INPUT', 'application/json', b64(json1In), 'BASE64') : side('INPUT', 'application/json', json1In, 'JSON');
        output = kind === 'b64json' ? side('OUTPUT', 'application/json', b64(json1Out), 'BASE64') : side('OUTPUT', 'application/json', json1Out, 'JSON');
        break;
      case 'jsonl':
        input = side('INPUT', 'application/jsonlines', features.map((r) => JSON.stringify({ features: r })).join('\n'), 'JSON');
        output = side('OUTPUT', 'application/jsonlines', `${scores.map((p) => JSON.stringify({ predicted_label: Number(p) > 0.5 ? 1 : 0, score: Number(p) })).join('\n')}\n`, 'JSON');
        break;
      case 'flatList':
        input = side('INPUT', 'application/json', JSON.stringify({ instances: features[0].filter((v) => typeof v === 'number') }), 'JSON');
        output = side('OUTPUT', 'application/json', JSON.stringify({ predictions: [Number(scores[0])] }), 'JSON');
        break;
      case 'reserved':
        input = side('INPUT', 'application/json', JSON.stringify({ instances: [{ age: features[0][0], features: 3 }] }), 'JSON');
        output = side('OUTPUT', 'application/json', JSON.stringify({ predictions: [{ score: Number(scores[0]) }] }), 'JSON');
        break;
      case 'b64image':
        input = side('INPUT', 'image/jpeg', b64('\u00ff\u00d8\u00ff\u00e0 not really a jpeg'), 'BASE64');
        output = side('OUTPUT', 'application/json', JSON.stringify({ predictions: [{ label: 'cat' }] }), 'JSON');
        break;
      case 'xml':
        input = side('INPUT', 'application/xml', '<row><age>30</age></row>', 'JSON');
        output = side('OUTPUT', 'text/csv', csvOut, 'CSV');
        break;
      default: {
        const n = this.json2(features, scores);
        input = n.input;
        output = n.output;
      }
    }
    const eventMetadata: Record<string, unknown> = {
      eventId: this.uuid(),
      ...(this.rand() < this.idRate ? { inferenceId: `req-${this.hex(10)}` } : {}),
      inferenceTime: new Date(this.start + index * 37).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const record: Record<string, unknown> = { captureData: { endpointInput: input, endpointOutput: output }, eventMetadata, eventVersion: '0' };
    switch (kind) {
      case 'noInput':
        delete (record.captureData as Record<string, unknown>).endpointInput;
        break;
      case 'noOutput':
        delete (record.captureData as Record<string, unknown>).endpointOutput;
        break;
      case 'noEventId':
        delete eventMetadata.eventId;
        break;
      case 'badTime':
        eventMetadata.inferenceTime = '{%s}';
        break;
      case 'groundTruth':
        return { record: { groundTruthData: { data: '1', encoding: 'CSV' }, eventMetadata, eventVersion: '0' }, inferences: 0 };
      default:
    }
    const valid = (VALID_KINDS as readonly string[]).includes(kind);
    return { record, inferences: valid ? rows : 0 };
  }

  /** One line of JSONL for a record; `malformed` records come out cut in the middle. */
  line(kind?: Kind): { kind: Kind; text: string; inferences: number } {
    const drawn = kind ?? this.pick(this.mix);
    if (drawn === 'malformed') {
      const text = JSON.stringify(this.make('csv').record);
      return { kind: drawn, text: text.slice(0, Math.floor(text.length / 2)), inferences: 0 };
    }
    const { record, inferences } = this.make(drawn);
    return { kind: drawn, text: JSON.stringify(record), inferences };
  }

  private json2(features: Array<Array<string | number>>, scores: string[]): { input: Record<string, unknown>; output: Record<string, unknown> } {
    const input = JSON.stringify({ instances: features.map((r) => ({ age: r[0], workclass: r[1], fnlwgt: r[2], education: r[3] })) });
    const output = JSON.stringify({ predictions: scores.map((p) => ({ closest_cluster: Math.floor(Number(p) * 10), distance_to_cluster: Number(p) * 100 })) });
    return { input: side('INPUT', 'application/json', input, 'JSON'), output: side('OUTPUT', 'application/json', output, 'JSON') };
  }

  private row(): Array<string | number> {
    const r = this.rand;
    return [17 + Math.floor(r() * 60), this.pick(WORKCLASS), 10000 + Math.floor(r() * 400000), this.pick(EDUCATION), 1 + Math.floor(r() * 16), 'Married-civ-spouse', 'Sales', Math.floor(r() * 80), this.pick(COUNTRY)];
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  private hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.rand() * 16).toString(16);
    return s;
  }

  private uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
}

function side(mode: string, observedContentType: string, data: string, encoding: string): Record<string, unknown> {
  return { observedContentType, mode, data, encoding };
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Writes a capture file of about `bytes` bytes or `records` records; resolves to what it wrote. */
export async function writeCaptureFile(
  path: string,
  options: GeneratorOptions & { bytes?: number; records?: number },
): Promise<{ records: number; bytes: number; inferences: number }> {
  const generator = new CaptureGenerator(options);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const maxBytes = options.bytes ?? Infinity;
  const maxRecords = options.records ?? (options.bytes === undefined ? 1000 : Infinity);
  let bytes = 0;
  let records = 0;
  let inferences = 0;
  while (records < maxRecords && bytes < maxBytes) {
    const line = generator.line();
    const text = `${line.text}\n`;
    bytes += Buffer.byteLength(text);
    records++;
    inferences += line.inferences;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { records, bytes, inferences };
}
