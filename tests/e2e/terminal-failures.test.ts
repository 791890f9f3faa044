/**
 * Issue 12: every terminal failure of an ingest execution ends with a recorded outcome. On the local stack, an
 * execution that ends FAILED, TIMED_OUT or ABORTED outside a Catch is recorded by TerminalFailureRule (read from
 * serverless.yml) and the recorder (statemachines/record-terminal.asl.yml); what an execution recorded itself, and
 * a delivered file, stay as they are. (States.DataLimitExceeded: tests/e2e/strict-limits.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { CaptureGenerator, VALID_KINDS } from '../../local/capture-generator.js';
import type { Delivery } from '../../local/eventbridge/bus.js';
import type { EndpointExecution } from '../../local/sfn/index.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackDynamoDb, stackS3, stackSfn } from '../support/stack-clients.js';

const MODEL = '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
const PREFIX = 'terminal-endpoint/';
const generator = new CaptureGenerator({ seed: 1212, mix: VALID_KINDS });
let stack: LocalStack;
/** PutItem calls of the stack (the workflow's Record* states, the recorder's) to fail from now on, throttled. */
let putItemFailures = 0;

beforeAll(async () => {
  const throttled = () => {
    const error = new Error('The level of configured provisioned throughput for the table was exceeded.');
    error.name = 'ProvisionedThroughputExceededException';
    return error;
  };
  const dynamodbFault = (command: string) => {
    if (command !== 'PutItemCommand' || putItemFailures === 0) return undefined;
    putItemFailures -= 1;
    return throttled();
  };
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined, dynamodbFault });
  await stack.putMapping(PREFIX, MODEL);
});
afterAll(async () => {
  await stack?.close();
  // Shutdown waited for every delivery and recorder execution.
  expect(stack?.eventBus.inFlight ?? 0).toBe(0);
});

let seq = 0;
const keyOf = (folder: string) => `${PREFIX}${folder}AllTraffic/2026/12/02/08/f-${++seq}.jsonl`;

async function put(on: LocalStack, key: string, body = `${generator.line().text}\n${generator.line().text}\n`): Promise<void> {
  const s3 = stackS3(on);
  await s3.send(new PutObjectCommand({ Bucket: on.captureBucket, Key: key, Body: body }));
  s3.destroy();
}

async function ledger(on: LocalStack, key: string): Promise<Record<string, unknown> | undefined> {
  const dynamodb = stackDynamoDb(on);
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: on.ingestionsTable, Key: { objectKey: { S: `${on.captureBucket}/${key}` } }, ConsistentRead: true }));
  dynamodb.destroy();
  return Item ? unmarshall(Item) : undefined;
}

const executionsOf = (on: LocalStack, key: string): EndpointExecution[] => on.sfn.executions().filter((e) => (JSON.parse(e.input) as { key: string }).key === key);
const deliveriesFor = (on: LocalStack, execution: EndpointExecution): Delivery[] =>
  on.eventBus.deliveries.filter((d) => (d.event as { detail: { executionArn: string } }).detail.executionArn === execution.executionArn);
const lastStateOf = (delivery: Delivery) => delivery.run?.events.filter((e) => e.type === 'StateEntered').map((e) => (e as { state: { name: string } }).state.name).at(-1);

async function runningExecution(on: LocalStack, key: string): Promise<EndpointExecution> {
  for (let i = 0; i < 400; i++) {
    const running = executionsOf(on, key).find((e) => e.status === 'RUNNING');
    if (running) return running;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no running execution for ${key}`);
}

async function stop(execution: EndpointExecution, stopped: { error?: string; cause?: string } = {}): Promise<void> {
  const sfn = stackSfn(stack);
  await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, ...stopped }));
  sfn.destroy();
}

describe('an execution stopped with StopExecution (ABORTED)', () => {
  it('without an error or cause: a FAILED item saying it was aborted, written by the terminal-failure rule', async () => {
    const key = keyOf('stopped/');
    // Arthur slow to answer: the execution is still uploading when the operator stops it.
    stack.receiver!.setFaults({ delayMs: 1200, count: 1 });
    await put(stack, key);
    const execution = await runningExecution(stack, key);
    await stop(execution);
    await stack.waitForIdle();
    expect(executionsOf(stack, key).map((e) => e.status)).toEqual(['ABORTED']);
    expect(await ledger(stack, key)).toMatchObject({
      objectKey: `${stack.captureBucket}/${key}`,
      status: 'FAILED',
      executionStatus: 'ABORTED',
      executionName: execution.name,
      modelId: MODEL,
      mappingPrefix: PREFIX,
      error: 'ExecutionAborted',
      cause: expect.stringMatching(/ABORTED \(StopExecution\)/),
      recordedBy: 'terminal-failure-rule',
      executionStartDate: execution.startDate.getTime(),
    });
    const [delivery] = deliveriesFor(stack, execution);
    expect(delivery?.run?.status).toBe('SUCCEEDED');
  });

  it('with an error and a cause: those, as the stop gave them', async () => {
    const key = keyOf('stopped-why/');
    stack.receiver!.setFaults({ delayMs: 1200, count: 1 });
    await put(stack, key);
    const execution = await runningExecution(stack, key);
    await stop(execution, { error: 'OperatorStop', cause: 'model retired mid-upload' });
    await stack.waitForIdle();
    expect(await ledger(stack, key)).toMatchObject({ status: 'FAILED', executionStatus: 'ABORTED', error: 'OperatorStop', cause: 'model retired mid-upload' });
  });
});

describe('an execution that recorded its outcome itself', () => {
  it('keeps its FAILED item (RecordFailed, then IngestFailed ends the execution FAILED): the rule ran and changed nothing', async () => {
    const key = keyOf('auth/');
    // Two 401s: UploadPart reads the secret again after the first and tries once more (a rotated token); the second is final.
    stack.receiver!.setFaults({ status: 401, count: 2 });
    await put(stack, key);
    await stack.waitForIdle();
    const [execution] = executionsOf(stack, key);
    expect(execution?.status).toBe('FAILED');
    const item = await ledger(stack, key);
    expect(item).toMatchObject({ status: 'FAILED', error: 'ArthurAuthError', executionName: execution!.name });
    expect(item).not.toHaveProperty('recordedBy');
    const deliveries = deliveriesFor(stack, execution!);
    expect(deliveries.map(lastStateOf)).toEqual(['AlreadyRecorded']);
  });

  it('keeps its REJECTED item (RecordRejectedFile, then CaptureRejected)', async () => {
    const key = keyOf('rejected/');
    await put(stack, key, '{"not":"a capture record"}\n');
    await stack.waitForIdle();
    const [execution] = executionsOf(stack, key);
    expect({ status: execution?.status, error: execution?.run?.error }).toEqual({ status: 'FAILED', error: 'CaptureRejectedError' });
    const item = await ledger(stack, key);
    expect(item).toMatchObject({ status: 'REJECTED', executionName: execution!.name });
    expect(item).not.toHaveProperty('recordedBy');
    expect(deliveriesFor(stack, execution!).map(lastStateOf)).toEqual(['AlreadyRecorded']);
  });

  it('a succeeded execution starts no delivery: the rule matches FAILED, TIMED_OUT and ABORTED only', async () => {
    const key = keyOf('clean/');
    await put(stack, key);
    await stack.waitForIdle();
    const [execution] = executionsOf(stack, key);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(deliveriesFor(stack, execution!)).toEqual([]);
  });
});

describe('an execution whose own Record* write fails past its retries', () => {
  it('ends FAILED with the DynamoDB error, and the rule records that (the file reached Arthur: the record says why it is not UPLOADED)', async () => {
    const key = keyOf('unrecorded/');
    // RecordUploaded's 1 + 4 attempts fail; the recorder's first one goes through.
    putItemFailures = 5;
    const sent = stack.receiver!.received(MODEL).length;
    await put(stack, key);
    await stack.waitForIdle();
    expect(putItemFailures).toBe(0);
    const [execution] = executionsOf(stack, key);
    expect({ status: execution?.status, error: execution?.run?.error }).toEqual({ status: 'FAILED', error: 'DynamoDB.ProvisionedThroughputExceededException' });
    expect(await ledger(stack, key)).toMatchObject({
      status: 'FAILED',
      executionStatus: 'FAILED',
      executionName: execution!.name,
      error: 'DynamoDB.ProvisionedThroughputExceededException',
      recordedBy: 'terminal-failure-rule',
    });
    expect(deliveriesFor(stack, execution!).map(lastStateOf)).toEqual(['RecordFailure']);
    expect(stack.receiver!.received(MODEL).length).toBeGreaterThan(sent);
  });
});

describe('a delivered file', () => {
  it('keeps its UPLOADED item when a forced replay of the same object is stopped mid-upload', async () => {
    const folder = 'replayed/';
    const key = keyOf(folder);
    await put(stack, key);
    await stack.waitForIdle();
    const delivered = await ledger(stack, key);
    expect(delivered).toMatchObject({ status: 'UPLOADED' });

    stack.receiver!.setFaults({ delayMs: 1200, count: 1 });
    const response = await fetch(`${stack.endpoints.admin}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prefix: `${PREFIX}${folder}`, force: true }) });
    expect(response.status).toBe(200);
    const replayed = await runningExecution(stack, key);
    await stop(replayed);
    await stack.waitForIdle();
    expect(executionsOf(stack, key).map((e) => e.status)).toEqual(['SUCCEEDED', 'ABORTED']);
    expect(await ledger(stack, key)).toEqual(delivered);
    expect(deliveriesFor(stack, replayed).map(lastStateOf)).toEqual(['AlreadyRecorded']);
  });
});

describe('an execution past its TimeoutSeconds (TIMED_OUT)', () => {
  it('ends with a FAILED item naming the timeout', async () => {
    // The deployed file gives executions half a day; this stack gives them 1 s, and Arthur answers after 2.
    const short = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined, executionTimeoutSeconds: 1 });
    try {
      await short.putMapping(PREFIX, MODEL);
      short.receiver!.setFaults({ delayMs: 2000, count: 1 });
      const key = keyOf('slow/');
      await put(short, key);
      await short.waitForIdle();
      const [execution] = executionsOf(short, key);
      expect(execution?.status).toBe('TIMED_OUT');
      expect(await ledger(short, key)).toMatchObject({
        status: 'FAILED',
        executionStatus: 'TIMED_OUT',
        executionName: execution!.name,
        error: 'States.Timeout',
        recordedBy: 'terminal-failure-rule',
      });
      // The upload the timeout overtook still reaches Arthur (a Lambda runs to its end): let it finish before closing.
      while (short.receiver!.received(MODEL).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await short.close();
    }
  });
});
