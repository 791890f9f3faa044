/**
 * Mutation fuzzing: every mutant of a real or generated record gets a verdict (accepted, or rejected with one of
 * the stable codes) and the checker never throws. Real fixtures from ../shared are used when present.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CaptureChecker, CaptureNormalizer, ERROR_CODES, checkCaptureFile } from '../../../src/capture/index.js';
import { CaptureGenerator, VALID_KINDS, prng } from '../../../local/capture-generator.js';

const REAL = new URL('../../../../shared/fixtures/real/', import.meta.url);
const OWN = new URL('../../fixtures/captures/', import.meta.url);

function seedLines(): string[] {
  const lines: string[] = [];
  const dirs = existsSync(REAL) ? [REAL, OWN] : [OWN];
  if (!existsSync(REAL)) console.warn('fuzz: ../shared/fixtures/real not found; mutating the project\'s own fixtures and generated records only');
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => !f.endsWith('.md'))) {
      for (const line of readFileSync(new URL(file, dir), 'utf8').split('\n')) if (line.trim()) lines.push(line);
    }
  }
  const generator = new CaptureGenerator({ seed: 99 });
  for (const kind of VALID_KINDS) lines.push(generator.line(kind).text);
  return lines;
}

type Mutator = (line: string, rand: () => number) => string;
const pickIndex = (n: number, rand: () => number) => Math.floor(rand() * n);

function paths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths((value as Record<string, unknown>)[key], [...prefix, key], out);
    }
  }
  return out;
}

function mutateAt(line: string, rand: () => number, change: (parent: Record<string, unknown>, key: string) => void): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  const all = paths(record);
  if (all.length === 0) return line;
  const path = all[pickIndex(all.length, rand)];
  let parent = record as Record<string, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  change(parent, path[path.length - 1]);
  return JSON.stringify(record);
}

const WRONG_TYPES: unknown[] = [null, 0, -1.5, true, '', 'x', [], {}, [1, 2], { a: 1 }, 'BASE64', 'text/csv', '{"instances":[{"a":1}]}'];

const MUTATORS: Record<string, Mutator> = {
  truncate: (line, rand) => line.slice(0, pickIndex(line.length, rand)),
  flipByte: (line, rand) => {
    const i = pickIndex(line.length, rand);
    return line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ (1 << pickIndex(7, rand))) + line.slice(i + 1);
  },
  dropKey: (line, rand) => mutateAt(line, rand, (parent, key) => delete parent[key]),
  wrongType: (line, rand) => mutateAt(line, rand, (parent, key) => (parent[key] = WRONG_TYPES[pickIndex(WRONG_TYPES.length, rand)])),
  hugeValue: (line, rand) => mutateAt(line, rand, (parent, key) => (parent[key] = typeof parent[key] === 'string' ? (parent[key] as string).repeat(2000).slice(0, 300_000) : 1e308)),
  deepPayload: (line, rand) =>
    mutateAt(line, rand, (parent, key) => (parent[key] = `{"instances":[${'['.repeat(3000)}${']'.repeat(3000)}]}`)),
  duplicateLine: (line) => `${line}\n${line}`,
};

describe('every mutant gets a verdict', () => {
  const lines = seedLines();

  it.each(Object.keys(MUTATORS))('%s', (name) => {
    const rand = prng(name.length * 7919);
    const counts: Record<string, number> = {};
    let mutants = 0;
    for (const line of lines) {
      for (let round = 0; round < 8; round++) {
        const mutant = MUTATORS[name](line, rand);
        const checker = new CaptureChecker();
        mutant.split('\n').forEach((text, i) => {
          if (!text.trim()) return;
          const result = checker.check(text, i + 1, { explode: true });
          mutants++;
          const verdict = result.ok ? 'ok' : result.code;
          counts[verdict] = (counts[verdict] ?? 0) + 1;
          if (!result.ok) expect(ERROR_CODES).toContain(result.code);
          else expect(result.exploded).toHaveLength(result.inferences);
        });
      }
    }
    expect(mutants).toBeGreaterThan(lines.length * 4);
    expect(Object.keys(counts).length).toBeGreaterThan(0);
  });

  it('whole mutated files through the normalizer: accepted + rejected = records', async () => {
    const rand = prng(4242);
    const names = Object.keys(MUTATORS);
    for (let f = 0; f < 40; f++) {
      const content = lines.map((l) => (rand() < 0.5 ? MUTATORS[names[pickIndex(names.length, rand)]](l, rand) : l)).join('\n');
      const normalizer = new CaptureNormalizer();
      const rejected: string[] = [];
      normalizer.rejected.on('data', (d: Buffer) => rejected.push(...d.toString().split('\n').filter(Boolean)));
      let out = '';
      for await (const chunk of Readable.from([content]).pipe(normalizer)) out += chunk;
      const report = normalizer.report();
      expect(out.split('\n').filter(Boolean).length + rejected.length).toBe(report.records);
      expect((await checkCaptureFile(Readable.from([out]))).rejected).toBe(0);
    }
  });
});

it('the fixture directory is readable', async () => {
  expect((await readdir(OWN)).length).toBeGreaterThan(3);
});
