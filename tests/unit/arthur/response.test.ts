import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter } from '../../../src/arthur/index.js';
import { bodyExcerpt, CappedBody, isAlreadyExistsMessage, parseAcceptedAnswer } from '../../../src/arthur/response.js';
import { GENERIC_ONE_REFUSED, SAGEMAKER_ALL_TAKEN, SAGEMAKER_TWO_REFUSED } from './arthur-answers.js';

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
  const whole = (value: unknown, max = 1 << 20) => body(JSON.stringify(value), max);

  it("reads the SageMaker endpoint's 207: each failure names its record's eventId and the inference's index", () => {
    expect(parseAcceptedAnswer(whole(SAGEMAKER_TWO_REFUSED))).toEqual({
      counts: { success: 4, failure: 2, total: 6 },
      shape: 'sagemaker',
      failures: [
        { message: 'invalid value for feature age', status: 400, eventId: 'evt-b', indexInEvent: 1 },
        { message: 'an inference with this partner_inference_id already exists', status: 400, eventId: 'evt-c', indexInEvent: 0 },
      ],
      failuresListed: 2,
    });
    expect(parseAcceptedAnswer(whole(SAGEMAKER_ALL_TAKEN))).toMatchObject({ shape: 'sagemaker', failures: [], failuresListed: 0 });
  });

  it('reads the generic 207: one result per item in order, a failure is a result with status ≥ 300, kept with its position', () => {
    expect(parseAcceptedAnswer(whole(GENERIC_ONE_REFUSED))).toEqual({
      counts: { success: 2, failure: 1, total: 3 },
      shape: 'generic',
      failures: [{ message: 'ground truth attribute missing', status: 400, position: 1 }],
      failuresListed: 1,
      resultsListed: 3,
    });
  });

  it('treats status or status_code outside 2xx as a failed result, and a result without status as failed', () => {
    const answer = parseAcceptedAnswer(whole({ counts: { success: 1, failure: 3, total: 4 }, results: [
      { status: 200 }, { status: 400, message: 'x' }, { status_code: '422', message: 'y' }, { message: 'z' },
    ] }));
    expect(answer.failures).toEqual([{ status: 400, message: 'x', position: 1 }, { status: 422, message: 'y', position: 2 }, { message: 'z', position: 3 }]);
  });

  it('reads counts alone, and says when nothing could be read', () => {
    expect(parseAcceptedAnswer(whole({ counts: { success: 3, failure: 0, total: 3 } }))).toMatchObject({ shape: 'counts-only', failures: [] });
    expect(parseAcceptedAnswer(body(''))).toMatchObject({ shape: 'unreadable', counts: undefined });
    expect(parseAcceptedAnswer(body('<html>ok</html>'))).toMatchObject({ shape: 'unreadable', counts: undefined });
  });

  it('keeps a partner ID a server names itself, and truncates long messages', () => {
    const answer = parseAcceptedAnswer(whole({ counts: { success: 0, failure: 1, total: 1 }, failures: [{ partner_inference_id: 'p-1', message: 'm'.repeat(2_000), status: 400 }] }));
    expect(answer.failures[0]).toMatchObject({ partnerInferenceId: 'p-1' });
    expect(answer.failures[0]!.message.length).toBeLessThan(400);
  });

  it('keeps at most the cap of failures, and counts them all', () => {
    const failures = Array.from({ length: 30 }, (_, i) => ({ message: 'no', status: 400, event_id: `e-${i}`, inference_index_in_event: 0 }));
    const answer = parseAcceptedAnswer(whole({ counts: { success: 0, failure: 30, total: 30 }, failures }), 10);
    expect(answer.failures).toHaveLength(10);
    expect(answer.failuresListed).toBe(30);
  });

  it('finds counts in the head or the tail of a body beyond the cap, and lists nothing then', () => {
    const filler = `"failures":[${Array.from({ length: 200 }, () => '{"status":400,"message":"x"}').join(',')}]`;
    expect(parseAcceptedAnswer(body(`{"counts":{"success":5,"failure":1,"total":6},${filler}}`))).toMatchObject({ counts: { success: 5, failure: 1, total: 6 }, failures: [], shape: 'counts-only' });
    expect(parseAcceptedAnswer(body(`{${filler},"counts":{"success":5,"failure":1,"total":6}}`)).counts).toEqual({ success: 5, failure: 1, total: 6 });
  });

  it('gives no counts when negative or fractional numbers come back', () => {
    expect(parseAcceptedAnswer(body('{"counts":{"success":-1,"failure":0}}')).counts).toBeUndefined();
    expect(parseAcceptedAnswer(body('{"counts":{"success":1.5,"failure":0}}')).counts).toBeUndefined();
  });
});

describe('isAlreadyExistsMessage', () => {
  it.each([
    ["the receiver's duplicate answer", 'an inference with this partner_inference_id already exists', true],
    ['any case', 'Inference Already Exists', true],
    ['another refusal', 'injected fault: inference not ingested', false],
    ['a word that only contains "exists"', 'already existsing', false],
  ])('%s → %p', (_label, message, expected) => {
    expect(isAlreadyExistsMessage(message)).toBe(expected);
  });
});
