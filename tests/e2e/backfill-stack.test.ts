/**
 * The backfill state machine (statemachines/backfill.asl.yml) run on the local stack as a user runs it: StartExecution
 * on the local Step Functions endpoint. Its Distributed Map is emulated (local/distributed-map.ts: the listing, the
 * batches, the ResultWriter files); its children's RouteBatch task, with its Retry and TimeoutSeconds, runs on the
 * engine and starts real ingest executions that upload to the local Arthur receiver.
 *
 * The bucket holds 4 batches' worth of objects under one prefix: captures of a mapped endpoint, some delivered by
 * the router as they came (their names are taken), some recorded as delivered in the ingestions ledger only (as
 * after Step Functions forgot their names), captures of an endpoint nobody mapped, and files that are not captures.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type _Object } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CaptureGenerator, VALID_KINDS } from '../../local/capture-generator.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { executionName } from '../../src/routing/execution-name.js';
import { stackDynamoDb, stackS3, stackSfn } from '../support/stack-clients.js';

const MODEL = '7c1e5d2a-3b4f-4a6e-9d8c-0b1a2c3d4e5f';
const PREFIX = 'backfill-test/';
const MAPPED = `${PREFIX}fraud-endpoint/`;
const UNMAPPED = `${PREFIX}churn-endpoint/`;
const COUNTS = { mappedBefore: 250, unmapped: 40, notCaptures: 4, routerDelivered: 15, ledgerDelivered: 20 };
// Below the listing's size (asserted), above one batch: a parent that carried the listing would fail.
const PAYLOAD_LIMIT = 32 * 1024;

const generator = new CaptureGenerator({ seed: 7, mix: VALID_KINDS });
let stack: LocalStack;
const inferencesOf = new Map<string, number>();

async function put(keys: string[]): Promise<void> {
  const s3 = stackS3(stack);
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(
      keys.slice(i, i + 25).map((key) => {
        const line = generator.line();
        inferencesOf.set(key, line.inferences);
        return s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: key.endsWith('.jsonl') ? `${line.text}\n` : 'not a capture\n' }));
      }),
    );
  }
  s3.destroy();
}

const captureKey = (prefix: string, n: number) =>
  `${prefix}AllTraffic/2026/11/25/${String(10 + Math.floor(n / 60)).padStart(2, '0')}/${String(n % 60).padStart(2, '0')}-00-${String(n % 1000).padStart(3, '0')}-${n}.jsonl`;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

async function listAll(bucket: string, prefix: string): Promise<_Object[]> {
  const s3 = stackS3(stack);
  const out: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    out.push(...(page.Contents ?? []));
    token = page.NextContinuationToken;
  } while (token);
  s3.destroy();
  return out;
}

async function getJson(bucket: string, key: string): Promise<any> {
  const s3 = stackS3(stack);
  const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  s3.destroy();
  return JSON.parse(body);
}

const nameOf = (o: _Object) => executionName({ bucket: stack.captureBucket, key: o.Key!, etag: o.ETag! });

let listing: _Object[];
let delivered: Set<string>;
let before: Set<string>;
let backfill: { executionArn: string; status?: string; output?: string; error?: string; cause?: string };

beforeAll(async () => {
  // No mapping cache: the router looks the prefix up before its mapping exists, and must see it at the next put.
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, payloadLimitBytes: PAYLOAD_LIMIT, mappingCacheTtlSeconds: 0, log: () => undefined });
  // Before any mapping: the router sees these and starts nothing.
  await put([
    ...range(0, COUNTS.mappedBefore).map((n) => captureKey(MAPPED, n)),
    ...range(0, COUNTS.unmapped).map((n) => captureKey(UNMAPPED, n)),
    ...range(0, COUNTS.notCaptures).map((n) => `${MAPPED}notes-${n}.txt`),
  ]);
  await stack.waitForIdle();
  expect(stack.sfn.executions()).toHaveLength(0);
  await stack.putMapping(MAPPED, MODEL);

  // Delivered by the router as they arrive: their executions hold the names the backfill would use.
  await put(range(COUNTS.mappedBefore, COUNTS.routerDelivered).map((n) => captureKey(MAPPED, n)));
  await stack.waitForIdle();
  expect(stack.sfn.executions().map((e) => e.status)).toEqual(Array(COUNTS.routerDelivered).fill('SUCCEEDED'));

  listing = await listAll(stack.captureBucket, PREFIX);
  // Delivered long ago: the ingestions ledger says UPLOADED by the execution they would get, Step Functions has
  // forgotten them.
  const dynamodb = stackDynamoDb(stack);
  const ledgerOnly = listing.filter((o) => o.Key!.startsWith(MAPPED) && o.Key!.endsWith('.jsonl')).slice(0, COUNTS.ledgerDelivered);
  for (const o of ledgerOnly) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: stack.ingestionsTable,
        Item: {
          objectKey: { S: `${stack.captureBucket}/${o.Key}` },
          status: { S: 'UPLOADED' },
          modelId: { S: MODEL },
          mappingPrefix: { S: MAPPED },
          executionName: { S: nameOf(o) },
          startedAt: { S: '2026-08-01T00:00:00.000Z' },
          updatedAt: { S: '2026-08-01T00:00:05.000Z' },
        },
      }),
    );
  }
  dynamodb.destroy();
  delivered = new Set([...stack.sfn.executions().map((e) => e.name), ...ledgerOnly.map(nameOf)]);
  before = new Set(stack.sfn.executions().map((e) => e.name));

  const sfn = stackSfn(stack);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.backfillStateMachineArn, name: 'backfill-1', input: JSON.stringify({ bucket: stack.captureBucket, prefix: PREFIX }) }),
  );
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    backfill = { ...described, executionArn: executionArn! };
    if (backfill.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sfn.destroy();
  await stack.waitForIdle();
}, 240_000);

afterAll(async () => {
  await stack?.close();
});

describe('the backfill state machine on the local stack', () => {
  it('succeeds, its output naming the Map Run and its manifest in the artifacts bucket', () => {
    expect({ status: backfill.status, error: backfill.error, cause: backfill.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const output = JSON.parse(backfill.output!);
    expect(output).toMatchObject({ bucket: stack.captureBucket, prefix: PREFIX, force: false, replayId: '' });
    expect(output.mapRun.MapRunArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:000000000000:mapRun:${stack.backfillStateMachineArn.split(':').pop()}/RouteObjects:[0-9a-f-]{36}$`));
    const id = output.mapRun.MapRunArn.split(':').pop();
    expect(output.mapRun.ResultWriterDetails).toEqual({ Bucket: stack.artifactsBucket, Key: `backfill-results/${id}/manifest.json` });
  });

  it('starts the ingest workflow for exactly the mapped, undelivered captures, under the router’s names and inputs', () => {
    const expected = listing.filter((o) => o.Key!.startsWith(MAPPED) && o.Key!.endsWith('.jsonl') && !delivered.has(nameOf(o)));
    expect(expected).toHaveLength(COUNTS.mappedBefore - COUNTS.ledgerDelivered);
    const started = stack.sfn.executions().filter((e) => !before.has(e.name));
    expect(started.map((e) => e.name).sort()).toEqual(expected.map(nameOf).sort());
    const byName = new Map(expected.map((o) => [nameOf(o), o]));
    for (const e of started) {
      const o = byName.get(e.name)!;
      expect(JSON.parse(e.input)).toEqual({ bucket: stack.captureBucket, key: o.Key, etag: o.ETag!.replace(/"/g, ''), size: o.Size, modelId: MODEL, mappingPrefix: MAPPED });
    }
    expect(started.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    // Arthur took every mapped capture once: those the router delivered, and the backfill's; none of the ledger's.
    const sent = [...started.map((e) => JSON.parse(e.input).key), ...listing.filter((o) => before.has(nameOf(o))).map((o) => o.Key!)];
    expect(stack.receiver!.received(MODEL)).toHaveLength(sent.reduce((n, key) => n + inferencesOf.get(key)!, 0));
  });

  it('writes the results in AWS’s layout: a manifest and one entry per batch of 100 keys with its counts', async () => {
    const { Bucket, Key } = JSON.parse(backfill.output!).mapRun.ResultWriterDetails;
    const manifest = await getJson(Bucket, Key);
    const dir = Key.replace(/manifest\.json$/, '');
    expect(manifest).toEqual({
      DestinationBucket: stack.artifactsBucket,
      MapRunArn: JSON.parse(backfill.output!).mapRun.MapRunArn,
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${dir}SUCCEEDED_0.json`, Size: expect.any(Number) }] },
    });
    const entries: any[] = await getJson(Bucket, `${dir}SUCCEEDED_0.json`);
    expect(entries).toHaveLength(Math.ceil(listing.length / 100));
    const inputs = entries.map((e) => JSON.parse(e.Input));
    for (const input of inputs) {
      expect(input.BatchInput).toEqual({ bucket: stack.captureBucket, force: false, replayId: '' });
      expect(input.Items.length).toBeLessThanOrEqual(100);
    }
    // The batches cover the listing, each key once, in ListObjectsV2's order within a batch.
    const batched = inputs.flatMap((i) => i.Items).sort((a, b) => (a.Key < b.Key ? -1 : 1));
    expect(batched.map((i) => i.Key)).toEqual(listing.map((o) => o.Key));
    expect(batched[0]).toEqual({ Etag: listing[0]!.ETag, Key: listing[0]!.Key, LastModified: Math.floor(listing[0]!.LastModified!.getTime() / 1000), Size: listing[0]!.Size, StorageClass: 'STANDARD' });
    const sum = (field: string) => entries.reduce((n, e) => n + JSON.parse(e.Output)[field], 0);
    expect({ items: sum('items'), started: sum('started'), alreadyDelivered: sum('alreadyDelivered'), unrouted: sum('unrouted'), ignored: sum('ignored') }).toEqual({
      items: listing.length,
      started: COUNTS.mappedBefore - COUNTS.ledgerDelivered,
      alreadyDelivered: COUNTS.routerDelivered + COUNTS.ledgerDelivered,
      unrouted: COUNTS.unmapped,
      ignored: COUNTS.notCaptures,
    });
    for (const e of entries) {
      expect(e).toMatchObject({ Status: 'SUCCEEDED', StateMachineArn: `${stack.backfillStateMachineArn}/RouteObjects`, InputDetails: { Included: true } });
      expect(e.ExecutionArn).toBe(`${stack.backfillStateMachineArn.replace(':stateMachine:', ':execution:')}/RouteObjects:${e.Name}`);
    }
  });

  it('keeps the parent’s state small: the listing is larger than the payload limit the run stayed under', async () => {
    const items = listing.map((o) => ({ Etag: o.ETag, Key: o.Key, LastModified: 0, Size: o.Size, StorageClass: 'STANDARD' }));
    expect(Buffer.byteLength(JSON.stringify(items))).toBeGreaterThan(PAYLOAD_LIMIT);
    const sfn = stackSfn(stack);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: backfill.executionArn }));
    sfn.destroy();
    expect(events!.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapStateEntered',
      'MapStateStarted',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    const largest = Math.max(...events!.map((e) => JSON.stringify(e).length));
    expect(largest).toBeLessThan(2048);
  });
});
