/**
 * Bad input. (1) Generated and mutated capture files — byte flips, truncation, wrong types, control characters,
 * invalid UTF-8, BOMs, CRLF, pretty-printing, NULs, deep nesting, huge values, duplicate lines — through the
 * validator (src/capture: checkCaptureFile and CaptureNormalizer): every file gets a verdict, every rejected record
 * one of the stable codes, and nothing throws. (2) A few hundred such files through the whole local stack: each
 * ends REJECTED, PARTIAL or UPLOADED as the validator predicts, with its reasons kept (quarantine object or cause).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CaptureNormalizer, ERROR_CODES, checkCaptureFile, type FileReport } from '../../src/capture/index.js';
import { CaptureGenerator, INVALID_KINDS, VALID_KINDS, prng, type Kind } from '../../local/capture-generator.js';
import { captureKey, modelId, record, SOAK, startReliabilityStack, type ReliabilityStack } from './support.js';
import { partTotals } from '../../src/parts/part-counts.js';

const VALIDATOR_FILES = SOAK ? 100_000 : 10_000;
const STACK_FILES = SOAK ? 2_000 : 240;
const REAL = new URL('../../../shared/fixtures/real/', import.meta.url);
const OWN = new URL('../fixtures/captures/', import.meta.url);
const KINDS: Kind[] = [...VALID_KINDS, ...(Object.keys(INVALID_KINDS) as Kind[])];
const CODES = new Set<string>(ERROR_CODES);

type Rand = () => number;
const pick = <T>(xs: readonly T[], rand: Rand): T => xs[Math.floor(rand() * xs.length)]!;

function readSeeds(dir: URL): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => !f.endsWith('.md'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    // Lines that are records on their own (a pretty-printed file's lines are not; the whole document is, below).
    lines.push(...text.split('\n').filter((l) => l.trim().startsWith('{') && l.trim().endsWith('}')));
    // Pretty-printed seeds (.json, wrapped .txt) as one line too, so their records exist in valid form.
    try {
      lines.push(JSON.stringify(JSON.parse(text)));
    } catch {
      // not one JSON document
    }
  }
  return lines;
}

const realSeeds = existsSync(REAL) ? readSeeds(REAL) : [];
if (realSeeds.length === 0) console.warn('reliability/bad-input: ../shared/fixtures/real/ not found; seeding with the project\'s fixtures and generated records only');
const SEEDS = [...realSeeds, ...readSeeds(OWN)];

/** Picks a random value inside a parsed record and lets `change` replace it. */
function mutateJson(line: string, rand: Rand, change: (parent: Record<string, unknown>, key: string) => void): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return line;
  }
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    if (!v || typeof v !== 'object') return;
    for (const k of Object.keys(v)) {
      paths.push([...path, k]);
      walk((v as Record<string, unknown>)[k], [...path, k]);
    }
  };
  walk(value, []);
  if (paths.length === 0) return line;
  const path = pick(paths, rand);
  let parent = value as Record<string, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
  change(parent, path.at(-1)!);
  return JSON.stringify(value);
}

const WRONG: unknown[] = [null, 0, -1, 1e308, true, '', ' ', 'x', [], {}, [1, 2], { a: 1 }, 'BASE64', 'CSV', 'JSON', 'text/csv', 'application/jsonlines', '{"instances":[{"a":1}]}', '\u0000', '../../etc', 'a\nb'];

/** Each mutator turns one line (a record) into one or more lines of text, or raw bytes. */
const MUTATORS: Array<[string, (line: string, rand: Rand) => string | Buffer]> = [
  ['truncate', (l, rand) => l.slice(0, Math.floor(rand() * l.length))],
  ['flipBit', (l, rand) => {
    const i = Math.floor(rand() * l.length);
    return l.slice(0, i) + String.fromCharCode(l.charCodeAt(i) ^ (1 << Math.floor(rand() * 7))) + l.slice(i + 1);
  }],
  ['dropKey', (l, rand) => mutateJson(l, rand, (p, k) => delete p[k])],
  ['wrongType', (l, rand) => mutateJson(l, rand, (p, k) => (p[k] = pick(WRONG, rand)))],
  ['hugeString', (l, rand) => mutateJson(l, rand, (p, k) => (p[k] = 'x'.repeat(20_000 + Math.floor(rand() * 60_000))))],
  ['deepNesting', (l, rand) => mutateJson(l, rand, (p, k) => (p[k] = `{"instances":[${'['.repeat(5000)}${']'.repeat(5000)}]}`))],
  ['controlChars', (l, rand) => {
    const i = Math.floor(rand() * l.length);
    return l.slice(0, i) + String.fromCharCode(Math.floor(rand() * 32)) + l.slice(i);
  }],
  ['invalidUtf8', (l, rand) => {
    const bytes = Buffer.from(l, 'utf8');
    const i = Math.floor(rand() * bytes.length);
    return Buffer.concat([bytes.subarray(0, i), Buffer.from([pick([0xff, 0xc3, 0xe2, 0x80, 0xf0], rand)]), bytes.subarray(i)]);
  }],
  ['bom', (l) => `\ufeff${l}`],
  ['crlf', (l) => `${l}\r\n${l.replace(/"eventId":"/, '"eventId":"crlf-')}\r`],
  ['prettyPrinted', (l) => {
    try {
      return JSON.stringify(JSON.parse(l), null, 2);
    } catch {
      return l;
    }
  }],
  ['nulBytes', (l, rand) => l.replace(/,/g, () => (rand() < 0.2 ? ',\u0000' : ','))],
  ['duplicateLine', (l) => `${l}\n${l}`],
  ['twoOnOneLine', (l) => `${l}${l}`],
  ['binaryGarbage', (_l, rand) => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)))],
  ['blankAndWhitespace', (l) => `\n   \n\t\n${l}\n\n`],
  ['base64Garbage', (l, rand) => mutateJson(l, rand, (p, k) => {
      p[k] = p[k] === 'CSV' || p[k] === 'JSON' ? 'BASE64' : '!!not base64!!';
    })],
  ['unchanged', (l) => l],
];

/** One capture file of 0–6 lines: seeds and generated records of every kind, each mutated with probability 0.6. */
function makeFile(rand: Rand, gen: CaptureGenerator, seeds = SEEDS): { bytes: Buffer; mutators: string[] } {
  const parts: Buffer[] = [];
  const used: string[] = [];
  const lines = Math.floor(rand() * 7);
  for (let i = 0; i < lines; i++) {
    const base = rand() < 0.3 && seeds.length > 0 ? pick(seeds, rand) : gen.line(pick(KINDS, rand)).text;
    let out: string | Buffer = base;
    if (rand() < 0.6) {
      const [name, mutate] = pick(MUTATORS, rand);
      used.push(name);
      out = mutate(base, rand);
    }
    parts.push(Buffer.isBuffer(out) ? out : Buffer.from(out, 'utf8'), Buffer.from('\n'));
  }
  return { bytes: Buffer.concat(parts), mutators: used };
}

/** A Lambda error's cause is the runtime's document {errorType, errorMessage, trace}: its message. */
function lambdaMessage(cause: unknown): string {
  try {
    return String((JSON.parse(String(cause)) as { errorMessage?: string }).errorMessage ?? cause);
  } catch {
    return String(cause);
  }
}

/** Checks a report's internal consistency; returns a description of what is wrong, or undefined. */
function inconsistency(report: FileReport): string | undefined {
  for (const e of report.errors) if (!CODES.has(e.code)) return `unknown code ${e.code}`;
  if (report.records === 0 && report.errors[0]?.code !== 'EMPTY_FILE') return 'an empty file is not EMPTY_FILE';
  if (report.rejected > report.records) return 'more rejected than records';
  if (report.rejected > 0 && report.errors.length === 0) return 'rejected records without reasons';
  if (report.valid !== (report.records > 0 && report.rejected === 0)) return 'valid flag disagrees with the counts';
  return undefined;
}

describe(`${VALIDATOR_FILES.toLocaleString('en')} generated and mutated files through the validator`, () => {
  it('every file gets a verdict with stable codes; the normalizer agrees; zero unclassified exceptions', async () => {
    const rand = prng(20261125);
    const gen = new CaptureGenerator({ seed: 6, batchMax: 5 });
    const unclassified: Array<{ file: number; mutators: string[]; error: string }> = [];
    const inconsistent: Array<{ file: number; problem: string }> = [];
    const verdicts: Record<string, number> = {};
    const byMutator: Record<string, number> = {};
    let records = 0;
    let bytes = 0;
    const started = performance.now();
    for (let f = 0; f < VALIDATOR_FILES; f++) {
      const file = makeFile(rand, gen);
      bytes += file.bytes.length;
      for (const m of file.mutators) byMutator[m] = (byMutator[m] ?? 0) + 1;
      try {
        const report = await checkCaptureFile(Readable.from([file.bytes]), { collectPartnerIds: true });
        records += report.records;
        for (const e of report.errors) verdicts[e.code] = (verdicts[e.code] ?? 0) + 1;
        verdicts.accepted = (verdicts.accepted ?? 0) + (report.records - report.rejected);
        const problem = inconsistency(report);
        if (problem) inconsistent.push({ file: f, problem });
        // The normalizer (what ValidateCapture runs) must reach the same verdict and split every record one way or the other.
        if (f % 4 === 0) {
          const normalizer = new CaptureNormalizer();
          let quarantined = 0;
          let sent = 0;
          normalizer.rejected.on('data', (d: Buffer) => (quarantined += d.toString().split('\n').filter(Boolean).length));
          await pipeline(Readable.from([file.bytes]), normalizer, new Writable({
              write: (c: Buffer, _e, done) => {
                sent += c.toString().split('\n').filter(Boolean).length;
                done();
              },
            }));
          const n = normalizer.report();
          if (n.records !== report.records || n.rejected !== report.rejected || n.inferences !== report.inferences) inconsistent.push({ file: f, problem: 'normalizer and validator disagree' });
          if (sent + quarantined !== n.records) inconsistent.push({ file: f, problem: `normalizer: ${sent} sent + ${quarantined} quarantined ≠ ${n.records} records` });
        }
      } catch (err) {
        unclassified.push({ file: f, mutators: file.mutators, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    }
    const ms = Math.round(performance.now() - started);
    record('bad input: validator', { files: VALIDATOR_FILES, records, bytes, realSeeds: realSeeds.length, unclassified: unclassified.length, inconsistent: inconsistent.length, verdicts, ms, filesPerSecond: Math.round(VALIDATOR_FILES / (ms / 1000)) });
    expect(unclassified).toEqual([]);
    expect(inconsistent).toEqual([]);
    // The mix really exercised the rules: most codes were seen, and so were accepted records.
    expect(Object.keys(verdicts).length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(byMutator).length).toBe(MUTATORS.length);
  });
});

describe(`${STACK_FILES} mutated files through the whole local stack`, () => {
  const MODEL = modelId(0x501);
  let r: ReliabilityStack;
  beforeAll(async () => {
    r = await startReliabilityStack();
    await r.stack.putMapping('bad/', MODEL);
  });
  afterAll(async () => {
    if (r) expect(await r.findSecret(r.stack.arthurToken)).toBeUndefined();
    await r?.close();
  });

  it('each ends REJECTED, PARTIAL or UPLOADED as the validator predicts, with its reasons kept', async () => {
    const rand = prng(777);
    const files: Array<{ key: string; report: FileReport }> = [];
    const started = performance.now();
    for (let f = 0; f < STACK_FILES; f += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, STACK_FILES - f) }, async (_, j) => {
          // A generator per file: event IDs never repeat across files, so Arthur's duplicate check stays out of the way.
          // No fixture seeds here either: two files holding the same fixture record would share its partner ID.
          const { bytes } = makeFile(rand, new CaptureGenerator({ seed: 100_000 + f + j, batchMax: 5 }), []);
          const key = captureKey('bad/endpoint/', f + j);
          files.push({ key, report: await checkCaptureFile(Readable.from([bytes]), { collectPartnerIds: true }) });
          await r.put(key, bytes);
        }),
      );
    }
    await r.stack.waitForIdle();
    const ms = Math.round(performance.now() - started);

    const items = await r.ingestions();
    const statuses: Record<string, number> = {};
    const wrong: unknown[] = [];
    let expectedInferences = 0;
    for (const { key, report } of files) {
      const item = items.get(`${r.stack.captureBucket}/${key}`);
      // A mutation can give records of two files the same partner ID (an eventId set to "x", say): the validator
      // cannot see across files, Arthur refuses the second copy, and the file is PARTIAL with that failure counted.
      const refusedByArthur = item ? partTotals(item).failure : 0;
      const expected = report.inferences === 0 ? 'REJECTED' : report.rejected > 0 || refusedByArthur > 0 ? 'PARTIAL' : 'UPLOADED';
      statuses[item?.status ?? 'NONE'] = (statuses[item?.status ?? 'NONE'] ?? 0) + 1;
      expectedInferences += report.inferences;
      if (item?.status !== expected) {
        wrong.push({ key, expected, got: item?.status, error: item?.error, cause: item?.cause?.slice(0, 300) });
        continue;
      }
      if (expected !== 'REJECTED' && (item.inferences !== report.inferences || item.rejected !== report.rejected)) {
        wrong.push({ key, problem: 'counts differ', item: { inferences: item.inferences, rejected: item.rejected }, report: { inferences: report.inferences, rejected: report.rejected } });
      }
      // Reasons kept: every rejected record is in the quarantine object with a stable code, or (nothing to
      // quarantine: an empty file) the record's cause says why.
      if (report.rejected > 0) {
        // A REJECTED file's item names the quarantine object in its cause (the validator threw CaptureRejectedError).
        const quarantineKey = item.quarantineKey ?? new RegExp(`s3://${r.stack.artifactsBucket}/(\\S+)$`).exec(lambdaMessage(item.cause))?.[1];
        if (!quarantineKey) {
          wrong.push({ key, problem: 'no quarantine object', status: item.status, cause: String(item.cause).slice(-200) });
          continue;
        }
        const body = await (await r.s3.send(new GetObjectCommand({ Bucket: r.stack.artifactsBucket, Key: quarantineKey }))).Body!.transformToString();
        const entries = body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { code: string; line: number });
        if (entries.length !== report.rejected || entries.some((e) => !CODES.has(e.code))) wrong.push({ key, problem: 'quarantine does not hold every rejected record with a code', entries: entries.length, rejected: report.rejected });
      } else if (expected === 'REJECTED' && !/EMPTY|no inference|holds 0 records/i.test(String(item.cause))) {
        wrong.push({ key, problem: 'REJECTED without a reason', cause: item.cause });
      }
    }
    const received = r.stack.receiver!.received(MODEL).length;
    const arthurFailures = [...items.values()].reduce((n, i) => n + partTotals(i).failure, 0);
    record('bad input: whole stack', { files: STACK_FILES, statuses, expectedInferences, received, arthurFailures, wrong: wrong.length, ms });
    expect(wrong).toEqual([]);
    expect(statuses.FAILED ?? 0).toBe(0);
    expect(received + arthurFailures).toBe(expectedInferences);
    expect(arthurFailures).toBeLessThanOrEqual(expectedInferences / 50);
    expect(Object.keys(statuses).sort()).toEqual(['PARTIAL', 'REJECTED', 'UPLOADED']);
  });
});
