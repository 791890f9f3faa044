import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SfnWorkflowStarter } from '../../../src/aws/sfn-workflow-starter.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { startSfnEndpoint, type SfnEndpoint } from '../../../local/sfn/index.js';
import { createWorkflowRunner } from '../../../local/workflow-runner.js';
import { startSfnStubServer, type SfnStubServer } from '../../support/sfn-stub-server.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-ingest';
const input: WorkflowInput = { bucket: 'b', key: 'm/f.jsonl', etag: 'e', size: 10, modelId: 'model', mappingPrefix: 'm/' };

let sfn: SfnStubServer;
let client: SFNClient;

beforeAll(async () => {
  sfn = await startSfnStubServer({ stateMachineArns: [ARN] });
  client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await sfn.close();
});
beforeEach(() => sfn.reset());

describe('SfnWorkflowStarter against the Step Functions stub', () => {
  it('starts an execution with the given name and the input as JSON', async () => {
    const result = await new SfnWorkflowStarter(client, ARN).start({ name: 'exec-1', input });
    expect(result).toEqual({
      started: true,
      alreadyExists: false,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:capture-router-ingest:exec-1',
      startDate: expect.any(Date),
    });
    expect(sfn.executions).toHaveLength(1);
    expect(JSON.parse(sfn.executions[0].input)).toEqual(input);
    expect(sfn.requests[0].target).toBe('AWSStepFunctions.StartExecution');
  });

  it('reports an existing execution of that name as already delivered, not as an error', async () => {
    const starter = new SfnWorkflowStarter(client, ARN);
    await starter.start({ name: 'exec-2', input });
    expect(await starter.start({ name: 'exec-2', input })).toEqual({
      started: false,
      alreadyExists: true,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:capture-router-ingest:exec-2',
    });
    expect(sfn.executions).toHaveLength(1);
  });

  it.each([
    ['a missing state machine', 'StateMachineDoesNotExist', 400],
    ['throttling', 'ThrottlingException', 400],
    ['a service failure', 'ServiceUnavailable', 503],
  ])('throws WorkflowStartError with the SDK error as cause on %s', async (_case, type, status) => {
    sfn.failNext({ type, status });
    const error = await new SfnWorkflowStarter(client, ARN).start({ name: 'exec-3', input }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'WorkflowStartError',
      executionName: 'exec-3',
      message: expect.stringContaining(type),
      cause: expect.objectContaining({ name: type }),
    });
  });

  it('throws WorkflowStartError for a state machine ARN the service does not know', async () => {
    const other = ARN.replace('capture-router-ingest', 'other');
    await expect(new SfnWorkflowStarter(client, other).start({ name: 'x', input })).rejects.toMatchObject({
      name: 'WorkflowStartError',
      cause: expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    });
  });
});

/**
 * Against the local Step Functions endpoint, which keeps Standard semantics: StartExecution of a RUNNING execution
 * with the same name and input answers 200 with the first start's ARN and start date. The one task waits until the
 * test lets it go, so "still running" is deterministic.
 */
describe('SfnWorkflowStarter while the execution is still running', () => {
  let dir: string;
  let endpoint: SfnEndpoint;
  let local: SFNClient;
  let machine: string;
  const gates = new Map<string, () => void>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'starter-running-'));
    const path = join(dir, 'gated.asl.json');
    writeFileSync(path, JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] }, End: true } } }));
    const runner = createWorkflowRunner({
      definitionPath: path,
      stateMachineName: 'gated',
      tasks: { Work: (i: WorkflowInput) => new Promise((resolve) => gates.set(i.key, () => resolve(null))) },
    });
    machine = runner.stateMachineArn;
    endpoint = await startSfnEndpoint({ runner });
    local = new SFNClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    for (const release of gates.values()) release();
    local?.destroy();
    await endpoint?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a re-delivery well after the start (a Lambda retry a minute later) as already delivered, with the first start date', async () => {
    const first = await new SfnWorkflowStarter(local, machine).start({ name: 'late', input: { ...input, key: 'late' } });
    // The same call as it would run 60 s later: only the clock moves, the execution is the same running one.
    const later = new SfnWorkflowStarter(local, machine, { now: () => Date.now() + 60_000 });
    const again = await later.start({ name: 'late', input: { ...input, key: 'late' } });
    expect(first).toMatchObject({ started: true });
    expect(again).toEqual({ started: false, alreadyExists: true, executionArn: first.executionArn, startDate: first.started ? first.startDate : undefined });
    expect(endpoint.executions()).toHaveLength(1);
  });

  it('still reads a re-delivery within the margin of the start as a start (the residual over-count)', async () => {
    const starter = new SfnWorkflowStarter(local, machine);
    const first = await starter.start({ name: 'soon', input: { ...input, key: 'soon' } });
    const again = await starter.start({ name: 'soon', input: { ...input, key: 'soon' } });
    expect([first.started, again.started]).toEqual([true, true]);
    expect(again.executionArn).toBe(first.executionArn);
  });

  it('never takes a new execution for an old one, even with no margin at all', async () => {
    const result = await new SfnWorkflowStarter(local, machine, { runningMarginMs: 0 }).start({ name: 'fresh', input: { ...input, key: 'fresh' } });
    expect(result).toMatchObject({ started: true, alreadyExists: false });
  });
});
