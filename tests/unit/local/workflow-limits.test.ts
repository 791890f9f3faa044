import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFunctionLimits } from '../../../local/lambda/function-limits.js';
import { createWorkflowRunner, type TaskContext } from '../../../local/workflow-runner.js';

/** The local engine's Lambda timeouts and payload quota, on a two-state machine: Work (retried, caught), then Done. */
const dir = mkdtempSync(join(tmpdir(), 'workflow-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const definitionPath = join(dir, 'limits.asl.json');
writeFileSync(
  definitionPath,
  JSON.stringify({
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] },
        TimeoutSeconds: 30,
        Retry: [{ ErrorEquals: ['Lambda.Unknown'], MaxAttempts: 1, IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  }),
);

describe('a Lambda task past its serverless.yml timeout', () => {
  it('fails as Lambda.Unknown with the runtime’s Sandbox.Timedout cause, which Retry and Catch then see', async () => {
    let calls = 0;
    const runner = createWorkflowRunner({
      definitionPath,
      tasks: {
        Work: () => {
          calls += 1;
          return new Promise(() => undefined);
        },
      },
      lambdaTimeouts: { Work: 1 },
      retryIntervalOverrides: 0,
    });
    const run = await runner.run('timeout', {});
    expect(calls).toBe(2); // the first attempt and its one retry
    expect(run.status).toBe('SUCCEEDED');
    const failure = (run.output as { failure: { Error: string; Cause: string } }).failure;
    expect(failure.Error).toBe('Lambda.Unknown');
    expect(JSON.parse(failure.Cause)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: local Error: Task timed out after 1.00 seconds' });
  });

  it('gives the function a context whose remaining time counts down from the timeout', async () => {
    let remaining = -1;
    const runner = createWorkflowRunner({
      definitionPath,
      tasks: {
        Work: (_input: unknown, context?: TaskContext) => {
          remaining = context!.getRemainingTimeInMillis();
          return { ok: true };
        },
      },
      lambdaTimeouts: { Work: 300 },
    });
    expect((await runner.run('context', {})).status).toBe('SUCCEEDED');
    expect(remaining).toBeGreaterThan(299_000);
    expect(remaining).toBeLessThanOrEqual(300_000);
  });

  it('reads each function’s timeout and memory from serverless.yml', () => {
    const limits = readFunctionLimits(join(process.cwd(), 'serverless.yml'));
    expect(limits.validate).toEqual({ timeoutSeconds: 900, memoryMb: 1024 });
    expect(limits.upload).toEqual({ timeoutSeconds: 360, memoryMb: 512 });
  });
});

describe('the 256 KiB payload quota', () => {
  it('fails the execution with States.DataLimitExceeded when a task returns more, though Catch names States.ALL', async () => {
    const runner = createWorkflowRunner({ definitionPath, tasks: { Work: () => ({ blob: 'x'.repeat(262_144) }) } });
    const run = await runner.run('big', {});
    expect({ status: run.status, error: run.error }).toEqual({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(run.events.some((e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === 'Caught')).toBe(false);
  });

  it('lets a result of exactly 262,144 bytes through', async () => {
    const blob = 'x'.repeat(262_144 - '{"blob":""}'.length);
    const runner = createWorkflowRunner({ definitionPath, tasks: { Work: () => ({ blob }) } });
    expect((await runner.run('fits', {})).status).toBe('SUCCEEDED');
  });
});

describe('executionTimeoutSeconds', () => {
  it('ends an execution still running past it TIMED_OUT with States.Timeout, the definition as deployed unchanged', async () => {
    let release: (value: unknown) => void = () => undefined;
    const runner = createWorkflowRunner({
      definitionPath,
      tasks: { Work: () => new Promise((resolve) => (release = resolve)) },
      executionTimeoutSeconds: 1,
    });
    const run = await runner.run('slow', {});
    release({ late: true }); // the task answers after the timeout; nothing runs after it
    expect({ status: run.status, error: run.error }).toEqual({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect((runner.definition as { TimeoutSeconds?: number }).TimeoutSeconds).toBeUndefined();
  });
});
