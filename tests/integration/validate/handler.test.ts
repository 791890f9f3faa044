import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { buildValidateDeps, createValidateHandler, readValidateConfig } from '../../../functions/validate/app.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { lineTelemetry } from '../../../src/observability/telemetry.js';
import { captureOutput } from '../../support/capture-output.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTables } from '../../../local/table-definitions.js';
import { createManifestReader } from '../../../src/aws/part-manifest-store.js';
import type { PartManifestRef } from '../../../src/contracts.js';
import { startDynalite, type DynaliteServer } from '../../support/dynalite-server.js';

/**
 * The validate function as its composition wires it: buildValidateDeps with an emulator's client (what the local
 * stack and the tests do), and handler.ts itself, configured from the environment alone.
 */

const MODEL = '3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d';
const KEY = 'ep/AllTraffic/2026/11/24/10/00-03-100-a.jsonl';
const context = { functionName: 'capture-router-test-validate', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const input: WorkflowInput = { bucket: 'datacapture', key: KEY, size: 0, modelId: MODEL, mappingPrefix: 'ep/', etag: '"e"' };
let s3rver: S3rverServer;
let dynamo: DynaliteServer;
const savedEnv = { ...process.env };
const readManifestLine = (ref: PartManifestRef, index: number) => createManifestReader(s3rver.client())(ref, index);

beforeAll(async () => {
  dynamo = await startDynalite();
  await createTables(dynamo.client(), 'serverless.yml', { IngestionsTable: 'ingestions' });
  s3rver = await startS3rver();
  await s3rver.createBucket('datacapture');
  await s3rver.createBucket('artifacts');
  await s3rver.put('datacapture', KEY, readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl'));
});
afterAll(async () => Promise.all([s3rver.close(), dynamo.close()]));
afterEach(() => {
  process.env = { ...savedEnv };
  jest.resetModules();
});

describe('validate composition', () => {
  it('validates with buildValidateDeps and an emulator client, logging through the telemetry it is given', async () => {
    const lines: string[] = [];
    const config = readValidateConfig({ ARTIFACTS_BUCKET: 'artifacts', INGESTIONS_TABLE: 'ingestions', S3_FORCE_PATH_STYLE: 'true' });
    const handler = createValidateHandler(buildValidateDeps(config, { s3: s3rver.client(), dynamodb: dynamo.client() }, { telemetry: lineTelemetry((l) => void lines.push(l), 'validate') }));
    const result = await handler(input, context);
    expect(result).toMatchObject({ records: 3, inferences: 3, rejected: 0, partCount: 1, partIndexes: [0], manifest: { bucket: 'artifacts' } });
    // The part list is in the manifest, not in the state: its one part is the original object.
    const line = await readManifestLine(result.manifest, 0);
    expect(line).toMatchObject({ bucket: 'datacapture', key: KEY, index: 0, inferences: 3 });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'parts ready', function: 'validate', key: KEY, modelId: MODEL }));
    expect(logged.filter((l) => l._aws !== undefined).map((l) => Object.keys(l).find((k) => k.startsWith('Inferences')))).toEqual(['InferencesValidated', 'InferencesRejected']);
  });

  it('reads nothing and sends nothing for a version the ledger records as delivered by an earlier execution', async () => {
    const delivered = { ...input, key: 'ep/AllTraffic/2026/11/24/10/00-04-100-b.jsonl' };
    await dynamo.client().send(
      new PutItemCommand({
        TableName: 'ingestions',
        Item: { objectKey: { S: `datacapture/${delivered.key}` }, status: { S: 'UPLOADED' }, etag: { S: '"e"' }, executionName: { S: 'earlier' }, modelId: { S: MODEL }, updatedAt: { S: 'now' } },
      }),
    );
    const config = readValidateConfig({ ARTIFACTS_BUCKET: 'artifacts', INGESTIONS_TABLE: 'ingestions', S3_FORCE_PATH_STYLE: 'true' });
    const handler = createValidateHandler(buildValidateDeps(config, { s3: s3rver.client(), dynamodb: dynamo.client() }, { telemetry: lineTelemetry(() => undefined, 'validate') }));
    // The object does not even exist: the ledger answers first.
    await expect(handler(delivered, context)).resolves.toMatchObject({ alreadyDelivered: { status: 'UPLOADED', executionName: 'earlier' }, partCount: 0, partIndexes: [] });
    // A forced replay sends it again: the validator reads the object (here, a missing one).
    await expect(handler({ ...delivered, forced: true }, context)).rejects.toMatchObject({ name: 'CaptureUnreadableError' });
    // Another version (another ETag) is not the one delivered.
    await expect(handler({ ...delivered, etag: '"f"' }, context)).rejects.toMatchObject({ name: 'CaptureUnreadableError' });
  });

  it('runs handler.ts from the environment, with path-style addressing passed explicitly for the emulator', async () => {
    Object.assign(process.env, {
      ARTIFACTS_BUCKET: 'artifacts',
      INGESTIONS_TABLE: 'ingestions',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3rver.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const output = captureOutput();
    try {
      const { handler } = await import('../../../functions/validate/handler.js');
      await expect(handler(input, context)).resolves.toMatchObject({ inferences: 3 });
      expect(output.json()).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'parts ready', function: 'validate', service: 'capture-router' }));
    } finally {
      output.restore();
    }
  });

  it('fails the cold start naming the variable', async () => {
    delete process.env.ARTIFACTS_BUCKET;
    await expect(import('../../../functions/validate/handler.js')).rejects.toThrow('validate: environment variable ARTIFACTS_BUCKET is required');
  });
});
