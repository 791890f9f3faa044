/**
 * The local stack end to end, driven only through real SDK clients: objects put into s3rver are routed by the
 * router use case, run through statemachines/ingest.asl.yml behind the Step Functions JSON endpoint, and land in
 * the Arthur receiver. Every server listens on a free port.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import { checkCaptureFile } from '../../src/capture/index.js';
import { stackS3, stackSfn } from '../support/stack-clients.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

const FIX = 'tests/fixtures/captures';
const MODEL_A = '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e';
const MODEL_B = '0c9b7d1e-2f3a-4b5c-8d6e-7f8091a2b3c4';
// Mapping B is nested in mapping A: its files must go to B (longest prefix), the rest of `captures/` to A.
// B's key holds a space, a '+' and a '%' so that it goes through S3's event encoding (`+`, %2B, %25) and back:
// s3rver emits raw keys, and a raw '+' would be decoded to a space and name an object that does not exist.
const PREFIX_A = 'captures/';
const PREFIX_B = 'captures/churn endpoint/';
const KEY_CSV = 'captures/fraud-endpoint/AllTraffic/2026/11/24/10/00-01-000-e2e.jsonl';
const KEY_B64 = 'captures/churn endpoint/AllTraffic/2026/11/24/10/00-02-000-e2e+retry%1.jsonl';
const KEY_UNMAPPED = 'elsewhere/other-endpoint/AllTraffic/2026/11/24/10/00-03-000-e2e.jsonl';

let stack: LocalStack;
let s3: S3Client;
let sfn: SFNClient;
const logs: string[] = [];

const ids = async (path: string) => [...(await checkCaptureFile(path, { collectPartnerIds: true })).partnerInferenceIds!].sort();
const received = (model: string) => stack.receiver!.received(model).map((r) => r.partnerInferenceId).sort();
const put = (key: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
const listExecutions = async (statusFilter?: 'SUCCEEDED' | 'RUNNING' | 'FAILED') =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, ...(statusFilter ? { statusFilter } : {}) }))).executions ?? [];

beforeAll(async () => {
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, routerRetryDelaysMs: [10, 10], log: (line) => void logs.push(line) });
  s3 = stackS3(stack);
  sfn = stackSfn(stack);
  await stack.putMapping(PREFIX_A, MODEL_A);
  await stack.putMapping(PREFIX_B, MODEL_B);
});

afterAll(async () => {
  s3?.destroy();
  sfn?.destroy();
  await stack?.close();
});

describe('local stack', () => {
  it('routes, runs and uploads three puts: two mapped (one nested), one unmapped', async () => {
    await put(KEY_CSV, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    await put(KEY_B64, readFileSync(`${FIX}/base64-csv-and-json.jsonl`));
    await put(KEY_UNMAPPED, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    await stack.waitForIdle();

    const succeeded = await listExecutions('SUCCEEDED');
    expect(succeeded).toHaveLength(2);
    expect(await listExecutions()).toHaveLength(2);

    const inputs = await Promise.all(
      succeeded.map(async (e) => JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }))).input!)),
    );
    // Keys arrive decoded (the space survived the `+` encoding) and each went to its longest-prefix mapping.
    expect(inputs.map((i) => [i.key, i.modelId, i.mappingPrefix]).sort()).toEqual(
      [
        [KEY_B64, MODEL_B, PREFIX_B],
        [KEY_CSV, MODEL_A, PREFIX_A],
      ].sort(),
    );

    expect(received(MODEL_A)).toEqual(await ids(`${FIX}/csv-fraud-scores.jsonl`));
    expect(received(MODEL_B)).toEqual(await ids(`${FIX}/base64-csv-and-json.jsonl`));
    expect(stack.receiver!.stats().uploads).toEqual({ [MODEL_A]: 1, [MODEL_B]: 1 });
    expect(stack.routed.reduce((n, s) => n + s.unrouted, 0)).toBe(1);
    expect(stack.dlq).toEqual([]);
  });

  it('the same object put again (closed execution) is already delivered: no second upload', async () => {
    await put(KEY_CSV, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    await stack.waitForIdle();
    expect(await listExecutions()).toHaveLength(2);
    expect(stack.receiver!.stats().uploads[MODEL_A]).toBe(1);
    expect(stack.routed.at(-1)).toMatchObject({ alreadyDelivered: 1, started: 0 });
  });

  it('the same object put twice back to back gives one execution and one upload', async () => {
    const key = 'captures/fraud-endpoint/AllTraffic/2026/11/24/11/00-04-000-e2e.jsonl';
    const body = readFileSync(`${FIX}/json-features-probabilities.jsonl`);
    const before = stack.receiver!.stats().uploads[MODEL_A]!;
    // The second StartExecution lands while the first runs (200, same ARN) or after it closed (ExecutionAlreadyExists):
    // which one depends on timing; both must end with a single execution.
    await put(key, body);
    await put(key, body);
    await stack.waitForIdle();
    const executions = await listExecutions();
    expect(executions).toHaveLength(3);
    // Compared as an object so that a failure shows the execution's error and cause.
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: executions[0]!.executionArn! }));
    expect({ key: JSON.parse(described.input!).key, status: described.status, error: described.error, cause: described.cause }).toEqual({
      key,
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
    });
    expect(stack.receiver!.stats().uploads[MODEL_A]).toBe(before + 1);
    expect(stack.dlq).toEqual([]);
  });

  it('speaks enough of the Step Functions API for the SDK: state machines, history, name reuse', async () => {
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((m) => m.stateMachineArn)).toEqual([stack.stateMachineArn, stack.backfillStateMachineArn]);

    const [latest] = await listExecutions();
    expect(latest!.startDate).toBeInstanceOf(Date);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: latest!.executionArn! }));
    const types = events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(events!.find((e) => e.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe('ValidateCapture');

    // A closed execution's name with another input is taken: the typed exception the router relies on.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name: latest!.name!, input: '{"other":true}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: 2 }));
    expect(page.executions).toHaveLength(2);
    const rest = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: 2, nextToken: page.nextToken }));
    expect(rest.executions).toHaveLength(1);
    expect(rest.nextToken).toBeUndefined();
  });
});
