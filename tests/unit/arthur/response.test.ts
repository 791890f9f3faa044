import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter } from '../../../src/arthur/index.js';
import { bodyExcerpt, CappedBody, FAILURE_SAMPLE_SIZE, isAlreadyExistsResult, parseAcceptedAnswer } from '../../../src/arthur/response.js';

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

describe('isAlreadyExistsResult', () => {
  const EXISTS = 'an inference with this partner_inference_id already exists';
  it.each([
    ['the receiver\'s duplicate answer', { partner_inference_id: 'evt-1', message: EXISTS, status_code: 400 }, true],
    ['any case, status under `status`', { partner_inference_id: 'evt-1_0', message: 'Inference Already Exists', status: '409' }, true],
    ['no status at all (Arthur lists failures only)', { partner_inference_id: 'evt-1', message: EXISTS }, true],
    ['another refusal of the inference', { partner_inference_id: 'evt-1', message: 'injected fault: inference not ingested', status_code: 400 }, false],
    ['a result about a line, without a partner ID', { partner_inference_id: null, message: `line 3: ${EXISTS}`, status_code: 400 }, false],
    ['an empty partner ID', { partner_inference_id: '', message: EXISTS, status_code: 400 }, false],
    ['a 2xx result', { partner_inference_id: 'evt-1', message: EXISTS, status_code: 200 }, false],
    ['a word that only contains "exists"', { partner_inference_id: 'evt-1', message: 'already existsing', status_code: 400 }, false],
    ['not an object', 'already exists', false],
  ])('%s → %p', (_label, result, expected) => {
    expect(isAlreadyExistsResult(result)).toBe(expected);
  });
});

describe('parseAcceptedAnswer: "already exists" results', () => {
  const EXISTS = 'an inference with this partner_inference_id already exists';
  const whole = (value: unknown, max = 1 << 20) => {
    const b = new CappedBody(max, 256);
    b.push(Buffer.from(JSON.stringify(value)));
    return b;
  };
  const exists = (i: number) => ({ partner_inference_id: `evt-${i}`, message: EXISTS, status_code: 400 });
  const refused = (i: number) => ({ partner_inference_id: `evt-${i}`, message: 'injected fault: inference not ingested', status_code: 400 });

  it('counts them over the whole list, and samples the other failures apart', () => {
    const results = [...Array.from({ length: 12 }, (_, i) => exists(i)), refused(12), { partner_inference_id: null, message: 'line 9: BAD_INFERENCE_TIME', status_code: 400 }];
    const answer = parseAcceptedAnswer(whole({ counts: { success: 0, failure: 14, total: 14 }, results }));
    expect(answer.alreadyExists).toBe(12);
    expect(answer.failureSample).toHaveLength(FAILURE_SAMPLE_SIZE);
    expect(answer.failureSample[0]).toEqual(exists(0));
    expect(answer.otherFailureSample).toEqual([refused(12), { partner_inference_id: null, message: 'line 9: BAD_INFERENCE_TIME', status_code: 400 }]);
  });

  it('counts none when the answer lists no results, or lists only successes', () => {
    expect(parseAcceptedAnswer(whole({ counts: { success: 3, failure: 0, total: 3 }, results: [] })).alreadyExists).toBe(0);
    expect(parseAcceptedAnswer(whole({ counts: { success: 3, failure: 0, total: 3 } })).alreadyExists).toBe(0);
    expect(parseAcceptedAnswer(whole({ results: [{ partner_inference_id: 'a', message: EXISTS, status_code: 201 }] })).alreadyExists).toBe(0);
  });

  it('counts none in an answer too large to parse: they stay failures (never a silent delivery)', () => {
    const results = Array.from({ length: 50 }, (_, i) => exists(i));
    const answer = parseAcceptedAnswer(whole({ counts: { success: 0, failure: 50, total: 50 }, results }, 1024));
    expect(answer.counts).toEqual({ success: 0, failure: 50, total: 50 });
    expect(answer).toMatchObject({ alreadyExists: 0, failureSample: [], otherFailureSample: [] });
  });

  it('counts none in a body that is not JSON', () => {
    expect(parseAcceptedAnswer(whole('already exists')).alreadyExists).toBe(0);
    const b = new CappedBody(1024, 256);
    b.push(Buffer.from(`{"counts":{"success":0,"failure":1,"total":1},"results":[${JSON.stringify(exists(1))}`));
    expect(parseAcceptedAnswer(b)).toMatchObject({ counts: { success: 0, failure: 1, total: 1 }, alreadyExists: 0 });
  });
});
