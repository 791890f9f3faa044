import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { main } from '../../cli/main.js';
import type { Io } from '../../cli/io.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackS3 } from '../support/stack-clients.js';

const MODEL = '7c2e4a6b-8d0f-4e1a-9c3b-5d7f9e1a3c5b';
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, log: () => undefined });
});
afterAll(async () => stack.close());

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l), isTty: false };
  return { code: await main(argv, io), out: out.join('\n') };
}

it('a mapping registered through the admin API of the local stack routes the next capture, as resolve predicts', async () => {
  const put = await cli('mappings', 'put', 'adm-endpoint/', MODEL, '--endpoint', stack.endpoints.admin, '--json');
  expect(put.code).toBe(0);
  expect(JSON.parse(put.out)).toMatchObject({ mapping: { prefix: 'adm-endpoint/', modelId: MODEL } });

  const key = 'adm-endpoint/AllTraffic/2026/11/25/10/00-01-000-admin.jsonl';
  const s3 = stackS3(stack);
  await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl') }));
  await stack.waitForIdle();
  s3.destroy();
  expect(stack.receiver!.received(MODEL)).toHaveLength(3);

  const resolved = JSON.parse((await cli('mappings', 'resolve', key, '--endpoint', stack.endpoints.admin, '--json')).out);
  expect(resolved).toMatchObject({ match: { prefix: 'adm-endpoint/', mapping: { modelId: MODEL } }, object: { found: true } });
  expect(stack.sfn.executions().map((e) => e.name)).toEqual([resolved.execution.name]);
});

it('accepts any AWS credentials, like a user\'s default profile', async () => {
  const config = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } };
  const s3 = new S3Client({ ...config, endpoint: stack.endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await expect(s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: 'no-mapping/x.jsonl', Body: '{}' }))).resolves.toBeDefined();
  s3.destroy();
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const dynamodb = new DynamoDBClient({ ...config, endpoint: stack.endpoints.dynamodb });
  expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toContain(stack.mappingsTable);
  dynamodb.destroy();
  const { SFNClient, ListStateMachinesCommand } = await import('@aws-sdk/client-sfn');
  const sfn = new SFNClient({ ...config, endpoint: stack.endpoints.sfn });
  expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.length).toBeGreaterThan(0);
  sfn.destroy();
  await stack.waitForIdle();
});
