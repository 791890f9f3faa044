import { describe, expect, it } from '@jest/globals';
import { executionPath, type HistoryEventLike } from '../../../src/diagnostics/execution-path.js';
import { compressPath, since } from '../../../cli/executions-command.js';

/** AWS history of a Lambda task with a direct function ARN: LambdaFunction* events, causally linked. */
function awsHistory(): HistoryEventLike[] {
  const t = (s: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, s));
  return [
    { id: 1, previousEventId: 0, timestamp: t(0), type: 'ExecutionStarted' },
    { id: 2, previousEventId: 1, timestamp: t(1), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ValidateCapture' } },
    { id: 3, previousEventId: 2, timestamp: t(1), type: 'LambdaFunctionScheduled' },
    { id: 4, previousEventId: 3, timestamp: t(2), type: 'LambdaFunctionStarted' },
    { id: 5, previousEventId: 4, timestamp: t(3), type: 'LambdaFunctionSucceeded' },
    { id: 6, previousEventId: 5, timestamp: t(3), type: 'TaskStateExited', stateExitedEventDetails: { name: 'ValidateCapture' } },
    { id: 7, previousEventId: 6, timestamp: t(4), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'UploadPart' } },
    { id: 8, previousEventId: 7, timestamp: t(4), type: 'LambdaFunctionScheduled' },
    { id: 9, previousEventId: 8, timestamp: t(5), type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'ArthurUnavailableError', cause: '{"errorType":"ArthurUnavailableError","errorMessage":"Arthur answered 503"}' } },
    { id: 10, previousEventId: 9, timestamp: t(9), type: 'LambdaFunctionScheduled' },
    { id: 11, previousEventId: 10, timestamp: t(10), type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'ArthurAuthError', cause: 'bad token' } },
    { id: 12, previousEventId: 11, timestamp: t(11), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'RecordFailed' } },
    { id: 13, previousEventId: 12, timestamp: t(12), type: 'TaskStateExited', stateExitedEventDetails: { name: 'RecordFailed' } },
    { id: 14, previousEventId: 13, timestamp: t(12), type: 'FailStateEntered', stateEnteredEventDetails: { name: 'IngestFailed' } },
    { id: 15, previousEventId: 14, timestamp: t(12), type: 'ExecutionFailed', executionFailedEventDetails: { error: 'ArthurAuthError', cause: 'bad token' } },
  ];
}

describe('executionPath', () => {
  it('lists the states in order and which were left', () => {
    const path = executionPath(awsHistory());
    expect(path.states.map((s) => [s.name, s.exited])).toEqual([
      ['ValidateCapture', true],
      ['UploadPart', false],
      ['RecordFailed', true],
      ['IngestFailed', false],
    ]);
    expect(path.visited).toEqual(['ValidateCapture', 'UploadPart', 'RecordFailed', 'IngestFailed']);
  });

  it('reports each failed attempt with its error, the Lambda errorMessage as cause, and whether it was retried', () => {
    expect(executionPath(awsHistory()).failures).toEqual([
      { state: 'UploadPart', attempt: 1, error: 'ArthurUnavailableError', cause: 'Arthur answered 503', at: '2026-11-25T10:00:05.000Z', retried: true },
      { state: 'UploadPart', attempt: 2, error: 'ArthurAuthError', cause: 'bad token', at: '2026-11-25T10:00:10.000Z', retried: false },
    ]);
  });

  it('keeps how the execution ended', () => {
    expect(executionPath(awsHistory()).end).toEqual({ error: 'ArthurAuthError', cause: 'bad token' });
  });
});

describe('executions command helpers', () => {
  it('compresses repeated states (a Map over parts) as ×N', () => {
    expect(compressPath(['UploadParts', 'UploadPart', 'UploadPart', 'UploadPart', 'CheckOutcome'])).toEqual(['UploadParts', 'UploadPart ×3', 'CheckOutcome']);
  });

  it.each([
    ['30m', '2026-11-25T09:30:00.000Z'],
    ['6h', '2026-11-25T04:00:00.000Z'],
    ['2d', '2026-11-23T10:00:00.000Z'],
    ['2026-11-20T00:00:00Z', '2026-11-20T00:00:00.000Z'],
  ])('reads --since %s', (value, expected) => {
    expect(since(value, Date.UTC(2026, 10, 25, 10)).toISOString()).toBe(expected);
  });
});
