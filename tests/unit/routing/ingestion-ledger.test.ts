import { describe, expect, it } from '@jest/globals';
import { isDelivered, ledgerKey, prefetchLedger, type LedgerEntry } from '../../../src/routing/ingestion-ledger.js';

const object = { etag: '9b2c', executionName: 'ep-f-0123456789abcdef01234567' };

describe('isDelivered', () => {
  it.each<[string, LedgerEntry | undefined, boolean]>([
    ['no record', undefined, false],
    ['UPLOADED with the same ETag', { status: 'UPLOADED', etag: '9b2c' }, true],
    ['UPLOADED with the same ETag in quotes', { status: 'UPLOADED', etag: '"9b2c"' }, true],
    ['PARTIAL with the same ETag (final: a resend would duplicate)', { status: 'PARTIAL', etag: '9b2c' }, true],
    ['UPLOADED with another ETag (a new version of the key)', { status: 'UPLOADED', etag: 'ffff' }, false],
    ['FAILED with the same ETag', { status: 'FAILED', etag: '9b2c' }, false],
    ['REJECTED with the same ETag', { status: 'REJECTED', etag: '9b2c' }, false],
    ['UPLOADED without an ETag, by the planned execution', { status: 'UPLOADED', executionName: object.executionName }, true],
    ['UPLOADED without an ETag, by another execution', { status: 'UPLOADED', executionName: 'ep-f-other' }, false],
  ])('%s → %s', (_label, entry, expected) => {
    expect(isDelivered(entry, object)).toBe(expected);
  });

  it('tells versions apart when both sides have a version ID', () => {
    expect(isDelivered({ status: 'UPLOADED', etag: '9b2c', versionId: 'v1' }, { ...object, versionId: 'v2' })).toBe(false);
    expect(isDelivered({ status: 'UPLOADED', etag: '9b2c', versionId: 'v1' }, { ...object, versionId: 'v1' })).toBe(true);
  });
});

describe('prefetchLedger', () => {
  it('asks the ledger once for a page of keys, each key once, and answers from memory', async () => {
    const asked: string[][] = [];
    const ledger = {
      lookup: async (keys: readonly string[]) => {
        asked.push([...keys]);
        return new Map([['b/a.jsonl', { status: 'UPLOADED', etag: 'e' }]]);
      },
    };
    const page = await prefetchLedger(ledger, [ledgerKey({ bucket: 'b', key: 'a.jsonl' }), 'b/a.jsonl', 'b/c.jsonl']);
    expect(await page.entryOf('b/a.jsonl')).toEqual({ status: 'UPLOADED', etag: 'e' });
    expect(await page.entryOf('b/c.jsonl')).toBeUndefined();
    expect(asked).toEqual([['b/a.jsonl', 'b/c.jsonl']]);
  });
});
