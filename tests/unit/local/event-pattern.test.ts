/** EventBridge event patterns as the local bus evaluates them (local/eventbridge/pattern.ts). */
import { describe, expect, it } from '@jest/globals';
import { checkEventPattern, matchesEventPattern, type EventPattern } from '../../../local/eventbridge/pattern.js';

const INGEST = 'arn:aws:states:us-east-1:000000000000:stateMachine:capture-router-local-ingest';
/** TerminalFailureRule's pattern, as serverless.yml writes it with the Ref resolved. */
const TERMINAL: EventPattern = {
  source: ['aws.states'],
  'detail-type': ['Step Functions Execution Status Change'],
  detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [INGEST] },
};
const event = (detail: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { stateMachineArn: INGEST, status: 'FAILED', name: 'x', ...detail },
  ...over,
});

describe('matchesEventPattern', () => {
  it.each([
    ['a FAILED execution of the ingest machine', event({}), true],
    ['TIMED_OUT', event({ status: 'TIMED_OUT' }), true],
    ['ABORTED', event({ status: 'ABORTED' }), true],
    ['SUCCEEDED', event({ status: 'SUCCEEDED' }), false],
    ['RUNNING', event({ status: 'RUNNING' }), false],
    ['another state machine', event({ stateMachineArn: `${INGEST}-other` }), false],
    ['another source', event({}, { source: 'aws.s3' }), false],
    ['another detail-type', event({}, { 'detail-type': 'Step Functions State Machine Status Change' }), false],
    ['no detail', { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change' }, false],
    ['status in another case', event({ status: 'failed' }), false],
  ])('TerminalFailureRule: %s → %s', (_label, e, expected) => {
    expect(matchesEventPattern(TERMINAL, e)).toBe(expected);
  });

  it.each([
    ['an array value matches when any element does', { resources: ['a', 'b'] }, { resources: ['b'] }, true],
    ['prefix', { name: [{ prefix: 'cr-' }] }, { name: 'cr-1' }, true],
    ['prefix, not matching', { name: [{ prefix: 'cr-' }] }, { name: 'x-cr-1' }, false],
    ['suffix', { key: [{ suffix: '.jsonl' }] }, { key: 'a/b.jsonl' }, true],
    ['equals-ignore-case', { s: [{ 'equals-ignore-case': 'failed' }] }, { s: 'FAILED' }, true],
    ['anything-but a list', { s: [{ 'anything-but': ['RUNNING', 'SUCCEEDED'] }] }, { s: 'FAILED' }, true],
    ['anything-but, the excluded value', { s: [{ 'anything-but': 'RUNNING' }] }, { s: 'RUNNING' }, false],
    ['anything-but a prefix', { s: [{ 'anything-but': { prefix: 'tmp' } }] }, { s: 'tmp-1' }, false],
    ['exists: true on a present field', { d: { error: [{ exists: true }] } }, { d: { error: 'E' } }, true],
    ['exists: true on an absent field', { d: { error: [{ exists: true }] } }, { d: {} }, false],
    ['exists: false on an absent field', { d: { error: [{ exists: false }] } }, { d: {} }, true],
    ['numeric range', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 5 }, true],
    ['numeric out of range', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 6 }, false],
    ['a literal number', { n: [3] }, { n: 3 }, true],
    ['null matches a null value', { output: [null] }, { output: null }, true],
    ['null does not match an absent field', { output: [null] }, {}, false],
    ['a nested pattern against a scalar', { detail: { status: ['FAILED'] } }, { detail: 'FAILED' }, false],
  ])('%s', (_label, pattern, e, expected) => {
    checkEventPattern(pattern);
    expect(matchesEventPattern(pattern as EventPattern, e)).toBe(expected);
  });
});

describe('checkEventPattern', () => {
  it.each([
    ['$or', { $or: [{ a: ['x'] }] }, /does not evaluate \$or/],
    ['wildcard', { key: [{ wildcard: '*.jsonl' }] }, /does not evaluate the filter/],
    ['an empty array', { a: [] }, /empty array/],
    ['a scalar leaf', { a: 'x' }, /array of values or filters/],
    ['a filter with two operators', { a: [{ prefix: 'x', suffix: 'y' }] }, /does not evaluate the filter/],
    ['not an object', ['x'], /is a JSON object/],
  ])('refuses %s, so no rule silently matches otherwise than in EventBridge', (_label, pattern, message) => {
    expect(() => checkEventPattern(pattern)).toThrow(message);
  });
});
