/**
 * The Step Functions endpoint's Standard-workflow semantics, through the real SFNClient, on a one-task state
 * machine whose task waits until the test lets it go (so "while RUNNING" is deterministic).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSfnEndpoint, type SfnEndpoint } from '../../local/sfn/index.js';
import { createWorkflowRunner } from '../../local/workflow-runner.js';

const DEFINITION = {
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] }, End: true },
  },
};

let dir: string;
let endpoint: SfnEndpoint;
let sfn: SFNClient;
let machine: string;
/** Pending task invocations by the `id` of their input; resolve to finish, reject to fail. */
const gates = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sfn-endpoint-'));
  const path = join(dir, 'gated.asl.json');
  writeFileSync(path, JSON.stringify(DEFINITION));
  const runner = createWorkflowRunner({
    definitionPath: path,
    stateMachineName: 'gated',
    tasks: { Work: (input: { id: string }) => new Promise((resolve, reject) => gates.set(input.id, { resolve, reject })) },
  });
  machine = runner.stateMachineArn;
  endpoint = await startSfnEndpoint({ runner });
  sfn = new SFNClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  // The stopped execution's task is still waiting on its gate; settle it so nothing is left pending.
  for (const g of gates.values()) g.resolve(null);
  sfn.destroy();
  await endpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (name: string, input: unknown) => sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(input) }));
const gate = async (id: string) => {
  while (!gates.has(id)) await new Promise((r) => setTimeout(r, 5));
  return gates.get(id)!;
};

it('same name and input while RUNNING: 200 with the same ARN and start date; different input: ExecutionAlreadyExists', async () => {
  const first = await start('one', { id: 'one' });
  const again = await start('one', { id: 'one' });
  expect(again.executionArn).toBe(first.executionArn);
  expect(again.startDate).toEqual(first.startDate);
  await expect(start('one', { id: 'one', other: 1 })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'RUNNING' }))).executions?.map((e) => e.name)).toEqual(['one']);

  (await gate('one')).resolve({ done: true });
  await endpoint.waitForIdle();
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
  expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}', name: 'one' });
  expect(described.stopDate).toBeInstanceOf(Date);
  // Closed: the same name and input is now taken too.
  await expect(start('one', { id: 'one' })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
});

it('a failed task: FAILED with the error name, and TaskFailed in the history', async () => {
  const { executionArn } = await start('two', { id: 'two' });
  const failure = new Error('nope');
  failure.name = 'ArthurAuthError';
  (await gate('two')).reject(failure);
  await endpoint.waitForIdle();
  expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'FAILED', error: 'ArthurAuthError' });
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  expect(events!.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskFailed', 'ExecutionFailed']);
  expect(events!.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
});

it('StopExecution: ABORTED with the given error and cause', async () => {
  const { executionArn } = await start('three', { id: 'three' });
  await gate('three');
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by the test' }));
  await endpoint.waitForIdle();
  expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by the test' });
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
  // Newest first.
  expect(list.executions?.map((e) => [e.name, e.status])).toEqual([
    ['three', 'ABORTED'],
    ['two', 'FAILED'],
    ['one', 'SUCCEEDED'],
  ]);
});

it('unknown executions and state machines are the typed exceptions', async () => {
  await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${machine.replace(':stateMachine:', ':execution:')}:nope` }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  await expect(
    sfn.send(new StartExecutionCommand({ stateMachineArn: `${machine}-other`, name: 'x', input: '{}' })),
  ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
});
