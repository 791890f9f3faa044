/** Findings grouped by code, as `validate`, `executions show` and the local console print them. */
import { describe, expect, it } from '@jest/globals';
import { describeGroups, describeLines, FindingGroups, formatGroup, type CaptureError, type ErrorCode } from '../../../src/capture/index.js';

const at = (code: string, ...lines: number[]): CaptureError[] => lines.map((line) => ({ line, code: code as ErrorCode, message: `${code} at ${line}` }));

function grouped(errors: CaptureError[]): FindingGroups {
  const groups = new FindingGroups();
  for (const error of errors) groups.add(error);
  return groups;
}

describe('FindingGroups', () => {
  it.each([
    ['one line', [1], 'line 1'],
    ['a run', [3, 4, 5, 6], 'lines 3–6'],
    ['a run and a stray line', [3, 4, 5, 46, 49], 'lines 3–5, 46, 49'],
    ['two runs', [2, 3, 10, 11, 12], 'lines 2–3, 10–12'],
    ['the same line twice (two faults of one record)', [7, 7], 'lines 7, 7'],
  ])('describes %s as "%s"', (_, lines, expected) => {
    expect(describeLines(grouped(at('BAD_INFERENCE_TIME', ...lines)).list()[0]!)).toBe(expected);
  });

  it('names the first ranges of a scattered code and counts the rest', () => {
    const [group] = grouped(at('MISSING_EVENT_ID', 1, 2, 3, 5, 7, 9, 11, 13, 15, 16, 20)).list();
    expect(group).toMatchObject({ count: 11, ranges: [[1, 3], [5, 5], [7, 7], [9, 9], [11, 11], [13, 13]], moreRanges: 2 });
    expect(describeLines(group!)).toBe('lines 1–3, 5, 7, 9, 11, 13 and 2 more ranges');
  });

  it('keeps codes in the order each first appears, each with its count and its first error as the example', () => {
    const errors = [...at('COUNT_MISMATCH', 4), ...at('BAD_INFERENCE_TIME', 5, 6), ...at('COUNT_MISMATCH', 9)].sort((a, b) => a.line - b.line);
    const list = grouped(errors).list();
    expect(list.map((g) => [g.code, g.count, g.example.line])).toEqual([
      ['COUNT_MISMATCH', 2, 4],
      ['BAD_INFERENCE_TIME', 2, 5],
    ]);
  });

  it('gives each group its lines, its fix and the three lines human output prints', () => {
    const groups = grouped(at('BAD_INFERENCE_TIME', ...Array.from({ length: 44 }, (_, i) => i + 3), 49));
    const [described] = describeGroups(groups);
    expect(described).toMatchObject({ code: 'BAD_INFERENCE_TIME', count: 45, lines: 'lines 3–46, 49', example: { line: 3, message: 'BAD_INFERENCE_TIME at 3' } });
    expect(described!.fix).toMatch(/ISO-8601/);
    expect(formatGroup(described!)).toEqual(['BAD_INFERENCE_TIME ×45  lines 3–46, 49', 'e.g. line 3: BAD_INFERENCE_TIME at 3', `fix: ${described!.fix}`]);
  });

  it('still says something for a code this version does not know (a quarantine object written by another one)', () => {
    const [described] = describeGroups(grouped(at('SOME_NEW_CODE', 2)));
    expect(described!.fix).toContain('SOME_NEW_CODE is not a code this version');
  });
});
