import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../../cli/main.js';
import type { Io } from '../../../cli/io.js';
import { CaptureGenerator } from '../../../local/capture-generator.js';

const FIX = 'tests/fixtures/captures';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cr-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('capture-router validate', () => {
  it('exits 0 and prints one JSON object per file, with the contract\'s fields, when every file is valid', async () => {
    const { code, out } = await run('validate', '--json', `${FIX}/csv-fraud-scores.jsonl`, `${FIX}/jsonlines-batch.jsonl`);
    expect(code).toBe(0);
    expect(out.map((l) => JSON.parse(l))).toEqual([
      {
        file: `${FIX}/csv-fraud-scores.jsonl`, valid: true, records: 3, inferences: 3, errors: [], normalized: false, kind: 'capture',
        partnerInferenceIds: ['0b7d4c1e-5a2f-4e0b-9d63-1f2a3b4c5d6e', '1c8e5d2f-6b3a-4f1c-8e74-2a3b4c5d6e7f', '2d9f6e3a-7c4b-4a2d-9f85-3b4c5d6e7f80'],
      },
      {
        file: `${FIX}/jsonlines-batch.jsonl`, valid: true, records: 1, inferences: 2, errors: [], normalized: true, kind: 'capture',
        partnerInferenceIds: ['83f5c490-d2b1-4083-b5eb-91a2b3c4d5e6_0', '83f5c490-d2b1-4083-b5eb-91a2b3c4d5e6_1'],
      },
    ]);
    expect(Object.keys(JSON.parse(out[0]))).toEqual(['file', 'valid', 'records', 'inferences', 'partnerInferenceIds', 'errors', 'normalized', 'kind']);
  });

  it('exits 1 when any file is invalid, listing each error with its line and code', async () => {
    const { code, out } = await run('validate', '--json', `${FIX}/csv-fraud-scores.jsonl`, `${FIX}/mixed-bad-records.jsonl`);
    expect(code).toBe(1);
    const report = JSON.parse(out[1]);
    expect(report).toMatchObject({ valid: false, records: 5, inferences: 1, partnerInferenceIds: ['94a6d5a1-e3c2-4194-86fc-a2b3c4d5e6f7'] });
    expect(report.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, 'UNSUPPORTED_ENCODING'],
      [3, 'BAD_JSON_SHAPE'],
      [4, 'COUNT_MISMATCH'],
      [5, 'DUPLICATE_PARTNER_ID'],
    ]);
  });

  it('prints a summary line, then per code its count, its lines, one example and the fix, without --json', async () => {
    const { code, out } = await run('validate', `${FIX}/mixed-bad-records.jsonl`);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/mixed-bad-records\.jsonl: 4 of 5 records invalid/);
    expect(out.slice(1, 4)).toEqual([
      '  UNSUPPORTED_ENCODING ×1  line 2',
      expect.stringMatching(/^ {6}e\.g\. line 2: endpointInput is BASE64 of "image\/png"/),
      expect.stringMatching(/^ {6}fix: set DataCaptureConfig\.CaptureContentTypeHeader/),
    ]);
    expect(out.filter((l) => /^ {2}[A-Z_]+ ×\d+ {2}lines? /.test(l)).map((l) => l.trim().split(' ')[0])).toEqual(['UNSUPPORTED_ENCODING', 'BAD_JSON_SHAPE', 'COUNT_MISMATCH', 'DUPLICATE_PARTNER_ID']);
  });

  it('groups 44 records failing one rule into one block of at most 5 lines, with their line ranges', async () => {
    const gen = new CaptureGenerator({ seed: 3 });
    const lines = [gen.line('csv').text, gen.line('csv').text];
    for (let i = 0; i < 44; i++) lines.push(gen.line('badTime').text);
    lines.push(gen.line('csv').text, gen.line('badTime').text);
    const file = join(dir, 'forty-four.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { code, out } = await run('validate', file);
    expect(code).toBe(1);
    const block = out.filter((l, i) => i > 0 && !l.startsWith('  (--json'));
    expect(block).toHaveLength(3);
    expect(block[0]).toBe('  BAD_INFERENCE_TIME ×45  lines 3–46, 48');
    expect(block[1]).toMatch(/^ {6}e\.g\. line 3: eventMetadata\.inferenceTime/);
    expect(block[2]).toMatch(/^ {6}fix: /);
    // --json still lists every one of them.
    const json = JSON.parse((await run('validate', '--json', file)).out[0]!);
    expect(json.errors).toHaveLength(45);
  });

  it('writes --json as JSON.stringify would, also when the line goes out in pieces', async () => {
    const pieces: Array<string | Uint8Array> = [];
    const io: Io = { out: () => undefined, err: () => undefined, isTty: false, write: (chunk) => pieces.push(chunk) };
    expect(await main(['validate', '--json', `${FIX}/mixed-bad-records.jsonl`], io)).toBe(1);
    const written = Buffer.concat(pieces.map((p) => Buffer.from(p))).toString('utf8');
    const { out } = await run('validate', '--json', `${FIX}/mixed-bad-records.jsonl`);
    expect(written).toBe(`${out[0]}\n`);
    expect(written).toBe(`${JSON.stringify(JSON.parse(out[0]!))}\n`);
  });

  it('writes every partner ID of a file whose IDs outgrow memory pieces (spilled to a temporary file and read back)', async () => {
    const gen = new CaptureGenerator({ seed: 5, mix: ['csv', 'batch'] });
    const file = join(dir, 'many-ids.jsonl');
    writeFileSync(file, `${Array.from({ length: 3000 }, () => gen.line().text).join('\n')}\n`);
    const pieces: Array<string | Uint8Array> = [];
    const io: Io = { out: () => undefined, err: () => undefined, isTty: false, write: (chunk) => pieces.push(Buffer.from(chunk)) };
    expect(await main(['validate', '--json', file], io)).toBe(0);
    const written = JSON.parse(Buffer.concat(pieces.map((p) => Buffer.from(p))).toString('utf8'));
    const expected = JSON.parse((await run('validate', '--json', file)).out[0]!);
    expect(JSON.stringify(written).length).toBeGreaterThan(1 << 17);
    expect(written).toEqual(expected);
    expect(new Set(written.partnerInferenceIds).size).toBe(written.inferences);
  });

  it('says EMPTY_FILE for an empty file', async () => {
    const { code, out } = await run('validate', '--json', `${FIX}/empty.jsonl`);
    expect(code).toBe(1);
    expect(JSON.parse(out[0])).toMatchObject({ valid: false, records: 0, inferences: 0, partnerInferenceIds: [], errors: [{ code: 'EMPTY_FILE' }] });
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.jsonl'), /cannot read .*nope\.jsonl: no such file/],
    ['a directory', () => dir, /is a directory/],
  ])('exits 2 with one clear line for %s, and still checks the other files', async (_name, path, message) => {
    const { code, out, err } = await run('validate', '--json', path(), `${FIX}/csv-fraud-scores.jsonl`);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
    expect(err[0]).not.toMatch(/\n\s+at /);
    expect(out).toHaveLength(1);
  });

  it('exits 2 for an unreadable file', async () => {
    if (process.getuid?.() === 0) return; // root reads everything; the permission check cannot be staged
    const file = join(dir, 'locked.jsonl');
    writeFileSync(file, '{}');
    chmodSync(file, 0o000);
    const { code, err } = await run('validate', file);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/permission denied/);
  });

  it.each([[[]], [['--bogus', `${FIX}/empty.jsonl`]]])('exits 2 on a usage error (%j)', async (args) => {
    const { code, err } = await run('validate', ...args);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/usage: capture-router validate/);
  });

  it('--normalize-to writes NAME.jsonl (what would be sent) and NAME.rejected.jsonl (what would not, with reasons)', async () => {
    const out = join(dir, 'normalized');
    const { code } = await run('validate', '--normalize-to', out, `${FIX}/mixed-bad-records.jsonl`, `${FIX}/base64-csv-and-json.jsonl`);
    expect(code).toBe(1);
    const sent = readFileSync(join(out, 'mixed-bad-records.jsonl'), 'utf8');
    expect(sent).toBe(`${readFileSync(`${FIX}/mixed-bad-records.jsonl`, 'utf8').split('\n')[0]}\n`);
    const rejected = readFileSync(join(out, 'mixed-bad-records.rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejected.map((r) => [r.line, r.code])).toEqual([[2, 'UNSUPPORTED_ENCODING'], [3, 'BAD_JSON_SHAPE'], [4, 'COUNT_MISMATCH'], [5, 'DUPLICATE_PARTNER_ID']]);
    expect(rejected[0].record).toBe(readFileSync(`${FIX}/mixed-bad-records.jsonl`, 'utf8').split('\n')[1]);
    const decoded = await run('validate', '--json', join(out, 'base64-csv-and-json.jsonl'));
    expect(JSON.parse(decoded.out[0])).toMatchObject({ valid: true, normalized: false, inferences: 3 });
  });
});

describe('capture-router validate on ground-truth label files', () => {
  const label = (data: string, eventId: string, encoding = 'CSV') => JSON.stringify({ groundTruthData: { data, encoding }, eventMetadata: { eventId }, eventVersion: '0' });
  const write = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('recognises a label file by its first record and prints its verdict as JSON, partner IDs included', async () => {
    const file = write('labels-ok.jsonl', [label('1', 'e-1'), label('0\n1', 'e-2')]);
    const { code, out } = await run('validate', '--json', file);
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toEqual({ file, kind: 'groundTruth', valid: true, records: 2, labels: 3, partnerInferenceIds: ['e-1', 'e-2_0', 'e-2_1'], errors: [] });
  });

  it('explains a malformed label file: findings grouped by code, each with an example and its fix', async () => {
    const file = write('labels-bad.jsonl', [label('1,0', 'e-1'), label('1', 'e-2'), '{"groundTruthData": {"data": "1"', label('1', ''), label('1,0,1', 'e-3'), label('1,0,1', 'e-4')]);
    const { code, out } = await run('validate', file, '--ground-truth', 'cat', 'dog');
    expect(code).toBe(1);
    expect(out[0]).toBe(`✘ ${file}: 5 of 6 ground-truth records invalid — 1 label would be sent, 5 records quarantined`);
    const codes = out.filter((l) => /^ {2}[A-Z_]+ ×\d+ {2}lines? /.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '));
    expect(codes).toEqual(['GT_COLUMN_COUNT ×3 lines', 'GT_MALFORMED_JSON ×1 line', 'GT_MISSING_EVENT_ID ×1 line']);
    expect(out.join('\n')).toContain('fix: each CSV row holds one value per ground-truth attribute of the mapping, in order');
    expect(out).toContain('  GT_COLUMN_COUNT ×3  lines 2, 5–6');
  });

  it('with --ground-truth, a capture file is WRONG_RECORD_KIND on every record, saying a ground-truth mapping expects labels', async () => {
    const { code, out } = await run('validate', '--json', '--ground-truth', 'label', '--', `${FIX}/csv-fraud-scores.jsonl`);
    expect(code).toBe(1);
    const report = JSON.parse(out[0]!);
    expect(report).toMatchObject({ kind: 'groundTruth', valid: false, records: 3, labels: 0 });
    expect(report.errors.map((e: { code: string }) => e.code)).toEqual(['WRONG_RECORD_KIND', 'WRONG_RECORD_KIND', 'WRONG_RECORD_KIND']);
    expect(report.errors[0].message).toContain('expects ground-truth records');
  });

  it('--ground-truth with no attribute name is a usage error', async () => {
    const { code, err } = await run('validate', '--ground-truth', '--json', `${FIX}/csv-fraud-scores.jsonl`);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--ground-truth takes/);
  });
});

describe('the installed command', () => {
  it('runs through package.json bin with the exit codes of the contract', async () => {
    const bin = JSON.parse(readFileSync('package.json', 'utf8')).bin['capture-router'];
    const exec = promisify(execFile);
    const ok = await exec('node', [bin, 'validate', '--json', `${FIX}/csv-fraud-scores.jsonl`]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, inferences: 3 });
    await expect(exec('node', [bin, 'validate', `${FIX}/mixed-bad-records.jsonl`])).rejects.toMatchObject({ code: 1 });
    await expect(exec('node', [bin, 'validate', 'no/such/file.jsonl'])).rejects.toMatchObject({ code: 2, stderr: 'capture-router: cannot read no/such/file.jsonl: no such file\n' });
  });
});
