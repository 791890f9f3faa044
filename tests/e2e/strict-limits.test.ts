import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CaptureGenerator, VALID_KINDS } from '../../local/capture-generator.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackDynamoDb, stackS3 } from '../support/stack-clients.js';
import { record as report } from '../reliability/support.js';

/**
 * The local stack enforces Step Functions' 256 KiB payload quota on every state. The ingest workflow's state holds
 * a part count, the part indexes and a manifest key, never the part list, and two counts per part come back from
 * the uploads: a file of 1,500 one-record parts ends UPLOADED with every state far under the quota (issue 12).
 * (An execution that still went over would fail uncaught and be recorded FAILED by the terminal-failure rule, as
 * tests/e2e/terminal-failures.test.ts shows for the other failures outside a Catch.)
 */
const MODEL = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
const PREFIX = 'strict-endpoint/';
const generator = new CaptureGenerator({ seed: 12, mix: VALID_KINDS });
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined, partLimits: { maxRecords: 1, maxBytes: 10 * 1024 * 1024 } });
  await stack.putMapping(PREFIX, MODEL);
});
afterAll(async () => {
  await stack?.close();
});

async function ingest(records: number, name: string) {
  let body = '';
  let inferences = 0;
  while (inferences < records) {
    const line = generator.line();
    if (line.inferences !== 1) continue;
    body += `${line.text}\n`;
    inferences += 1;
  }
  const key = `${PREFIX}AllTraffic/2026/12/02/05/${name}.jsonl`;
  const s3 = stackS3(stack);
  await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
  s3.destroy();
  await stack.waitForIdle();
  const execution = stack.sfn.executions().find((e) => e.input.includes(`${name}.jsonl`))!;
  const dynamodb = stackDynamoDb(stack);
  const record = await dynamodb.send(new GetItemCommand({ TableName: stack.ingestionsTable, Key: { objectKey: { S: `${stack.captureBucket}/${key}` } }, ConsistentRead: true }));
  dynamodb.destroy();
  return { execution, record: record.Item };
}

/** The largest state input, output or task result of an execution's history, in bytes of JSON. */
function largestState(events: readonly unknown[]): { bytes: number; where: string } {
  let largest = { bytes: 0, where: '' };
  for (const event of events as Array<{ type: string; state?: { name?: string; input?: unknown; output?: unknown } }>) {
    for (const field of ['input', 'output'] as const) {
      const value = event.state?.[field];
      if (value === undefined) continue;
      const bytes = Buffer.byteLength(JSON.stringify(value));
      if (bytes > largest.bytes) largest = { bytes, where: `${event.type} ${event.state?.name} ${field}` };
    }
  }
  return largest;
}

describe('the 256 KiB state payload quota', () => {
  it('takes a file of 1,500 one-record parts to UPLOADED: every inference in Arthur once, no state over 64 KiB', async () => {
    const before = stack.receiver!.received(MODEL).length;
    const { execution, record } = await ingest(1500, 'large');
    expect(execution.status).toBe('SUCCEEDED');
    expect(record?.status?.S).toBe('UPLOADED');
    expect(record?.partCount?.N).toBe('1500');
    expect(record?.inferences?.N).toBe('1500');
    const received = stack.receiver!.received(MODEL).slice(before);
    const ids = received.map((r) => r.partnerInferenceId);
    expect(ids).toHaveLength(1500);
    expect(new Set(ids).size).toBe(1500);
    const largest = largestState(execution.run!.events);
    report('strict: 1,500 one-record parts', { status: record?.status?.S, largestStateBytes: largest.bytes, largestState: largest.where, events: execution.run!.events.length });
    expect(largest.bytes).toBeGreaterThan(0);
    expect(largest.bytes).toBeLessThan(64 * 1024);
  }, 180_000);

  it('fails a file that needs more than 2,000 parts before sending anything, recorded FAILED with what to change', async () => {
    const before = stack.receiver!.received(MODEL).length;
    const { execution, record } = await ingest(2001, 'too-many-parts');
    expect(execution.status).toBe('FAILED');
    expect(record?.status?.S).toBe('FAILED');
    expect(record?.error?.S).toBe('ConfigurationError');
    expect(record?.cause?.S).toMatch(/more than 2000 parts at maxPartRecords=1.*--param maxPartRecords/);
    expect(stack.receiver!.received(MODEL).length).toBe(before);
  }, 180_000);
});

describe('execution-name retention with the ledger', () => {
  it('with names kept 3 s, a replay after they expired starts nothing and sends nothing: the ledger says delivered', async () => {
    const short = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined, executionRetentionSeconds: 3 });
    try {
      await short.putMapping(PREFIX, MODEL);
      const s3 = stackS3(short);
      for (let n = 0; n < 3; n++) {
        await s3.send(new PutObjectCommand({ Bucket: short.captureBucket, Key: `${PREFIX}AllTraffic/2026/12/02/06/f-${n}.jsonl`, Body: `${generator.line().text}\n` }));
      }
      s3.destroy();
      await short.waitForIdle();
      expect(short.sfn.executions().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const sent = short.receiver!.received(MODEL).length;
      await new Promise((resolve) => setTimeout(resolve, 3500));
      // Step Functions has forgotten them: listed no more, and their names could start anew.
      expect(short.sfn.executions()).toHaveLength(0);
      const response = await fetch(`${short.endpoints.admin}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prefix: PREFIX }) });
      const replay = (await response.json()) as { listed: number; started: number; alreadyDelivered: number };
      await short.waitForIdle();
      expect({ status: response.status, listed: replay.listed, started: replay.started, alreadyDelivered: replay.alreadyDelivered }).toEqual({ status: 200, listed: 3, started: 0, alreadyDelivered: 3 });
      expect(short.sfn.executions()).toHaveLength(0);
      expect(short.receiver!.received(MODEL)).toHaveLength(sent);
    } finally {
      await short.close();
    }
  }, 60_000);
});
