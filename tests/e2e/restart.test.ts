import { afterAll, expect, it } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackDynamoDb, stackS3, stackSfn } from '../support/stack-clients.js';

/**
 * `capture-router local --data-dir DIR` keeps its state across restarts: mappings, objects, ingestion records and
 * the executions themselves, so that Standard's name rule still holds — a file delivered before the restart and
 * put again after it starts nothing and reaches Arthur no second time.
 */
const MODEL = '5e7a9c1b-3d5f-4a7b-9c1d-3e5f7a9b1c3d';
const GOOD = 'restart-endpoint/AllTraffic/2026/11/25/10/00-01-000-good.jsonl';
const BAD = 'restart-endpoint/AllTraffic/2026/11/25/10/00-02-000-bad.jsonl';
const LATER = 'restart-endpoint/AllTraffic/2026/11/25/11/00-03-000-later.jsonl';
const dataDir = mkdtempSync(join(tmpdir(), 'capture-router-restart-'));
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () => startLocalStack({ portBase: 0, dataDir, retryIntervalMs: 0, log: () => undefined });

async function put(target: LocalStack, key: string, body: string | Buffer): Promise<void> {
  const s3 = stackS3(target);
  await s3.send(new PutObjectCommand({ Bucket: target.captureBucket, Key: key, Body: body }));
  s3.destroy();
  await target.waitForIdle();
}

/** What the AWS SDK sees of the stack's executions: name → status. */
async function listed(target: LocalStack): Promise<Record<string, string>> {
  const sfn = stackSfn(target);
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn }));
  sfn.destroy();
  return Object.fromEntries((out.executions ?? []).map((e) => [e.name!, e.status!]));
}

it('keeps mappings, objects, ingestion records and executions across restarts; a re-put of a delivered file starts nothing', async () => {
  const capture = readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl');
  stack = await start();
  await stack.putMapping('restart-endpoint/', MODEL);
  await put(stack, GOOD, capture);
  await put(stack, BAD, readFileSync('tests/fixtures/captures/empty.jsonl'));
  const before = await listed(stack);
  expect(Object.values(before).sort()).toEqual(['FAILED', 'SUCCEEDED']);
  const delivered = stack.receiver!.received(MODEL).length;
  expect(delivered).toBeGreaterThan(0);
  await stack.close();

  stack = await start();
  // The executions, as the SDK sees them, with their outcome and the start and end of their history.
  expect(await listed(stack)).toEqual(before);
  const sfn = stackSfn(stack);
  const failedName = Object.keys(before).find((name) => before[name] === 'FAILED')!;
  const failedArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${failedName}`;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: failedArn }));
  expect(described).toMatchObject({ status: 'FAILED', error: 'CaptureRejectedError' });
  expect(JSON.parse(described.input!)).toMatchObject({ key: BAD, modelId: MODEL });
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: failedArn }));
  expect(history.events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
  sfn.destroy();
  // The mapping, the object and the ingestion records.
  const s3 = stackS3(stack);
  await expect(s3.send(new HeadObjectCommand({ Bucket: stack.captureBucket, Key: GOOD }))).resolves.toMatchObject({ ContentLength: capture.length });
  s3.destroy();
  const dynamodb = stackDynamoDb(stack);
  const records = await dynamodb.send(new ScanCommand({ TableName: stack.ingestionsTable }));
  const mappings = await dynamodb.send(new ScanCommand({ TableName: stack.mappingsTable }));
  dynamodb.destroy();
  expect(mappings.Items?.map((i) => [i.prefix?.S, i.modelId?.S])).toEqual([['restart-endpoint/', MODEL]]);
  expect(records.Items?.map((i) => i.status?.S).sort()).toEqual(['REJECTED', 'UPLOADED']);

  // The same bytes again: the name is taken, as it would be in AWS for 90 days. Nothing reaches Arthur.
  await put(stack, GOOD, capture);
  expect(stack.routed.reduce((sum, r) => sum + r.alreadyDelivered, 0)).toBe(1);
  expect(stack.receiver!.received(MODEL)).toHaveLength(0);
  await put(stack, LATER, capture.toString().replaceAll('"eventId":"', '"eventId":"later-'));
  const after = await listed(stack);
  expect(Object.keys(after)).toHaveLength(3);
  await stack.close();

  // A crash mid-write leaves a cut line at the end of the journal: the complete lines still count, and the next
  // execution is written over the cut one.
  appendFileSync(join(dataDir, 'stepfunctions', 'executions.jsonl'), '{"name":"cut-off-by-a-cra');
  stack = await start();
  expect(await listed(stack)).toEqual(after);
  await put(stack, 'restart-endpoint/AllTraffic/2026/11/25/12/00-04-000-last.jsonl', capture.toString().replaceAll('"eventId":"', '"eventId":"last-'));
  await stack.close();
  stack = await start();
  expect(Object.values(await listed(stack)).sort()).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
}, 60_000);
