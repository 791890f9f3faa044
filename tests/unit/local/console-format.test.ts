/** The console's file names and times: what a person reads in the table (the page runs these same functions). */
import { describe, expect, it } from '@jest/globals';
import { relativeTime, shortKeyName } from '../../../local/console-format.js';

describe('shortKeyName', () => {
  it.each([
    ['a SageMaker key: endpoint, variant, the file with its uuid cut to 8', 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-01-000-6f1c2a3b-9d4e-4f7a-8b1c-2d3e4f5a6b7c.jsonl', 'fraud-endpoint/AllTraffic/…/00-01-000-6f1c2a3b….jsonl'],
    ['a SageMaker key under a deep destination', 'a/b/c/ep/Shadow/2026/01/02/03/59-59-999-ABCDEF01-9d4e-4f7a-8b1c-2d3e4f5a6b7c.jsonl', 'ep/Shadow/…/59-59-999-ABCDEF01….jsonl'],
    ['a SageMaker-shaped key whose file is not MM-SS-mmm-uuid', 'captures/ep/AllTraffic/2026/11/25/10/00-01-000-console.jsonl', 'ep/AllTraffic/…/00-01-000-console.jsonl'],
    ['any other key: its last two segments', 'uploads/manual/batch-7/file.jsonl', '…/batch-7/file.jsonl'],
    ['a key of two segments', 'drop/file.jsonl', 'drop/file.jsonl'],
    ['a key of one segment', 'file.jsonl', 'file.jsonl'],
    ['double slashes', 'captures//ep/AllTraffic/2026/11/25/10/x.jsonl', 'ep/AllTraffic/…/x.jsonl'],
  ])('shortens %s', (_, key, expected) => {
    expect(shortKeyName(key)).toBe(expected);
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-12-02T05:00:00Z');
  it.each([
    ['2026-12-02T04:59:57Z', 'just now'],
    ['2026-12-02T04:59:35Z', '25 s ago'],
    ['2026-12-02T04:57:00Z', '3 min ago'],
    ['2026-12-02T03:30:00Z', '1 h ago'],
    ['2026-11-30T01:00:00Z', '2 days ago'],
    ['2026-12-02T05:10:00Z', 'in the future'],
    ['not a time', ''],
  ])('says %s as "%s"', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected);
  });
});
