/**
 * The local EventBridge (local/eventbridge/): serverless.yml's rules as the bus reads them, and delivery as
 * EventBridge makes it — asynchronous, retried while the target cannot be started, then the DLQ — to a state
 * machine run on the workflow runner (a one-task machine whose task waits until the test lets it go).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusTarget, LocalEventBus } from '../../../local/eventbridge/bus.js';
import { readEventRules, readStateMachines } from '../../../local/eventbridge/rules.js';
import { createWorkflowRunner } from '../../../local/workflow-runner.js';
import { SERVERLESS_YML, namedError } from '../../support/workflow-harness.js';

describe('serverless.yml as the local bus reads it', () => {
  it('has TerminalFailureRule: its pattern (Ref unresolved), the recorder as target, its retry policy and DLQ', () => {
    const rule = readEventRules(SERVERLESS_YML).find((r) => r.logicalId === 'TerminalFailureRule');
    expect(rule).toEqual({
      logicalId: 'TerminalFailureRule',
      enabled: true,
      eventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: 'IngestStateMachine' }] },
      },
      targets: [{ id: 'record-terminal', arnRef: 'RecordTerminalStateMachine', maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400, deadLetterQueue: 'TerminalFailureDeadLetterQueue' }],
    });
  });

  it('finds the recorder among the state machines: Express, its ASL file', () => {
    expect(readStateMachines(SERVERLESS_YML)).toContainEqual({ logicalId: 'RecordTerminalStateMachine', type: 'EXPRESS', definitionFile: 'statemachines/record-terminal.asl.yml' });
  });
});

const dir = mkdtempSync(join(tmpdir(), 'event-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const definitionPath = join(dir, 'gated.asl.json');
writeFileSync(definitionPath, JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] }, End: true } } }));

/** A target whose first `refusals` starts throw (StartExecution throttled); its executions wait for `release()`. */
function gatedTarget(refusals = 0, over: Partial<BusTarget> = {}) {
  const gates: Array<(value: unknown) => void> = [];
  const inputs: unknown[] = [];
  const runner = createWorkflowRunner({
    definitionPath,
    stateMachineName: 'target',
    tasks: { Work: (input: unknown) => new Promise((resolve) => { inputs.push(input); gates.push(resolve); }) },
  });
  let starts = 0;
  let n = 0;
  const target: BusTarget = {
    id: 'target',
    arn: runner.stateMachineArn,
    start: (event) => {
      starts += 1;
      if (starts <= refusals) throw namedError('ThrottlingException', `start ${starts} throttled`);
      return runner.start(`run-${++n}`, event);
    },
    maximumRetryAttempts: 3,
    maximumEventAgeSeconds: 60,
    deadLetterQueue: 'TargetDLQ',
    ...over,
  };
  const started = async (count: number) => {
    while (gates.length < count) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  const release = () => {
    for (const go of gates.splice(0)) go({ ok: true });
  };
  return { target, inputs, started, starts: () => starts, release };
}

const failed = { source: 'aws.states', detail: { status: 'FAILED' } };
const rule = (target: BusTarget) => ({ name: 'Rule', pattern: { source: ['aws.states'], detail: { status: ['FAILED'] } }, targets: [target] });

describe('LocalEventBus', () => {
  it('delivers a matching event after put() returns, with the whole event as the input; settle() waits for the execution', async () => {
    const t = gatedTarget();
    const bus = new LocalEventBus({ rules: [rule(t.target)], log: () => undefined });
    expect(bus.put({ source: 'aws.states', detail: { status: 'SUCCEEDED' } })).toBe(0);
    expect(bus.put(failed)).toBe(1);
    expect(t.starts()).toBe(0); // not inside put()
    await t.started(1);
    expect(t.inputs).toEqual([failed]);
    expect(bus.inFlight).toBe(1);
    t.release();
    await bus.settle();
    expect(bus.inFlight).toBe(0);
    expect(bus.deliveries).toEqual([expect.objectContaining({ rule: 'Rule', target: 'target', attempts: 1, run: expect.objectContaining({ status: 'SUCCEEDED' }) })]);
    await bus.close();
  });

  it('retries a target that cannot be started, and counts the attempts', async () => {
    const t = gatedTarget(2);
    const bus = new LocalEventBus({ rules: [rule(t.target)], retryDelayMs: () => 1, log: () => undefined });
    bus.put(failed);
    await t.started(1);
    t.release();
    await bus.settle();
    expect(t.starts()).toBe(3);
    expect(bus.deliveries.map((d) => d.attempts)).toEqual([3]);
    expect(bus.deadLetters).toEqual([]);
    await bus.close();
  });

  it('after MaximumRetryAttempts retries, puts the event in the DLQ with the error, and logs it', async () => {
    const lines: string[] = [];
    const t = gatedTarget(10);
    const bus = new LocalEventBus({ rules: [rule(t.target)], retryDelayMs: () => 1, log: (l) => lines.push(l) });
    bus.put(failed);
    await bus.settle();
    expect(t.starts()).toBe(4); // the first attempt and 3 retries
    expect(bus.deadLetters).toEqual([{ queue: 'TargetDLQ', rule: 'Rule', target: 'target', event: failed, attempts: 4, error: { name: 'ThrottlingException', message: 'start 4 throttled' } }]);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['event bus: rule Rule could not deliver to target: sent to TargetDLQ']);
    await bus.close();
  });

  it('drops an undeliverable event when the target has no DLQ, saying so', async () => {
    const lines: string[] = [];
    const t = gatedTarget(10, { maximumRetryAttempts: 0, deadLetterQueue: undefined });
    const bus = new LocalEventBus({ rules: [rule(t.target)], log: (l) => lines.push(l) });
    bus.put(failed);
    await bus.settle();
    expect(bus.deadLetters).toEqual([]);
    expect(JSON.parse(lines[0]!).message).toMatch(/dropped \(the target has no dead-letter queue\)/);
    await bus.close();
  });

  it('close() waits for the execution under way, sends a delivery waiting for its retry to the DLQ, and drops later events', async () => {
    const running = gatedTarget();
    const retrying = gatedTarget(1, { id: 'retrying' });
    const bus = new LocalEventBus({ rules: [rule(running.target), { ...rule(retrying.target), name: 'Other' }], retryDelayMs: () => 60_000, log: () => undefined });
    bus.put(failed);
    await running.started(1);
    while (retrying.starts() < 1) await new Promise((resolve) => setTimeout(resolve, 2));
    let closed = false;
    const closing = bus.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false); // the running execution holds it
    expect(bus.put(failed)).toBe(0);
    expect(bus.dropped).toBe(1);
    running.release();
    await closing;
    expect(bus.inFlight).toBe(0);
    expect(bus.deadLetters.map((d) => [d.target, d.attempts])).toEqual([['retrying', 1]]);
    expect(bus.deliveries.map((d) => d.run?.status)).toEqual(['SUCCEEDED']);
  });

  it('does not redeliver an event whose execution started and then failed, as EventBridge does not; it logs the failure', async () => {
    const lines: string[] = [];
    const runner = createWorkflowRunner({ definitionPath, stateMachineName: 'failing', tasks: { Work: () => Promise.reject(namedError('DynamoDB.InternalServerError')) } });
    let starts = 0;
    const target: BusTarget = {
      id: 'failing',
      arn: runner.stateMachineArn,
      start: (e) => {
        starts += 1;
        return runner.start(`f-${starts}`, e);
      },
      maximumRetryAttempts: 3,
      maximumEventAgeSeconds: 60,
    };
    const bus = new LocalEventBus({ rules: [rule(target)], log: (l) => lines.push(l) });
    bus.put(failed);
    await bus.settle();
    expect(starts).toBe(1);
    expect(bus.deliveries.map((d) => d.run?.status)).toEqual(['FAILED']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', message: 'the execution rule Rule started ended FAILED', error: 'DynamoDB.InternalServerError' });
    await bus.close();
  });
});
