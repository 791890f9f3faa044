/** A long local backfill must not keep every execution's full history: only the newest `historyLimit` do. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSfnEndpoint, type SfnEndpoint } from '../../local/sfn-endpoint.js';
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
