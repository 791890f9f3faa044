/** A long local backfill must not keep every execution's full history: only the newest `historyLimit` do. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSfnEndpoint, type SfnEndpoint } from '../../local/sfn/index.js';
import { createWorkflowRunner } from '../../local/workflow-runner.js';

let dir: string;
let endpoint: SfnEndpoint;
let sfn: SFNClient;
let machine: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sfn-history-'));
  const path = join(dir, 'pass.asl.json');
  writeFileSync(path, JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] }, End: true } } }));
  const runner = createWorkflowRunner({ definitionPath: path, stateMachineName: 'pass', tasks: { Work: (input: { n: number }) => ({ doubled: input.n * 2 }) } });
  machine = runner.stateMachineArn;
  endpoint = await startSfnEndpoint({ runner, historyLimit: 2 });
  sfn = new SFNClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  sfn.destroy();
  await endpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps full histories for the newest executions only; older ones keep start and end, status, output and their name', async () => {
  const arns: string[] = [];
  for (let n = 1; n <= 4; n++) {
    arns.push((await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: `run-${n}`, input: JSON.stringify({ n }) }))).executionArn!);
    await endpoint.waitForIdle();
  }
  const history = async (arn: string) => (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }))).events!.map((e) => e.type);
  expect(await history(arns[0])).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
  expect(await history(arns[1])).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
  expect((await history(arns[3])).length).toBeGreaterThan(2);
  expect(await history(arns[3])).toContain('TaskSucceeded');
  expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arns[0] }))).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ doubled: 2 }) });
  await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'run-1', input: JSON.stringify({ n: 1 }) }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
});

it('with a spill file: older executions answer Describe, List and History from disk, failures included, and keep their names', async () => {
  const path = join(dir, 'maybe-fail.asl.json');
  writeFileSync(path, JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['WorkLambdaFunction', 'Arn'] }, End: true } } }));
  const runner = createWorkflowRunner({
    definitionPath: path,
    stateMachineName: 'maybe-fail',
    tasks: {
      Work: (input: { n: number; fail?: boolean }) => {
        if (!input.fail) return { doubled: input.n * 2 };
        const error = new Error(`no ${input.n}`);
        error.name = 'ArthurRejectedError';
        throw error;
      },
    },
  });
  const spillPath = join(dir, 'older.jsonl');
  const spilling = await startSfnEndpoint({ runner, historyLimit: 1, spillPath });
  const client = new SFNClient({ endpoint: spilling.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    // Multi-byte characters: offsets and lengths in the file are bytes, not characters.
    const inputs = [{ n: 1, note: 'é ü 漢' }, { n: 2, fail: true }, { n: 3 }].map((i) => JSON.stringify(i));
    const arns: string[] = [];
    for (const [i, input] of inputs.entries()) {
      arns.push((await client.send(new StartExecutionCommand({ stateMachineArn: runner.stateMachineArn, name: `run-${i + 1}`, input }))).executionArn!);
      await spilling.waitForIdle();
    }
    expect(readFileSync(spillPath, 'utf8')).toContain('é ü 漢');

    const first = await client.send(new DescribeExecutionCommand({ executionArn: arns[0] }));
    expect(first).toMatchObject({ name: 'run-1', status: 'SUCCEEDED', input: inputs[0], output: JSON.stringify({ doubled: 2 }) });
    expect(first.stopDate!.getTime()).toBeGreaterThanOrEqual(first.startDate!.getTime());
    const second = await client.send(new DescribeExecutionCommand({ executionArn: arns[1] }));
    expect(second).toMatchObject({ status: 'FAILED', error: 'ArthurRejectedError', input: inputs[1] });
    expect(second.output).toBeUndefined();
    expect(JSON.parse(second.cause!).errorMessage).toBe('no 2');

    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn: arns[1] }));
    expect(events!.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
    expect(events![0]!.executionStartedEventDetails?.input).toBe(inputs[1]);
    expect(events![1]!.executionFailedEventDetails?.error).toBe('ArthurRejectedError');

    const listed = (await client.send(new ListExecutionsCommand({ stateMachineArn: runner.stateMachineArn }))).executions!;
    expect(listed.map((e) => [e.name, e.status])).toEqual([
      ['run-3', 'SUCCEEDED'],
      ['run-2', 'FAILED'],
      ['run-1', 'SUCCEEDED'],
    ]);
    expect(listed.every((e) => e.stopDate instanceof Date)).toBe(true);
    const failed = (await client.send(new ListExecutionsCommand({ stateMachineArn: runner.stateMachineArn, statusFilter: 'FAILED' }))).executions!;
    expect(failed.map((e) => e.name)).toEqual(['run-2']);

    // The same name and input once closed: taken, and nothing runs again.
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: runner.stateMachineArn, name: 'run-1', input: inputs[0] }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(spilling.running()).toBe(0);
    expect(spilling.executions().map((e) => [e.name, e.input, e.historyTrimmed ?? false])).toEqual([
      ['run-1', inputs[0], true],
      ['run-2', inputs[1], true],
      ['run-3', inputs[2], false],
    ]);
    expect(spilling.executions()[1]!.run).toMatchObject({ status: 'FAILED', error: 'ArthurRejectedError' });
  } finally {
    client.destroy();
    await spilling.close();
  }
});
