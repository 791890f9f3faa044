import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { countCsvRows } from '../../../src/capture/index.js';
import { walkCsvRows } from '../../../src/capture/payload.js';

/**
 * countCsvRows counts quoted payloads without csv-parse when they are plainly well formed; csv-parse (RFC 4180,
 * the same options) stays the reference, so every payload must get csv-parse's verdict: the same row count, or
 * an error where csv-parse throws one.
 */
const reference = (data: string): number | 'error' => {
  try {
    return (parse(data, { relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as unknown[]).length;
  } catch {
    return 'error';
  }
};
const ours = (data: string): number | 'error' => {
  try {
    return countCsvRows(data);
  } catch {
    return 'error';
  }
};

describe('countCsvRows on quoted payloads', () => {
  it.each([
    ['a quoted comma does not split a row', '1,"a,b",3\n4,5,6\n', 2],
    ['a quoted newline does not end a row', '1,"line one\nline two"\n2,x\n', 2],
    ['a doubled quote inside a quoted field', '"say ""hi""",1\n', 1],
    ['an empty quoted field alone is a row', '""\n\n', 1],
    ['empty lines between quoted rows are skipped', '"a"\n\n\n"b"\n', 2],
    ['a quoted last field without a final newline', '1,2,"x\ny"', 1],
    ['a quoted field then a trailing comma', '"a",', 1],
    ['quoted fields at the start of each row', '"a",1\n"b",2\n"c",3', 3],
    ['no quote at all: newlines end rows, empty lines are skipped', '1,2\n\n3,4', 2],
  ])('%s', (_name, data, rows) => {
    // The walk decides these itself; csv-parse agrees.
    expect(walkCsvRows(data)).toBe(rows);
    expect(countCsvRows(data)).toBe(rows);
    expect(reference(data)).toBe(rows);
  });

  it.each([
    ['an unclosed quote', '1,"abc\n2,3\n'],
    ['a quote inside an unquoted field', '1,ab"c,3\n'],
    ['text after a closing quote', '1,"ab"c,3\n'],
    ['three quotes opening a field and nothing closing it', '"""'],
  ])('refuses %s, as csv-parse does', (_name, data) => {
    // The walk leaves these to csv-parse, whose message names the problem.
    expect(walkCsvRows(data)).toBe(-1);
    expect(reference(data)).toBe('error');
    expect(() => countCsvRows(data)).toThrow();
  });

  it('agrees with csv-parse on 20,000 random payloads built from quotes, commas, newlines, CRs and text', () => {
    // A small alphabet makes every awkward neighbour of a quote common; seeded, so a failure is reproducible.
    const alphabet = ['"', '"', '"', ',', ',', '\n', '\n', 'a', 'b', ' ', '\r', '""'];
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let disagreements = 0;
    let walkedWithQuotes = 0;
    const examples: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(random() * 14);
      let data = '';
      for (let k = 0; k < length; k++) data += alphabet[Math.floor(random() * alphabet.length)];
      // What the walk decides alone must be csv-parse's count; what it declines goes to csv-parse anyway.
      const walked = data.includes('\r') ? -1 : walkCsvRows(data);
      if (walked >= 0 && data.includes('"')) walkedWithQuotes++;
      if ((walked >= 0 && walked !== reference(data)) || ours(data) !== reference(data)) {
        disagreements++;
        if (examples.length < 5) examples.push(JSON.stringify(data));
      }
    }
    expect(examples).toEqual([]);
    expect(disagreements).toBe(0);
    // The walk really decides quoted payloads, not only the quote-free ones.
    expect(walkedWithQuotes).toBeGreaterThan(1_000);
  });
});
