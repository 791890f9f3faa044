/**
 * Issue 14 end to end on the local stack, through real SDK clients and the admin API: a ground-truth mapping
 * registered with `mappings put PREFIX MODEL --ground-truth ATTR`, captures delivered through their own mapping,
 * then a Model Monitor label file under the label prefix. The same notification, router and workflow carry it to
 * the receiver's ground-truth PATCH, which holds labels only for partner IDs it holds inferences for.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import type { Io } from '../../cli/io.js';
import { checkCaptureFile } from '../../src/capture/index.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackDynamoDb, stackS3, stackSfn } from '../support/stack-clients.js';
import { outcomesOf } from '../support/part-manifest.js';

const FIX = 'tests/fixtures/captures';
const MODEL = '3f6c9a2e-7b1d-4e8f-a5c0-d2b4e6f8a1c3';
const CAPTURES = 'captures/fraud-endpoint/';
const LABELS = 'labels/fraud-endpoint/';
const LABEL_KEY = `${LABELS}2026/11/24/12/labels.jsonl`;
const NEVER = 'never-captured-0001';

let stack: LocalStack;
let s3: S3Client;
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let dir: string;

const label = (data: string, eventId: string, encoding = 'CSV') =>
  JSON.stringify({ groundTruthData: { data, encoding }, eventMetadata: { eventId }, eventVersion: '0' });
const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
const record = async (key: string) => {
  const out = await dynamodb.send(new GetItemCommand({ TableName: stack.ingestionsTable, Key: { objectKey: { S: `${stack.captureBucket}/${key}` } } }));
  return out.Item ? (unmarshall(out.Item) as Record<string, any>) : undefined;
};

async function cli(...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l), isTty: false };
  return { code: await main(argv, io), out };
}

beforeAll(async () => {
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined });
  s3 = stackS3(stack);
  sfn = stackSfn(stack);
  dynamodb = stackDynamoDb(stack);
  dir = mkdtempSync(join(tmpdir(), 'cr-gt-e2e-'));
});

afterAll(async () => {
  s3?.destroy();
  sfn?.destroy();
  dynamodb?.destroy();
  rmSync(dir, { recursive: true, force: true });
  await stack?.close();
});

describe('ground truth through the same trigger', () => {
  let fraudIds: string[];
  let batchEvent: string;

  it('registers the capture and the ground-truth mapping through the admin API; list and resolve show the kind', async () => {
    expect((await cli('mappings', 'put', CAPTURES, MODEL, '--endpoint', stack.endpoints.admin)).code).toBe(0);
    const put = await cli('mappings', 'put', LABELS, MODEL, '--ground-truth', 'label', '--endpoint', stack.endpoints.admin, '--json');
    expect(put.code).toBe(0);
    expect(JSON.parse(put.out[0]!)).toMatchObject({ mapping: { prefix: LABELS, modelId: MODEL, kind: 'groundTruth', groundTruthAttributes: ['label'] } });
    const listed = await cli('mappings', 'list', '--endpoint', stack.endpoints.admin);
    expect(listed.out).toContain(`${LABELS} → model ${MODEL}, enabled, version 1, ground truth (label)`);
    expect(listed.out).toContain(`${CAPTURES} → model ${MODEL}, enabled, version 1`);
    const resolved = JSON.parse((await cli('mappings', 'resolve', LABEL_KEY, '--endpoint', stack.endpoints.admin, '--json')).out[0]!);
    expect(resolved).toMatchObject({ kind: 'groundTruth', execution: { input: { kind: 'groundTruth', groundTruthAttributes: ['label'], mappingPrefix: LABELS } } });
    const capture = JSON.parse((await cli('mappings', 'resolve', `${CAPTURES}AllTraffic/x.jsonl`, '--endpoint', stack.endpoints.admin, '--json')).out[0]!);
    expect(capture.kind).toBe('capture');
    expect(capture.execution.input).not.toHaveProperty('kind');
  });

  it('delivers the captures the labels will join', async () => {
    fraudIds = (await checkCaptureFile(`${FIX}/csv-fraud-scores.jsonl`, { collectPartnerIds: true })).partnerInferenceIds!;
    batchEvent = JSON.parse(readFileSync(`${FIX}/jsonlines-batch.jsonl`, 'utf8').split('\n')[0]!).eventMetadata.eventId;
    await put(`${CAPTURES}AllTraffic/2026/11/24/10/00-01-000-gt.jsonl`, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    await put(`${CAPTURES}AllTraffic/2026/11/24/10/00-02-000-gt.jsonl`, readFileSync(`${FIX}/jsonlines-batch.jsonl`));
    await stack.waitForIdle();
    expect(stack.receiver!.received(MODEL)).toHaveLength(fraudIds.length + 2);
  });

  it('a label file with a single-row, a two-row and a never-captured record: Arthur holds exactly the three matching labels, typed; the file is PARTIAL naming the refused ID', async () => {
    const body = [label('1', fraudIds[0]!), label('[0, "review"]', batchEvent, 'JSON'), label('1', NEVER)].join('\n');
    await put(LABEL_KEY, `${body}\n`);
    await stack.waitForIdle();

    const at = '2026-11-24T12:00:00Z';
    const expected = [
      { partnerInferenceId: fraudIds[0], groundTruthTimestamp: at, groundTruthData: { label: 1 } },
      { partnerInferenceId: `${batchEvent}_0`, groundTruthTimestamp: at, groundTruthData: { label: 0 } },
      { partnerInferenceId: `${batchEvent}_1`, groundTruthTimestamp: at, groundTruthData: { label: 'review' } },
    ];
    const listed = (await (await fetch(`${stack.endpoints.arthur}/__ground_truth?model=${MODEL}`)).json()) as unknown[];
    expect(listed).toEqual(expected);
    expect(stack.receiver!.groundTruth(MODEL)).toEqual(expected);

    const item = await record(LABEL_KEY);
    expect(item).toMatchObject({ status: 'PARTIAL', modelId: MODEL, mappingPrefix: LABELS, records: 3, inferences: 4, rejected: 0, partCount: 1 });
    expect(item!.partCounts).toBe('[[1,0]]');
    const parts = await outcomesOf(s3, item);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ inferences: 4, success: 3, failure: 1, total: 4, refused: { count: 1, ids: [NEVER] }, status: 207 });
    expect(parts[0]!.refused.messages).toEqual([expect.stringContaining(NEVER)]);
  });

  it('runs the same workflow: five transitions for a clean label file, as for a clean capture', async () => {
    const key = `${LABELS}2026/11/24/13/clean.jsonl`;
    await put(key, `${label('0', fraudIds[1]!)}\n`);
    await stack.waitForIdle();
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }))).executions ?? [];
    const inputs = await Promise.all(executions.map(async (e) => ({ arn: e.executionArn!, input: JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }))).input!) })));
    const clean = inputs.find((e) => e.input.key === key)!;
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: clean.arn }));
    const entered = history.events!.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name);
    const captureRun = inputs.find((e) => e.input.key === `${CAPTURES}AllTraffic/2026/11/24/10/00-01-000-gt.jsonl`)!;
    const captureHistory = await sfn.send(new GetExecutionHistoryCommand({ executionArn: captureRun.arn }));
    expect(entered).toContain('UploadPart');
    expect(entered).toEqual(captureHistory.events!.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name));
    expect(await record(key)).toMatchObject({ status: 'UPLOADED', inferences: 1 });
    expect(stack.receiver!.groundTruth(MODEL).find((g) => g.partnerInferenceId === fraudIds[1])).toMatchObject({ groundTruthData: { label: 0 } });
  });

  it('a capture file under the ground-truth mapping, and a label file under the capture mapping, are REJECTED saying which kind the mapping expects', async () => {
    const captureUnderLabels = `${LABELS}2026/11/24/14/oops-capture.jsonl`;
    const labelsUnderCaptures = `${CAPTURES}AllTraffic/2026/11/24/14/oops-labels.jsonl`;
    await put(captureUnderLabels, readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    await put(labelsUnderCaptures, `${label('1', fraudIds[2]!)}\n`);
    await stack.waitForIdle();
    const a = await record(captureUnderLabels);
    expect(a).toMatchObject({ status: 'REJECTED', error: 'CaptureRejectedError' });
    expect(a!.cause).toContain('WRONG_RECORD_KIND');
    expect(a!.cause).toContain('expects ground-truth records');
    const b = await record(labelsUnderCaptures);
    expect(b).toMatchObject({ status: 'REJECTED', error: 'CaptureRejectedError' });
    expect(b!.cause).toContain('WRONG_RECORD_KIND');
  });

  it('capture-router validate explains a malformed label file', async () => {
    const file = join(dir, 'labels.jsonl');
    writeFileSync(file, `${[label('1', 'e-1'), label('1,0', 'e-2'), label('', 'e-3'), '{"groundTruthData": '].join('\n')}\n`);
    const { code, out } = await cli('validate', file, '--ground-truth', 'label');
    expect(code).toBe(1);
    expect(out[0]).toBe(`✘ ${file}: 3 of 4 ground-truth records invalid — 1 label would be sent, 3 records quarantined`);
    expect(out).toEqual(expect.arrayContaining(['  GT_COLUMN_COUNT ×1  line 2', '  GT_MISSING_DATA ×1  line 3', '  GT_MALFORMED_JSON ×1  line 4']));
    expect(out.filter((l) => l.startsWith('      fix: '))).toHaveLength(3);
  });
});
