import { FingerprintSet, partnerInferenceIds } from '../partner-ids.js';
import { decodeBase64Text, parseContentType } from '../payload.js';
import type { GroundTruthErrorCode, GroundTruthValue, LabelRecordResult, RecordKind } from './types.js';
import { type AttributeLayout, csvLabelRows, describe, isPlainObject, jsonLabelRows, LabelDataError } from './values.js';

export interface GroundTruthCheckOptions {
  /**
   * The mapping's ground-truth attribute names, in order (one-hot classifiers: one per class). Without them (a local
   * `capture-router validate` knows no mapping) the file's first accepted record sets the layout the others must follow.
   */
  attributes?: readonly string[];
}

class Rejection {
  constructor(
    readonly code: GroundTruthErrorCode,
    readonly message: string,
  ) {}
}

/**
 * The partner inference ID base of a record, by the capture side's rule: the call's `inferenceId` when it gave one
 * (a non-empty string, or a number), else the `eventId`. Model Monitor's label format puts the InferenceId in `eventId`
 * itself (AWS, "Ingest Ground Truth labels and merge them with predictions"); its merged records carry `inferenceId`.
 * @example partnerIdBase({ eventId: 'e-1', inferenceId: '7' }) // '7'
 * @example partnerIdBase({ eventId: 'e-1' }) // 'e-1'
 */
export function partnerIdBase(metadata: { eventId: string; inferenceId?: unknown }): string {
  const inferenceId = metadata.inferenceId;
  if (typeof inferenceId === 'string' && inferenceId !== '') return inferenceId;
  if (typeof inferenceId === 'number' && Number.isFinite(inferenceId)) return String(inferenceId);
  return metadata.eventId;
}

/**
 * The message of WRONG_RECORD_KIND, for either checker: which kind the line is and which the mapping expects.
 * @example wrongKindMessage('groundTruth') // 'a SageMaker Data Capture record (captureData), but the mapping … expects ground-truth records …'
 */
export function wrongKindMessage(expected: RecordKind): string {
  return expected === 'groundTruth'
    ? `a SageMaker Data Capture record (captureData), but the mapping of this prefix expects ground-truth records (kind groundTruth: {"groundTruthData": …, "eventMetadata": {"eventId": …}})`
    : `a ground-truth record (groundTruthData), but the mapping of this prefix expects endpoint captures (kind capture); register the label prefix with a groundTruth mapping`;
}

/**
 * Checks Model Monitor ground-truth records one line at a time, for one file: types each row's values against the
 * ground-truth attributes and remembers the partner IDs already labelled, so a later record repeating one is rejected.
 * @example
 * const checker = new GroundTruthChecker({ attributes: ['label'] });
 * checker.check('{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"e-1"},"eventVersion":"0"}', 1);
 * // { ok: true, partnerInferenceIds: ['e-1'], rows: [[1]], … }
 */
export class GroundTruthChecker {
  private readonly seen = new FingerprintSet();
  private layout: AttributeLayout | undefined;

  constructor(options: GroundTruthCheckOptions = {}) {
    if (options.attributes !== undefined) this.layout = { names: checkAttributeNames(options.attributes), named: true };
  }

  /** The attribute names rows are typed against (the mapping's, or those the file showed first). */
  get attributes(): readonly string[] | undefined {
    return this.layout?.named ? this.layout.names : undefined;
  }

  /** Checks one non-blank physical line. Never throws for bad input: every problem is a rejection with a code. */
  check(text: string, line: number): LabelRecordResult {
    try {
      return this.checkOrThrow(text, line);
    } catch (err) {
      if (err instanceof Rejection) return { ok: false, line, code: err.code, message: err.message };
      throw err;
    }
  }

  private checkOrThrow(text: string, line: number): LabelRecordResult {
    const { groundTruthData, metadata } = readEnvelope(text);
    const eventId = metadata.eventId as string;
    const data = decodeData(groundTruthData);
    let read: { rows: GroundTruthValue[][]; layout: AttributeLayout };
    try {
      read = data.kind === 'csv' ? csvLabelRows(data.text, this.layout) : jsonLabelRows(parseJsonData(data.text), this.layout);
    } catch (err) {
      if (err instanceof LabelDataError) throw new Rejection(err.code, err.message);
      throw err;
    }
    const base = partnerIdBase({ eventId, inferenceId: metadata.inferenceId });
    const first = this.seen.addRecord(base, read.rows.length, line);
    if (first !== undefined) {
      throw new Rejection('GT_DUPLICATE_PARTNER_ID', `partner inference ID ${JSON.stringify(first.id)} was already labelled on line ${first.line}; a file labels each inference once`);
    }
    this.layout = read.layout;
    return { ok: true, line, partnerInferenceId: base, partnerInferenceIds: partnerInferenceIds(base, read.rows.length), rows: read.rows };
  }
}

function checkAttributeNames(attributes: readonly string[]): string[] {
  if (attributes.length === 0) throw new RangeError('a ground-truth mapping needs at least one ground-truth attribute name');
  const names = [...attributes];
  for (const name of names) {
    if (typeof name !== 'string' || name.trim() === '') throw new RangeError(`ground-truth attribute names must be non-empty strings, got ${JSON.stringify(name)}`);
  }
  if (new Set(names).size !== names.length) throw new RangeError(`ground-truth attribute names must be unique: ${names.join(', ')}`);
  return names;
}

function readEnvelope(text: string): { groundTruthData: Record<string, unknown>; metadata: Record<string, unknown> } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    throw new Rejection('GT_MALFORMED_JSON', `line is not valid JSON (${(err as Error).message}); each line of a ground-truth file is one JSON record`);
  }
  if (!isPlainObject(record)) throw new Rejection('GT_UNSUPPORTED_RECORD', `line is ${describe(record)}, not a ground-truth record object`);
  const groundTruthData = record.groundTruthData;
  if (record.captureData !== undefined && groundTruthData !== undefined) {
    throw new Rejection('GT_UNSUPPORTED_RECORD', 'a Model Monitor merged record (captureData and groundTruthData): the merge job\'s output, not a label file');
  }
  if (record.captureData !== undefined) throw new Rejection('WRONG_RECORD_KIND', wrongKindMessage('groundTruth'));
  if (!isPlainObject(groundTruthData)) {
    throw new Rejection('GT_UNSUPPORTED_RECORD', groundTruthData === undefined ? 'no groundTruthData: not a Model Monitor ground-truth record' : `groundTruthData is ${describe(groundTruthData)}, not an object`);
  }
  const data = groundTruthData.data;
  if (typeof data !== 'string') throw new Rejection('GT_MISSING_DATA', data === undefined ? 'groundTruthData.data is missing' : `groundTruthData.data is ${describe(data)}, not a string`);
  if (data.trim() === '') throw new Rejection('GT_MISSING_DATA', 'groundTruthData.data is empty');
  const metadata = record.eventMetadata;
  if (!isPlainObject(metadata)) {
    throw new Rejection('GT_MISSING_EVENT_ID', metadata === undefined ? 'no eventMetadata, so no eventId to join the label to its inference' : `eventMetadata is ${describe(metadata)}, not an object`);
  }
  const eventId = metadata.eventId;
  if (typeof eventId !== 'string' || eventId.trim() === '') {
    throw new Rejection('GT_MISSING_EVENT_ID', eventId === undefined ? 'eventMetadata.eventId is missing' : `eventMetadata.eventId is ${describe(eventId)}${typeof eventId === 'string' ? ' (empty)' : ''}, not a non-empty string`);
  }
  return { groundTruthData, metadata };
}

/**
 * The label payload as text, with how to read it. CSV and JSON are read as they are; BASE64 is decoded as for captures
 * (UTF-8, or the charset of an observedContentType when the record has one) and read as JSON when that type says
 * JSON, else as CSV — the format Model Monitor's label records use.
 */
function decodeData(groundTruthData: Record<string, unknown>): { kind: 'csv' | 'json'; text: string } {
  const { encoding } = groundTruthData;
  const data = groundTruthData.data as string;
  if (encoding === 'CSV') return { kind: 'csv', text: data };
  if (encoding === 'JSON') return { kind: 'json', text: data };
  if (encoding !== 'BASE64') {
    throw new Rejection('GT_UNSUPPORTED_ENCODING', encoding === undefined ? 'groundTruthData.encoding is missing' : `groundTruthData.encoding ${JSON.stringify(encoding)?.slice(0, 40)} is not CSV, JSON or BASE64`);
  }
  const observed = groundTruthData.observedContentType;
  const type = typeof observed === 'string' && observed.trim() !== '' ? parseContentType(observed) : undefined;
  if (type !== undefined && type.kind === undefined) {
    throw new Rejection('GT_UNSUPPORTED_ENCODING', `groundTruthData is BASE64 of ${JSON.stringify((observed as string).slice(0, 60))}, which is not CSV or JSON`);
  }
  let text: string;
  try {
    text = decodeBase64Text(data, type?.charset ?? 'utf-8');
  } catch (err) {
    throw new Rejection('GT_UNSUPPORTED_ENCODING', `groundTruthData is BASE64 but ${(err as Error).message}`);
  }
  if (text.trim() === '') throw new Rejection('GT_MISSING_DATA', 'groundTruthData.data decodes to nothing');
  return { kind: type === undefined || type.kind === 'csv' ? 'csv' : 'json', text };
}

function parseJsonData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LabelDataError('GT_MALFORMED_DATA', `groundTruthData.data is declared JSON but is not valid JSON (${(err as Error).message})`);
  }
}
