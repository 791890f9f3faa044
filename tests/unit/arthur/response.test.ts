import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter } from '../../../src/arthur/index.js';
import { bodyExcerpt, CappedBody, parseAcceptedAnswer } from '../../../src/arthur/response.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%p → %p seconds', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('bodyExcerpt', () => {
  it('removes the token wherever the server echoed it, and collapses whitespace', () => {
    expect(bodyExcerpt('bad key\n  tok_123456 was sent as tok_123456', 'tok_123456')).toBe('bad key [redacted] was sent as [redacted]');
  });
  it('says when the body was empty', () => {
    expect(bodyExcerpt('  ', 'tok_123456')).toBe('(empty body)');
  });
  it('redacts before truncating, so a token cut at the limit cannot leak in part', () => {
    const excerpt = bodyExcerpt(`${'x'.repeat(495)}tok_123456`, 'tok_123456', 500);
    expect(excerpt).not.toContain('tok_');
  });
});

describe('parseAcceptedAnswer', () => {
  const body = (text: string, max = 1024) => {
    const b = new CappedBody(max, 256);
    for (let i = 0; i < text.length; i += 100) b.push(Buffer.from(text.slice(i, i + 100)));
    return b;
  };
  it('treats status or status_code outside 2xx as a failed result', () => {
    const answer = parseAcceptedAnswer(body(JSON.stringify({ counts: { success: 1, failure: 2, total: 3 }, results: [
      { status: 200 }, { status: 400, message: 'x' }, { status_code: '422', message: 'y' },
    ] })));
    expect(answer.failureSample).toEqual([{ status: 400, message: 'x' }, { status_code: '422', message: 'y' }]);
  });
  it('finds counts in the head or the tail of a body beyond the cap', () => {
    const filler = `"results":[${Array.from({ length: 200 }, () => '{"status":200}').join(',')}]`;
    expect(parseAcceptedAnswer(body(`{"counts":{"success":5,"failure":1,"total":6},${filler}}`)).counts).toEqual({ success: 5, failure: 1, total: 6 });
    expect(parseAcceptedAnswer(body(`{${filler},"counts":{"success":5,"failure":1,"total":6}}`)).counts).toEqual({ success: 5, failure: 1, total: 6 });
  });
  it('gives no counts when negative or fractional numbers come back', () => {
    expect(parseAcceptedAnswer(body('{"counts":{"success":-1,"failure":0}}')).counts).toBeUndefined();
    expect(parseAcceptedAnswer(body('{"counts":{"success":1.5,"failure":0}}')).counts).toBeUndefined();
  });
});
