/**
 * The streaming ground-truth checker and batcher: whole files, a generated large one (batches of at most 1,000 items,
 * memory bounded well below the file's size), the quarantine stream, and the real label files beside the project.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  checkCaptureFile,
  checkGroundTruthFile,
  detectFileKind,
  GroundTruthBatcher,
  type GroundTruthBatch,
  type GroundTruthBatchOptions,
  type GroundTruthItem,
  type GroundTruthQuarantineEntry,
} from '../../../src/capture/index.js';
import { csvRecord } from './builders.js';

/** Heap in use after a full collection: what is retained, not garbage waiting for the collector. */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const label = (data: string, eventId: string, encoding = 'CSV'): string =>
  JSON.stringify({ groundTruthData: { data, encoding }, eventMetadata: { eventId }, eventVersion: '0' });

const TS = '2024-01-19T19:00:00Z';

async function batchAll(text: string | Readable, options: Partial<GroundTruthBatchOptions> = {}) {
  const batcher = new GroundTruthBatcher({ attributes: ['label'], groundTruthTimestamp: TS, ...options });
  const batches: GroundTruthBatch[] = [];
  const rejected: string[] = [];
  batcher.rejected.on('data', (chunk: Buffer) => rejected.push(chunk.toString()));
  const source = typeof text === 'string' ? Readable.from([Buffer.from(text)]) : text;
  await pipeline(source, batcher, new Writable({ objectMode: true, write: (b: GroundTruthBatch, _e, cb) => {
        batches.push(b);
        cb();
      } }));
  const quarantine = rejected.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GroundTruthQuarantineEntry);
  return { batches, quarantine, report: batcher.report(), items: batches.flatMap((b) => JSON.parse(b.body.toString()) as GroundTruthItem[]) };
}

describe('checkGroundTruthFile', () => {
  it('reports records, labels, partner IDs and errors with line numbers', async () => {
    const file = [label('1', 'e-1'), '', label('1\n0', 'e-2'), label('1,0', 'e-3'), JSON.stringify(csvRecord())].join('\n');
    const report = await checkGroundTruthFile(Readable.from([file]), { attributes: ['label'], collectPartnerIds: true });
    expect(report).toMatchObject({ kind: 'groundTruth', records: 4, labels: 3, rejected: 2, valid: false, partnerInferenceIds: ['e-1', 'e-2_0', 'e-2_1'] });
    expect(report.errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'GT_COLUMN_COUNT'],
      [5, 'WRONG_RECORD_KIND'],
    ]);
  });

  it('calls an empty or blank file EMPTY_FILE', async () => {
    const report = await checkGroundTruthFile(Readable.from(['\n  \n']));
    expect(report).toMatchObject({ records: 0, valid: false, errors: [{ line: 1, code: 'EMPTY_FILE' }] });
  });

  it('keeps counts exact past maxErrors', async () => {
    const file = Array.from({ length: 10 }, (_, i) => label('', `e-${i}`)).join('\n');
    const report = await checkGroundTruthFile(Readable.from([file]), { maxErrors: 3 });
    expect(report).toMatchObject({ records: 10, rejected: 10 });
    expect(report.errors).toHaveLength(3);
  });

  it('is valid when every record is', async () => {
    const report = await checkGroundTruthFile(Readable.from([`${label('1', 'a')}\n${label('0', 'b')}\n`]), { attributes: ['label'] });
    expect(report).toMatchObject({ valid: true, labels: 2, errors: [] });
  });
});

describe('the capture side meets a label file', () => {
  it('rejects ground-truth records as WRONG_RECORD_KIND, saying the mapping expects captures', async () => {
    const report = await checkCaptureFile(Readable.from([label('1', 'e-1')]));
    expect(report.errors[0]).toMatchObject({ code: 'WRONG_RECORD_KIND' });
    expect(report.errors[0]!.message).toContain('expects endpoint captures (kind capture)');
  });
});

describe('detectFileKind', () => {
  it.each([
    ['a label file', `\n\n${label('1', 'e')}\n${JSON.stringify(csvRecord())}`, 'groundTruth', 3],
    ['a capture file', `${JSON.stringify(csvRecord())}\n`, 'capture', 1],
    ['an empty file', '\n \n', undefined, 0],
  ])('tells %s by its first non-blank record', async (_name, text, kind, line) => {
    expect(await detectFileKind(Readable.from([text]))).toEqual(kind === undefined ? { line } : { kind, line });
  });

  it('reads no further than that record', async () => {
    let pulled = 0;
    const source = new Readable({
      read() {
        pulled++;
        this.push(pulled === 1 ? `${label('1', 'e')}\n` : pulled < 1000 ? `${label('1', `e-${pulled}`)}\n` : null);
      },
    });
    expect((await detectFileKind(source)).kind).toBe('groundTruth');
    expect(pulled).toBeLessThan(5);
  });
});

describe('GroundTruthBatcher', () => {
  it('turns label records into Arthur ground-truth items, typed and keyed by attribute', async () => {
    const file = [label('0,1,0', 'one'), label('1,0,0\n0,0,1', 'two'), label('{"a":"x","b":2,"c":3}', 'three', 'JSON')].join('\n');
    const { items, report } = await batchAll(file, { attributes: ['a', 'b', 'c'] });
    expect(items).toEqual([
      { partner_inference_id: 'one', ground_truth_timestamp: TS, ground_truth_data: { a: 0, b: 1, c: 0 } },
      { partner_inference_id: 'two_0', ground_truth_timestamp: TS, ground_truth_data: { a: 1, b: 0, c: 0 } },
      { partner_inference_id: 'two_1', ground_truth_timestamp: TS, ground_truth_data: { a: 0, b: 0, c: 1 } },
      { partner_inference_id: 'three', ground_truth_timestamp: TS, ground_truth_data: { a: 'x', b: 2, c: 3 } },
    ]);
    expect(report).toMatchObject({ records: 3, labels: 4, valid: true });
  });

  it('sends the rejected records to the quarantine stream with their reasons, the rest to batches', async () => {
    const bad = label('1,2', 'bad');
    const { items, quarantine } = await batchAll([label('1', 'ok'), bad, '{"groundTruthData": '].join('\n'));
    expect(items.map((i) => i.partner_inference_id)).toEqual(['ok']);
    expect(quarantine).toEqual([
      { line: 2, code: 'GT_COLUMN_COUNT', message: expect.stringMatching(/2 columns/), record: bad },
      { line: 3, code: 'GT_MALFORMED_JSON', message: expect.any(String), record: '{"groundTruthData": ' },
    ]);
  });

  it('cuts batches at maxItems, splitting a record across two batches when it must', async () => {
    const file = Array.from({ length: 5 }, (_, i) => label('1\n0\n1', `r${i}`)).join('\n'); // 15 items
    const { batches, items } = await batchAll(file, { maxItems: 4 });
    expect(batches.map((b) => b.items)).toEqual([4, 4, 4, 3]);
    expect(items.map((i) => i.partner_inference_id).slice(3, 5)).toEqual(['r1_0', 'r1_1']);
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3]);
  });

  it('keeps every batch body within maxBytes, and sends an item larger than that alone', async () => {
    const long = 'x'.repeat(300);
    const file = [label('1', 'a'), label('1', 'b'), label(long, 'big'), label('1', 'c')].join('\n');
    const { batches } = await batchAll(file, { maxBytes: 200 });
    for (const b of batches) {
      expect(b.body.length).toBe(b.bytes);
      expect(() => JSON.parse(b.body.toString())).not.toThrow();
      if (!b.oversized) expect(b.bytes).toBeLessThanOrEqual(200);
    }
    expect(batches.filter((b) => b.oversized).map((b) => b.items)).toEqual([1]);
  });

  it('emits no batch for a file without a valid record', async () => {
    const { batches, report } = await batchAll(`${label('', 'x')}\n`);
    expect(batches).toEqual([]);
    expect(report).toMatchObject({ valid: false, labels: 0 });
  });

  it('streams a 200,000-record file in batches of at most 1,000 items without holding it', async () => {
    const RECORDS = 200_000;
    // A labelling job's own metadata rides along on each record (unknown fields are tolerated): ~450 bytes a line.
    const job = JSON.stringify({ job: 'gt-labelling-2024-01-19', reviewer: 'r'.repeat(300) });
    let made = 0;
    let bytesMade = 0;
    const source = new Readable({
      read() {
        const lines: string[] = [];
        for (let i = 0; i < 2000 && made < RECORDS; i++, made++) {
          const id = `b0c1f7d2-4e5a-4c8b-9d3e-${String(made).padStart(12, '0')}`;
          const record = made % 2 === 0 ? label('0,1,0', id) : label('1,0,0\n0,0,1', id);
          lines.push(`${record.slice(0, -1)},"labelJob":${job}}`);
        }
        if (lines.length === 0) return void this.push(null);
        const chunk = Buffer.from(`${lines.join('\n')}\n`);
        bytesMade += chunk.length;
        this.push(chunk);
      },
    });
    const batcher = new GroundTruthBatcher({ attributes: ['cat', 'dog', 'fish'], groundTruthTimestamp: TS });
    batcher.rejected.resume();
    const heapBefore = retainedHeap();
    let heapPeak = heapBefore;
    let items = 0;
    let batches = 0;
    let biggest = 0;
    let lastId = '';
    await pipeline(
      source,
      batcher,
      new Writable({
        objectMode: true,
        write(batch: GroundTruthBatch, _e, cb) {
          batches++;
          items += batch.items;
          biggest = Math.max(biggest, batch.items);
          const parsed = JSON.parse(batch.body.toString()) as GroundTruthItem[];
          expect(parsed).toHaveLength(batch.items);
          lastId = parsed[parsed.length - 1].partner_inference_id;
          // What the pipeline retains mid-stream (after a full GC), every 50 batches.
          if (batches % 50 === 0) heapPeak = Math.max(heapPeak, retainedHeap());
          cb();
        },
      }),
    );
    expect(batcher.report()).toMatchObject({ records: RECORDS, labels: 300_000, rejected: 0, valid: true });
    expect(items).toBe(300_000);
    expect(biggest).toBe(1000);
    expect(batches).toBe(300);
    expect(lastId).toBe(`b0c1f7d2-4e5a-4c8b-9d3e-${String(RECORDS - 1).padStart(12, '0')}_1`);
    // The file is ~90 MB; what stays is one batch, one chunk and the compact duplicate set (~8 MB at this count).
    expect(bytesMade).toBeGreaterThan(80_000_000);
    expect(heapPeak - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });
});

// The real label files beside the project (public samples; provenance in SOURCES.md there), read in place, never
// copied: a clone without ../shared skips this suite. REAL_FIXTURES_DIR points elsewhere (e.g. from a worktree).
const DIR = process.env.REAL_FIXTURES_DIR ? new URL(`file://${process.env.REAL_FIXTURES_DIR.replace(/\/?$/, '/')}`) : new URL('../../../../shared/fixtures/real/', import.meta.url);
const present = existsSync(new URL('02b_sdk_groundtruth-actuals_companion.jsonl', DIR));
if (!present) console.warn(`skipped: real ground-truth fixtures not found at ${DIR.pathname} (they live beside the project, not in it)`);
const maybe = present ? describe : describe.skip;

maybe('real label files (../shared/fixtures/real)', () => {
  it('reads the SDK\'s actuals.jsonl as 44 single-row labels joined by eventId, typed as numbers', async () => {
    const path = new URL('02b_sdk_groundtruth-actuals_companion.jsonl', DIR);
    expect((await detectFileKind(path.pathname)).kind).toBe('groundTruth');
    const report = await checkGroundTruthFile(path.pathname, { attributes: ['label'], collectPartnerIds: true });
    expect(report).toMatchObject({ records: 44, labels: 44, valid: true });
    const firstId = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]).eventMetadata.eventId;
    expect(report.partnerInferenceIds?.[0]).toBe(firstId);
    const { items } = await batchAll(readFileSync(path, 'utf8'));
    expect(new Set(items.map((i) => typeof i.ground_truth_data.label))).toEqual(new Set(['number']));
  });

  it('calls Model Monitor\'s merged record (capture and labels in one) not a label file', async () => {
    const merged = JSON.stringify(JSON.parse(readFileSync(new URL('06_sme_MERGED-groundtruth+capture_with-inferenceId.json', DIR), 'utf8')));
    const report = await checkGroundTruthFile(Readable.from([merged]), { attributes: ['label'] });
    expect(report.errors[0]).toMatchObject({ code: 'GT_UNSUPPORTED_RECORD' });
  });

  it('reads the labels of that merged record, {"instances": [...]} of 334 rows, under its inferenceId', async () => {
    const merged = JSON.parse(readFileSync(new URL('06_sme_MERGED-groundtruth+capture_with-inferenceId.json', DIR), 'utf8'));
    const { captureData: _ignored, ...labelsOnly } = merged;
    const { items, report } = await batchAll(JSON.stringify(labelsOnly));
    expect(report).toMatchObject({ valid: true, labels: 334 });
    expect(items[0].partner_inference_id).toBe('7_0');
    expect(items[333].partner_inference_id).toBe('7_333');
    expect(new Set(items.map((i) => i.ground_truth_data.label))).toEqual(new Set([0, 1]));
  });
});
