import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../../cli/main.js';
import type { Io } from '../../../cli/io.js';

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
        file: `${FIX}/csv-fraud-scores.jsonl`, valid: true, records: 3, inferences: 3, errors: [], normalized: false,
        partnerInferenceIds: ['0b7d4c1e-5a2f-4e0b-9d63-1f2a3b4c5d6e', '1c8e5d2f-6b3a-4f1c-8e74-2a3b4c5d6e7f', '2d9f6e3a-7c4b-4a2d-9f85-3b4c5d6e7f80'],
      },
      {
        file: `${FIX}/jsonlines-batch.jsonl`, valid: true, records: 1, inferences: 2, errors: [], normalized: true,
        partnerInferenceIds: ['83f5c490-d2b1-4083-b5eb-91a2b3c4d5e6_0', '83f5c490-d2b1-4083-b5eb-91a2b3c4d5e6_1'],
      },
    ]);
    expect(Object.keys(JSON.parse(out[0]))).toEqual(['file', 'valid', 'records', 'inferences', 'partnerInferenceIds', 'errors', 'normalized']);
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

  it('prints a summary line, each error, and a hint to fix its cause without --json', async () => {
    const { code, out } = await run('validate', `${FIX}/mixed-bad-records.jsonl`);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/mixed-bad-records\.jsonl: 4 of 5 records invalid/);
    expect(out.join('\n')).toMatch(/line 2 {2}UNSUPPORTED_ENCODING .*\n {6}fix: set DataCaptureConfig\.CaptureContentTypeHeader/);
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
