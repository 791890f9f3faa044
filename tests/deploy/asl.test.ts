/**
 * Static checks of every state machine file: valid ASL, error names that exist, a retry policy that never
 * re-sends what cannot succeed, and references that serverless.yml declares.
 */
import { describe, expect, it } from '@jest/globals';
import aslValidator from 'asl-validator';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WORKFLOW_ERROR_NAMES } from '../../src/errors.js';
import { ROOT } from '../support/cloudformation.js';

/** The DynamoDB integration's ARN in the stack's partition (aws, aws-cn, aws-us-gov), not a hard-coded `aws`. */
const PUT_ITEM = { 'Fn::Sub': 'arn:${AWS::Partition}:states:::dynamodb:putItem' };

const dir = join(ROOT, 'statemachines');
const files = readdirSync(dir).filter((f) => f.endsWith('.asl.yml'));
const serverless = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  functions: Record<string, { timeout?: number }>;
  resources: Array<{ Resources?: Record<string, unknown> | string }>;
};

/** Errors the workflow must never retry: the same request, or the same file, cannot succeed. */
const RETRIED = ['ArthurUnavailableError', 'ArthurThrottledError', 'StorageUnavailableError', 'SecretsUnavailableError'];
const NEVER_RETRIED = WORKFLOW_ERROR_NAMES.filter((n) => !RETRIED.includes(n));

type State = Record<string, any>;
function* states(definition: { States: Record<string, State> }): Generator<[string, State]> {
  for (const [name, state] of Object.entries(definition.States)) {
    yield [name, state];
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) yield* states(nested);
    for (const branch of state.Branches ?? []) yield* states(branch);
  }
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield* strings(k);
      yield* strings(v);
    }
  }
}

/** Logical IDs serverless.yml gives its functions: `validate` → ValidateLambdaFunction. */
const functionLogicalIds = new Map(
  Object.entries(serverless.functions).map(([name, fn]) => [`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`, fn]),
);
const declaredResources = new Set(
  serverless.resources.flatMap((fragment) => (typeof fragment.Resources === 'object' ? Object.keys(fragment.Resources) : [])),
);

it('has at least the ingest state machine', () => {
  expect(files).toContain('ingest.asl.yml');
});

describe('ingest.asl.yml: what an execution costs and where it ends', () => {
  const definition = parseYaml(readFileSync(join(dir, 'ingest.asl.yml'), 'utf8')) as { StartAt: string; States: Record<string, State> };
  const top = definition.States;

  /** States entered from StartAt to `target` on the path without errors, one Map iteration counted per Map. */
  function statesOnCleanPath(target: string): number {
    const queue: Array<[string, number]> = [[definition.StartAt, 0]];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const [name, before] = queue.shift()!;
      const state = top[name]!;
      const entered = before + 1 + (state.Type === 'Map' ? Object.keys(state.ItemProcessor.States).length : 0);
      if (name === target) return entered;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c: State) => c.Next)]) if (next) queue.push([next, entered]);
    }
    throw new Error(`${target} is not reachable without an error`);
  }

  it('records a clean single-part file in 5 state transitions: ValidateCapture, UploadParts, UploadPart, CheckOutcome, RecordUploaded', () => {
    expect(statesOnCleanPath('RecordUploaded')).toBe(5);
    expect(top.RecordUploaded).toMatchObject({ End: true, Resource: PUT_ITEM });
  });

  it('ends every execution at the record of its outcome: each End is a putItem, each Fail follows one', () => {
    const ends = Object.entries(top).filter(([, s]) => s.End === true);
    expect(ends.map(([name]) => name).sort()).toEqual(['RecordPartial', 'RecordRefused', 'RecordUploaded']);
    for (const [, s] of ends) expect(s.Resource).toEqual(PUT_ITEM);
    // The one Succeed: a file the ledger already records as delivered, whose record stays as it is.
    expect(Object.entries(top).filter(([, s]) => s.Type === 'Succeed').map(([name]) => name)).toEqual(['AlreadyDelivered']);
    expect(top.CheckOutcome.Choices[0]).toEqual({ Variable: '$.validation.alreadyDelivered', IsPresent: true, Next: 'AlreadyDelivered' });
    for (const [failName] of Object.entries(top).filter(([, s]) => s.Type === 'Fail')) {
      const before = Object.entries(top).filter(([, s]) => s.Next === failName);
      expect(before.length).toBeGreaterThan(0);
      for (const [, s] of before) expect(s.Resource).toEqual(PUT_ITEM);
    }
  });

  it('waits out Lambda throttling (TooManyRequestsException) for over 20 minutes in both Lambda tasks, apart from the other Lambda errors', () => {
    type Retrier = { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds?: number };
    const budget = (r: Retrier) => Array.from({ length: r.MaxAttempts }, (_, i) => Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds ?? Infinity)).reduce((a, b) => a + b, 0);
    for (const state of [top.ValidateCapture, top.UploadParts.ItemProcessor.States.UploadPart]) {
      const throttled = (state.Retry as Retrier[]).filter((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
      expect(throttled).toHaveLength(1);
      expect(throttled[0]!.ErrorEquals).toEqual(['Lambda.TooManyRequestsException']);
      expect(budget(throttled[0]!)).toBeGreaterThan(20 * 60);
    }
  });

  it('keeps the failed file\'s error for the console: IngestFailed takes the caught Error and Cause', () => {
    expect(top.IngestFailed).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
    expect(top.CaptureRejected).toMatchObject({ Type: 'Fail', Error: 'CaptureRejectedError' });
  });
});

describe.each(files)('%s', (file) => {
  const definition = parseYaml(readFileSync(join(dir, file), 'utf8')) as { States: Record<string, State> };
  const all = [...states(definition)];

  it('is valid Amazon States Language (asl-validator, intrinsics included)', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names in every ErrorEquals a States.* or Lambda.* error, TimeoutError, an error of src/errors.ts, or (in a DynamoDB state) a DynamoDB.*Exception', () => {
    const named = all.flatMap(([, s]) =>
      [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals.map((name) => ({ name, resource: String(s.Resource?.['Fn::Sub'] ?? s.Resource) }))),
    );
    expect(named.length).toBeGreaterThan(0);
    const allowed = ({ name, resource }: { name: string; resource: string }) =>
      /^States\.[A-Za-z]+$/.test(name) ||
      /^Lambda\.[A-Za-z]+$/.test(name) ||
      name === 'TimeoutError' ||
      (WORKFLOW_ERROR_NAMES as readonly string[]).includes(name) ||
      // A service integration's errors are named `DynamoDB.<exception>` ("Call DynamoDB APIs with Step Functions").
      (/^DynamoDB\.[A-Za-z]+Exception$/.test(name) && /^arn:(aws|\$\{AWS::Partition\}):states:::dynamodb:/.test(resource));
    expect(named.filter((n) => !allowed(n))).toEqual([]);
  });

  it('never retries an error whose request cannot succeed (4xx, auth, configuration, rejected or unreadable capture)', () => {
    const retried = all.flatMap(([name, s]) =>
      (s.Retry ?? []).flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals.map((e) => `${name}: ${e}`)),
    );
    for (const error of [...NEVER_RETRIED, 'States.ALL']) {
      expect(retried.filter((r) => r.endsWith(`: ${error}`))).toEqual([]);
    }
    // TaskFailed is a catch-all: only idempotent service writes (DynamoDB PutItem) may retry on it.
    const taskFailed = all.filter(([, s]) => (s.Retry ?? []).some((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('States.TaskFailed')));
    for (const [name, s] of taskFailed) expect(`${name} ${s.Resource?.['Fn::Sub'] ?? s.Resource}`).toMatch(/dynamodb:putItem$/);
  });

  it('backs off every retry of a Lambda task exponentially, capped, with full jitter', () => {
    const tasks = all.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    // A task is a Lambda (its ARN from Fn::GetAtt) or a service integration (checked apart, below).
    for (const [name, s] of tasks) if (!s.Resource?.['Fn::GetAtt']) expect(`${name} ${s.Resource?.['Fn::Sub'] ?? s.Resource}`).toMatch(/ arn:(aws|\$\{AWS::Partition\}):states:::[a-z]+:[A-Za-z]+$/);
    const lambdaTasks = tasks.filter(([, s]) => s.Resource?.['Fn::GetAtt']);
    for (const [name, s] of lambdaTasks) {
      expect([name, s.Retry?.length ?? 0]).not.toEqual([name, 0]);
      for (const retrier of s.Retry) {
        expect({ name, JitterStrategy: retrier.JitterStrategy }).toEqual({ name, JitterStrategy: 'FULL' });
        expect(retrier.BackoffRate).toBeGreaterThan(1);
        expect(retrier.MaxAttempts).toBeGreaterThan(0);
        if (retrier.MaxAttempts > 2) expect(retrier.MaxDelaySeconds).toBeGreaterThan(0);
      }
    }
  });

  it('gives each Lambda task a TimeoutSeconds above its function timeout in serverless.yml', () => {
    for (const [name, s] of all.filter(([, st]) => st.Type === 'Task' && st.Resource?.['Fn::GetAtt'])) {
      const [logicalId, attribute] = s.Resource['Fn::GetAtt'] as [string, string];
      expect(attribute).toBe('Arn');
      const fn = functionLogicalIds.get(logicalId);
      expect({ name, declared: fn !== undefined }).toEqual({ name, declared: true });
      expect(s.TimeoutSeconds).toBeGreaterThan(fn!.timeout ?? 6);
    }
  });

  it('refers only to tables and functions that serverless.yml declares', () => {
    const refs = [...JSON.stringify(definition).matchAll(/"Ref":"([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(declaredResources).toContain(ref);
  });

  it('uses JSONPath only (the local engine silently ignores JSONata)', () => {
    expect((definition as { QueryLanguage?: string }).QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [, s] of all) expect(s.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect([...strings(definition)].filter((s) => s.includes('{%'))).toEqual([]);
  });

  it('uses no JSONPath filter expression, which the local engine and AWS evaluate differently', () => {
    expect([...strings(definition)].filter((s) => /\[\?\(/.test(s))).toEqual([]);
  });
});

describe('record-terminal.asl.yml: the terminal-failure recorder', () => {
  const definition = parseYaml(readFileSync(join(dir, 'record-terminal.asl.yml'), 'utf8')) as { StartAt: string; States: Record<string, State> };
  const puts = Object.entries(definition.States).filter(([, s]) => s.Resource?.['Fn::Sub'] === PUT_ITEM['Fn::Sub']);

  it('writes the ingestions table with PutItem only, each under a ConditionExpression, status FAILED', () => {
    expect(puts.map(([name]) => name).sort()).toEqual(['RecordFailure', 'RecordFailureWithoutEtag']);
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks).toHaveLength(puts.length);
    for (const [, s] of puts) {
      expect(s.Parameters.TableName).toEqual({ Ref: 'IngestionsTable' });
      expect(s.Parameters.ConditionExpression).toMatch(/attribute_not_exists\(objectKey\) OR \(#executionName <> :executionName AND NOT \(#status IN \(:uploaded, :partial\)/);
      expect(s.Parameters.Item.status).toEqual({ S: 'FAILED' });
      expect(s.Parameters.Item.recordedBy).toEqual({ S: 'terminal-failure-rule' });
    }
  });

  it('never retries its own condition, retries every other task failure with capped full-jitter backoff, and ends a failed condition in Succeed', () => {
    for (const [name, s] of puts) {
      const [guard, ...rest] = s.Retry as Array<Record<string, any>>;
      // Retriers match in order: the condition's answer is claimed first, with no attempt left.
      expect({ name, guard }).toEqual({ name, guard: { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 } });
      expect(rest).toEqual([expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], JitterStrategy: 'FULL', BackoffRate: 2, MaxDelaySeconds: 30 })]);
      expect(s.Catch).toEqual([{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'AlreadyRecorded' }]);
    }
    expect(definition.States.AlreadyRecorded!.Type).toBe('Succeed');
  });

  it('fits in an Express execution: TimeoutSeconds at most 300', () => {
    expect((definition as { TimeoutSeconds?: number }).TimeoutSeconds).toBeLessThanOrEqual(300);
  });
});

describe('retries of the tasks Lambda kills or whose token store stalls', () => {
  const definition = parseYaml(readFileSync(join(ROOT, 'statemachines', 'ingest.asl.yml'), 'utf8')) as { States: Record<string, State> };
  const retriedBy = (stateName: string): string[] => {
    for (const [name, state] of states(definition)) if (name === stateName) return (state.Retry ?? []).flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals);
    throw new Error(`no state ${stateName}`);
  };

  it('retries Lambda.Unknown (a Lambda killed at its timeout: Sandbox.Timedout) in both idempotent tasks', () => {
    expect(retriedBy('ValidateCapture')).toContain('Lambda.Unknown');
    expect(retriedBy('UploadPart')).toContain('Lambda.Unknown');
  });

  it('retries SecretsUnavailableError (Secrets Manager throttled or down) in UploadPart, before anything is sent', () => {
    expect(retriedBy('UploadPart')).toContain('SecretsUnavailableError');
  });
});
