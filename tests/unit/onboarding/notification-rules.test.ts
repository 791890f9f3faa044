import { describe, expect, it } from '@jest/globals';
import { bucketWideRule, eventsOverlap, matchingTargets, rulesOverlap, S3_MESSAGES, validateConfiguration, type LambdaFunctionConfiguration } from '../../../src/onboarding/notification-rules.js';

const fn = (id: string, events: string[], prefix?: string, suffix?: string): LambdaFunctionConfiguration => ({
  Id: id,
  LambdaFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${id}`,
  Events: events,
  ...(prefix !== undefined || suffix !== undefined
    ? { Filter: { Key: { FilterRules: [...(prefix !== undefined ? [{ Name: 'prefix', Value: prefix }] : []), ...(suffix !== undefined ? [{ Name: 'suffix', Value: suffix }] : [])] } } }
    : {}),
});
const rule = (events: string[], prefix = '', suffix = '') => ({ events, prefix, suffix });

describe('S3 notification overlap', () => {
  it.each([
    ['s3:ObjectCreated:*', 's3:ObjectCreated:Put', true],
    ['s3:ObjectCreated:Put', 's3:ObjectCreated:Put', true],
    ['s3:ObjectCreated:Put', 's3:ObjectCreated:Copy', false],
    ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', false],
  ])('event %s and %s overlap: %s', (a, b, expected) => {
    expect(eventsOverlap(a, b)).toBe(expected);
  });

  it.each([
    ['bucket-wide .jsonl vs a model prefix with .jsonl', rule(['s3:ObjectCreated:*'], '', '.jsonl'), rule(['s3:ObjectCreated:*'], 'models/a/', '.jsonl'), true],
    ['bucket-wide .jsonl vs a prefix with no suffix', rule(['s3:ObjectCreated:*'], '', '.jsonl'), rule(['s3:ObjectCreated:Put'], 'models/a/'), true],
    ['suffixes that cannot both end one key', rule(['s3:ObjectCreated:*'], '', '.jsonl'), rule(['s3:ObjectCreated:*'], '', '.csv'), false],
    ['suffix inside a suffix (jpg / pg)', rule(['s3:ObjectCreated:*'], '', 'jpg'), rule(['s3:ObjectCreated:*'], '', 'pg'), true],
    ['disjoint prefixes', rule(['s3:ObjectCreated:*'], 'a/', '.jsonl'), rule(['s3:ObjectCreated:*'], 'b/', '.jsonl'), false],
    ['other event types', rule(['s3:ObjectCreated:*'], '', '.jsonl'), rule(['s3:ObjectRemoved:*'], 'models/a/', '.jsonl'), false],
  ])('%s → overlap %s', (_name, a, b, expected) => {
    expect(rulesOverlap(a, b)).toBe(expected);
    expect(rulesOverlap(b, a)).toBe(expected);
  });
});

describe('validateConfiguration answers as S3 does', () => {
  it("refuses the router's rule beside a per-model rule with S3's overlap message", () => {
    const problem = validateConfiguration({ LambdaFunctionConfigurations: [bucketWideRule('arn:aws:lambda:us-east-1:1:function:router'), fn('model-a', ['s3:ObjectCreated:*'], 'models/a/', '.jsonl')] });
    expect(problem).toEqual({ code: 'InvalidArgument', message: S3_MESSAGES.overlap, rules: ['capture-router-jsonl', 'model-a'] });
    expect(problem!.message).toBe('Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.');
  });

  it('refuses two unfiltered rules for one event type as overlapping configurations', () => {
    expect(validateConfiguration({ LambdaFunctionConfigurations: [fn('a', ['s3:ObjectCreated:*']), fn('b', ['s3:ObjectCreated:Put'])] })?.message).toBe(S3_MESSAGES.sameEvents);
  });

  it.each([
    ['a filter rule named other than prefix/suffix', { Key: { FilterRules: [{ Name: 'middle', Value: 'x' }] } }, S3_MESSAGES.filterName],
    ['two prefix rules', { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }, { Name: 'Prefix', Value: 'b/' }] } }, S3_MESSAGES.twoPrefixes],
    ['two suffix rules', { Key: { FilterRules: [{ Name: 'suffix', Value: '.a' }, { Name: 'suffix', Value: '.b' }] } }, S3_MESSAGES.twoSuffixes],
    ['a value over 1024 bytes', { Key: { FilterRules: [{ Name: 'prefix', Value: 'é'.repeat(513) }] } }, S3_MESSAGES.valueTooLong],
  ])('refuses %s', (_name, filter, message) => {
    expect(validateConfiguration({ LambdaFunctionConfigurations: [{ ...fn('a', ['s3:ObjectCreated:*']), Filter: filter }] })?.message).toBe(message);
  });

  it('refuses an unknown event type', () => {
    expect(validateConfiguration({ LambdaFunctionConfigurations: [fn('a', ['s3:ObjectMade:*'])] })?.message).toBe(S3_MESSAGES.event);
  });

  it('accepts per-model prefixes side by side, and a removal rule beside the bucket-wide rule', () => {
    expect(validateConfiguration({ LambdaFunctionConfigurations: [fn('a', ['s3:ObjectCreated:*'], 'models/a/', '.jsonl'), fn('b', ['s3:ObjectCreated:*'], 'models/b/', '.jsonl')] })).toBeUndefined();
    expect(validateConfiguration({ LambdaFunctionConfigurations: [bucketWideRule('arn:r'), fn('gone', ['s3:ObjectRemoved:*'], 'models/a/')] })).toBeUndefined();
  });
});

describe('matchingTargets', () => {
  const config = { LambdaFunctionConfigurations: [fn('a', ['s3:ObjectCreated:*'], 'models/a/', '.jsonl'), fn('b', ['s3:ObjectCreated:Put'], 'models/b/', '.jsonl')], QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:1:q', Events: ['s3:ObjectRemoved:*'] }] };
  it.each([
    ['ObjectCreated:Put', 'models/a/ep/v/2026/01/01/00/x.jsonl', ['a']],
    ['ObjectCreated:CompleteMultipartUpload', 'models/a/x.jsonl', ['a']],
    ['ObjectCreated:Copy', 'models/b/x.jsonl', []],
    ['ObjectCreated:Put', 'models/b/x.jsonl', ['b']],
    ['ObjectCreated:Put', 'models/a/x.json', []],
    ['ObjectCreated:Put', 'models/c/x.jsonl', []],
    ['ObjectRemoved:Delete', 'models/a/x.jsonl', ['q']],
  ])('%s of %s goes to %j', (event, key, ids) => {
    expect(matchingTargets(config, event, key).map((r) => r.id)).toEqual(ids);
  });
});
