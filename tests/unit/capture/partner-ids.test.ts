import { describe, expect, it } from '@jest/globals';
import { FingerprintSet, partnerInferenceIds } from '../../../src/capture/index.js';

describe('partner inference IDs', () => {
  it.each([
    ['req-7', 1, ['req-7']],
    ['req-7', 3, ['req-7_0', 'req-7_1', 'req-7_2']],
    ['e', 12, Array.from({ length: 12 }, (_, i) => `e_${i}`)],
  ])('%s with %i inferences', (id, n, expected) => {
    expect(partnerInferenceIds(id as string, n as number)).toEqual(expected);
  });
});

describe('FingerprintSet', () => {
  it('hashes a record\'s suffixed IDs exactly as the same strings written out', () => {
    const seen = new FingerprintSet();
    expect(seen.addRecord('x', 12, 4)).toBeUndefined();
    for (let i = 0; i < 12; i++) expect(seen.lineOf(`x_${i}`)).toBe(4);
    expect(seen.addRecord('x_11', 1, 9)).toEqual({ id: 'x_11', line: 4 });
    expect(seen.lineOf('x')).toBe(0);
  });

  it('hashes suffixes of every digit count, 0 to 12,345, as the strings written out', () => {
    const seen = new FingerprintSet();
    expect(seen.addRecord('big', 12_346, 7)).toBeUndefined();
    for (const i of [0, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 12_345]) expect(seen.lineOf(`big_${i}`)).toBe(7);
    expect(seen.lineOf('big_12346')).toBe(0);
    expect(seen.size).toBe(12_346);
  });

  it('adds all of a record\'s IDs or none of them', () => {
    const seen = new FingerprintSet();
    seen.addRecord('a_1', 1, 1);
    expect(seen.addRecord('a', 3, 2)).toEqual({ id: 'a_1', line: 1 });
    expect(seen.lineOf('a_0')).toBe(0);
    expect(seen.size).toBe(1);
  });

  it('finds the IDs of records of 1 to 12 inferences written out, through many growths, and refuses them again', () => {
    const seen = new FingerprintSet(4);
    const base = (r: number) => `evt-${((r * 2654435761) >>> 0).toString(16)}`;
    for (let r = 0; r < 20_000; r++) expect(seen.addRecord(base(r), 1 + (r % 12), r + 1)).toBeUndefined();
    for (let r = 0; r < 20_000; r += 7) {
      const n = 1 + (r % 12);
      for (const id of partnerInferenceIds(base(r), n)) expect([id, seen.lineOf(id)]).toEqual([id, r + 1]);
      expect(seen.lineOf(`${base(r)}_${n}`)).toBe(0);
      expect(seen.addRecord(`${base(r)}${n === 1 ? '' : `_${n - 1}`}`, 1, 99)).toEqual({ id: `${base(r)}${n === 1 ? '' : `_${n - 1}`}`, line: r + 1 });
    }
    expect(seen.size).toBe(Array.from({ length: 20_000 }, (_, r) => 1 + (r % 12)).reduce((a, b) => a + b, 0));
  });

  it.each([['p_3'], ['p_7'], ['p_8'], ['p_10'], ['p_0']])('sees %s written out as the same ID as the suffix of a record p', (id) => {
    const first = new FingerprintSet();
    first.add(id, 1);
    expect(first.addRecord('p', 11, 2)).toEqual({ id, line: 1 });
    const second = new FingerprintSet();
    second.addRecord('p', 11, 2);
    expect(second.add(id, 3)).toBe(false);
    expect(second.lineOf(id)).toBe(2);
    expect(second.lineOf(`${id}_0`)).toBe(0);
  });

  it('keeps 300,000 distinct IDs apart through many growths, and finds every one again', () => {
    const seen = new FingerprintSet(4);
    const id = (i: number) => `${(i * 2654435761) >>> 0}-${i.toString(36)}-evt`;
    let added = 0;
    for (let i = 0; i < 300_000; i++) if (seen.add(id(i), i + 1)) added++;
    expect(added).toBe(300_000);
    expect(seen.size).toBe(300_000);
    for (let i = 0; i < 300_000; i += 997) expect(seen.lineOf(id(i))).toBe(i + 1);
    expect(seen.add(id(123_456), 1)).toBe(false);
  });
});
