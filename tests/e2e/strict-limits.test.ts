import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CaptureGenerator, VALID_KINDS } from '../../local/capture-generator.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackDynamoDb, stackS3 } from '../support/stack-clients.js';

/**
 * The local stack enforces Step Functions' 256 KiB payload quota on every state. With one record per part the
 * ingest workflow carries each part twice (ValidateCapture's result and the Map's), so a file of enough records
 * fails with States.DataLimitExceeded, which the ASL's Catch (States.ALL) cannot catch: the parts were uploaded and
 * the execution is FAILED without reaching RecordFailed (issue 12; the fix is a manifest in S3). Its ingestion
 * record is then written by the terminal-failure rule (serverless.yml TerminalFailureRule, on the stack's event bus).
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

describe('the 256 KiB state payload quota', () => {
  it('lets a file of 300 one-record parts through: every state under the quota, UPLOADED', async () => {
    const { execution, record } = await ingest(300, 'small');
    expect(execution.status).toBe('SUCCEEDED');
    expect(record?.status?.S).toBe('UPLOADED');
  });

  it('fails a file of 1,500 one-record parts with States.DataLimitExceeded that no Catch catches; the terminal-failure rule records it FAILED', async () => {
    const { execution, record } = await ingest(1500, 'large');
    expect(execution.status).toBe('FAILED');
    expect(execution.run?.error).toBe('States.DataLimitExceeded');
    expect(execution.run?.cause).toMatch(/exceeding the maximum of 262144 bytes/);
    // Not RecordFailed through the Catch: the quota's failure is terminal.
    expect(execution.run?.events.some((e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === 'RecordFailed')).toBe(false);
    // Recorded by the rule instead, with the quota's error and cause from the execution's status-change event.
    expect(record).toMatchObject({
      status: { S: 'FAILED' },
      executionStatus: { S: 'FAILED' },
      executionName: { S: execution.name },
      error: { S: 'States.DataLimitExceeded' },
      cause: { S: expect.stringMatching(/exceeding the maximum of 262144 bytes/) },
      recordedBy: { S: 'terminal-failure-rule' },
      modelId: { S: MODEL },
    });
  });
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
