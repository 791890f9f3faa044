import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { text as readAll } from 'node:stream/consumers';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureNormalizer, fileChunks, forEachLine, PartSplitter, checkCaptureFile, type PartBody } from '../../../src/capture/index.js';
import { CaptureGenerator, INVALID_KINDS, VALID_KINDS, type Kind } from '../../../local/capture-generator.js';
import { csvRecord, patched } from './builders.js';

const source = (text: string, chunk = 7) => Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, (i + 1) * chunk))));

describe('reading a file line by line', () => {
  it('numbers physical lines from 1, across chunk boundaries, and drops a trailing CR', async () => {
    const seen: Array<[number, string]> = [];
    await forEachLine(source('ab\r\n\ncdé\nlast'), (text, n) => seen.push([n, text]));
    expect(seen).toEqual([[1, 'ab'], [2, ''], [3, 'cdé'], [4, 'last']]);
  });

  it('does not split a multi-byte character cut between two chunks', async () => {
    const bytes = Buffer.from('€€€\n');
    const seen: string[] = [];
    await forEachLine(Readable.from([bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5)]), (text) => seen.push(text));
    expect(seen).toEqual(['€€€']);
  });

  it('reads ASCII chunks, multi-byte characters cut between chunks, and a cut character left incomplete alike', async () => {
    const euro = Buffer.from('€');
    const chunks = [Buffer.from('ab'), euro.subarray(0, 2), Buffer.concat([euro.subarray(2), Buffer.from('cd\n')]), Buffer.from('ef\nx'), euro.subarray(0, 1), Buffer.from('gh\n')];
    const seen: string[] = [];
    await forEachLine(Readable.from(chunks), (text) => seen.push(text));
    // The lone first byte of '€' before plain ASCII is invalid UTF-8: one replacement character, as Node decodes it.
    expect(seen).toEqual(['ab€cd', 'ef', `x\uFFFDgh`]);
    expect(seen).toEqual(Buffer.concat(chunks).toString('utf8').split('\n').slice(0, -1));
  });

  it.each([1, 2, 3, 5, 64])('cuts the same lines whatever the chunks (%i bytes): lines spanning many chunks, CRLF cut between two', async (size) => {
    const long = 'x'.repeat(300);
    const text = `\uFEFF{"a":1}\r\n${long}\r\n\r\nb\n${long}é${long}\nlast\r`;
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    const seen: Array<[number, string]> = [];
    expect(await forEachLine(Readable.from(chunks), (line, n) => seen.push([n, line]))).toBe(6);
    expect(seen).toEqual([[1, '{"a":1}'], [2, long], [3, ''], [4, 'b'], [5, `${long}é${long}`], [6, 'last']]);
  });

  it('decodes a chunk larger than one decoded piece alike, multi-byte characters cut at the pieces\' edges included', async () => {
    // 3-byte '€' from byte 2 on: the first 64 KiB edge falls inside one; the ASCII line after them takes the fast path.
    const text = `ab${'€'.repeat(30_000)}\n${'x'.repeat(100_000)}\n${'é€'.repeat(40_000)}\nend`;
    const bytes = Buffer.from(text);
    expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
    expect(bytes[64 * 1024]! & 0xc0).toBe(0x80); // a continuation byte: the edge cuts a character
    for (const chunks of [[bytes], [bytes.subarray(0, 70_001), bytes.subarray(70_001)]]) {
      const seen: string[] = [];
      await forEachLine(Readable.from(chunks), (line) => seen.push(line));
      expect(seen).toEqual(text.split('\n'));
    }
  });

  it('tolerates blank lines, a final newline, and a byte-order mark, reporting physical line numbers', async () => {
    const bad = patched(csvRecord('b'), (r) => (r.eventMetadata.inferenceTime = 'x'));
    const report = await checkCaptureFile(source(`\uFEFF${JSON.stringify(csvRecord('a'))}\n\n   \n${bad}\n`));
    expect(report).toMatchObject({ records: 2, inferences: 1, rejected: 1, valid: false });
    expect(report.errors).toEqual([{ line: 4, code: 'BAD_INFERENCE_TIME', message: expect.any(String) }]);
  });

  it.each([['an empty file', ''], ['a file of blank lines', '\n  \n\r\n']])('calls %s EMPTY_FILE', async (_name, text) => {
    const report = await checkCaptureFile(source(text));
    expect(report).toMatchObject({ valid: false, records: 0, inferences: 0, errors: [{ code: 'EMPTY_FILE', line: 1 }] });
  });

  it('reads a file in chunks that make up its bytes, and leaves a handle it was given open; a reader may stop early', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-chunks-'));
    try {
      const file = join(dir, 'big.jsonl');
      const bytes = Buffer.alloc(2.5 * (1 << 20), 'abc\n');
      writeFileSync(file, bytes);
      const seen: Buffer[] = [];
      for await (const chunk of fileChunks(file)) seen.push(Buffer.from(chunk));
      // Equal chunks of at most 1 MiB but the last, each a copy of its stretch of the file (two buffers take turns).
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.slice(0, -1).every((c) => c.length === seen[0]!.length && c.length <= 1 << 20)).toBe(true);
      expect(Buffer.concat(seen).equals(bytes)).toBe(true);
      const handle = await open(file, 'r');
      try {
        for await (const chunk of fileChunks(handle)) {
          expect(chunk.equals(bytes.subarray(0, chunk.length))).toBe(true);
          break;
        }
        // Still open: the caller closes it.
        expect((await handle.stat()).size).toBe(bytes.length);
      } finally {
        await handle.close();
      }
      await expect(checkCaptureFile(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a file path as well as a stream', async () => {
    await expect(checkCaptureFile('tests/fixtures/captures/mixed-bad-records.jsonl')).resolves.toMatchObject({ valid: false, records: 5 });
  });

  it('rejects the promise (not a verdict) when the file cannot be read', async () => {
    await expect(checkCaptureFile('tests/fixtures/captures/does-not-exist.jsonl')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('generated files: every kind gets the verdict it was built for', () => {
  const kinds = [...VALID_KINDS, ...Object.keys(INVALID_KINDS)] as Kind[];
  it.each(kinds)('%s', async (kind) => {
    const generator = new CaptureGenerator({ seed: kinds.indexOf(kind) + 1 });
    const line = generator.line(kind);
    const report = await checkCaptureFile(Readable.from([`${line.text}\n`]));
    const expected = (INVALID_KINDS as Record<string, string>)[kind];
    if (expected === undefined) expect(report).toMatchObject({ valid: true, inferences: line.inferences });
    else expect(report.errors.map((e) => e.code)).toEqual([expected]);
  });
});

describe('properties over generated files', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const mix = [...VALID_KINDS, 'malformed', 'badTime', 'flatList', 'mismatch', 'b64image'] as Kind[];
  function file(seed: number, records = 300): { text: string; expectedInferences: number } {
    const generator = new CaptureGenerator({ seed, mix, inferenceIdRate: 0.5 });
    let text = '';
    let expectedInferences = 0;
    for (let i = 0; i < records; i++) {
      const line = generator.line();
      text += `${line.text}\n`;
      expectedInferences += line.inferences;
    }
    return { text, expectedInferences };
  }

  it.each(seeds)('seed %i: partner IDs count equals inferences, and equals what the generator put in', async (seed) => {
    const { text, expectedInferences } = file(seed);
    const report = await checkCaptureFile(source(text, 4096), { collectPartnerIds: true });
    expect(report.partnerInferenceIds).toHaveLength(report.inferences);
    expect(report.inferences).toBe(expectedInferences);
    expect(new Set(report.partnerInferenceIds).size).toBe(report.inferences);
  });

  it.each(seeds)('seed %i: normalize(x) validates clean with the same IDs', async (seed) => {
    const { text } = file(seed);
    const before = await checkCaptureFile(source(text, 4096), { collectPartnerIds: true });
    const normalizer = new CaptureNormalizer();
    const rejected = readAll(normalizer.rejected);
    const out = await readAll(source(text, 4096).pipe(normalizer));
    const after = await checkCaptureFile(source(out, 4096), { collectPartnerIds: true });
    expect(after).toMatchObject({ valid: true, normalized: false, records: before.records - before.rejected });
    expect(after.partnerInferenceIds).toEqual(before.partnerInferenceIds);
    expect((await rejected).split('\n').filter(Boolean)).toHaveLength(before.rejected);
  });

  it.each(seeds)('seed %i: parts concatenated equal the normalized output, within their limits', async (seed) => {
    const { text } = file(seed);
    const limits = { maxBytes: 2000 + seed * 500, maxRecords: 3 + seed };
    const parts: PartBody[] = [];
    await pipeline(source(text, 4096), new CaptureNormalizer({ output: 'records' }), new PartSplitter(limits), async (stream: AsyncIterable<PartBody>) => {
      for await (const part of stream) parts.push(part);
    });
    const normalizer = new CaptureNormalizer();
    normalizer.rejected.resume();
    const out = await readAll(source(text, 4096).pipe(normalizer));
    expect(Buffer.concat(parts.map((p) => p.body)).toString()).toBe(out);
    expect(parts.map((p) => p.index)).toEqual(parts.map((_, i) => i));
    for (const part of parts) {
      expect(part.records).toBeLessThanOrEqual(limits.maxRecords);
      expect(part.body.length).toBe(part.bytes);
      if (!part.oversized) expect(part.bytes).toBeLessThanOrEqual(limits.maxBytes);
      expect(part.body.toString().split('\n').filter(Boolean)).toHaveLength(part.records);
    }
    expect(parts.reduce((n, p) => n + p.inferences, 0)).toBe(normalizer.report().inferences);
  });
});

describe('part splitting', () => {
  it('puts a record larger than the byte limit alone in its own part, never cut', async () => {
    const big = { text: 'x'.repeat(50), inferences: 1 };
    const small = { text: 'y', inferences: 2 };
    const parts: PartBody[] = [];
    const splitter = new PartSplitter({ maxBytes: 10, maxRecords: 5 });
    splitter.on('data', (p: PartBody) => parts.push(p));
    for (const r of [small, big, small, small]) splitter.write(r);
    splitter.end();
    await new Promise((resolve) => splitter.on('end', resolve));
    expect(parts.map((p) => [p.records, p.bytes, p.inferences, p.oversized])).toEqual([
      [1, 2, 2, false],
      [1, 51, 1, true],
      [2, 4, 4, false],
    ]);
  });
});
