import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartnerIdText } from '../../../cli/partner-id-text.js';
import { partnerInferenceIds } from '../../../src/capture/index.js';

/** What the --json line must hold: JSON.stringify of the IDs, without the array's brackets. */
const expected = (records: Array<[string, number]>) => JSON.stringify(records.flatMap(([base, n]) => partnerInferenceIds(base, n))).slice(1, -1);

function written(ids: PartnerIdText): string {
  const pieces: Buffer[] = [];
  ids.drain((piece) => pieces.push(Buffer.from(piece)));
  return Buffer.concat(pieces).toString('utf8');
}

const ODD_BASES: Array<[string, string]> = [
  ['a quote', 'a"b'],
  ['a backslash', 'back\\slash'],
  ['control characters', 'tab\there\u0001\u001f'],
  ['DEL, kept as it is', 'del\u007f'],
  ['accented letters', 'é-accent'],
  ['CJK', '日本語'],
  ['an emoji (a surrogate pair)', '😀'],
  ['a lone surrogate (escaped by JSON.stringify)', 'lone\ud800x'],
  ['a line separator', '\u2028ls'],
];

describe('the partner IDs of --json, as JSON text', () => {
  it.each(ODD_BASES)('writes a base with %s as JSON.stringify does, alone and suffixed', (_name, base) => {
    const records: Array<[string, number]> = [['plain-1', 1], [base, 1], [base, 3], ['plain-2', 2]];
    const ids = new PartnerIdText();
    for (const [b, n] of records) ids.add(b, n);
    expect(written(ids)).toBe(expected(records));
  });

  it('suffixes _0 … _n-1 with every digit of n, and writes nothing for a record of no inference', () => {
    const records: Array<[string, number]> = [['batch', 123], ['none', 0], ['one', 1]];
    const ids = new PartnerIdText();
    for (const [b, n] of records) ids.add(b, n);
    const text = written(ids);
    expect(text).toBe(expected(records));
    expect(JSON.parse(`[${text}]`)).toHaveLength(124);
  });

  it('writes nothing at all for no ID', () => {
    expect(written(new PartnerIdText())).toBe('');
  });

  it.each([
    ['in memory', false],
    ['spilled to a temporary file', true],
  ])('keeps order and every byte across 1 MiB pieces (%s), also for a base larger than a piece', (_name, spill) => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-ids-'));
    try {
      const records: Array<[string, number]> = [];
      for (let i = 0; i < 40_000; i++) records.push([`3ddbaf9b-f739-4cd3-a782-${String(i).padStart(12, '0')}`, 1 + (i % 4)]);
      records.splice(20_000, 0, ['y'.repeat(1_500_000), 2], [`é${'z'.repeat(1_200_000)}`, 1]);
      const ids = new PartnerIdText(spill ? dir : undefined);
      for (const [b, n] of records) ids.add(b, n);
      if (spill) expect(readdirSync(dir)).toHaveLength(1);
      expect(written(ids)).toBe(expected(records));
      // Drained: the temporary file is gone.
      expect(readdirSync(dir)).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
