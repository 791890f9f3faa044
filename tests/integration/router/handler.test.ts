import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMappingsTable, startDynalite, type DynaliteServer } from '../../support/dynalite-server.js';
import { objectCreatedEvent, s3TestEvent } from '../../support/s3-event.js';
import { startSfnStubServer, type SfnStubServer } from '../../support/sfn-stub-server.js';
import type { RouterEvent, RouteSummary } from '../../../functions/router/route-event.js';
import { DynamoDbMappingStore } from '../../../src/aws/dynamodb-mapping-store.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-ingest';
const TABLE = 'capture-router-mappings';

let db: DynaliteServer;
let dynamo: DynamoDBClient;
let sfn: SfnStubServer;
let handler: (event: RouterEvent, context: Context) => Promise<RouteSummary>;
let readRouterConfig: typeof import('../../../functions/router/handler.js').readRouterConfig;
const stdout: string[] = [];
const savedEnv = { ...process.env };

const context = {
  functionName: 'capture-router-router',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  [db, sfn] = await Promise.all([startDynalite(), startSfnStubServer({ stateMachineArns: [ARN] })]);
  dynamo = db.client();
  await createMappingsTable(dynamo, TABLE);
  await new DynamoDbMappingStore(dynamo, TABLE).putMapping({ prefix: 'captures/churn/', modelId: 'model-churn' });

  // What the Lambda's configuration holds, and the SDK's own endpoint variables, before the module is loaded:
  // handler.ts reads them once, at import.
  Object.assign(process.env, {
    MAPPINGS_TABLE: TABLE,
    STATE_MACHINE_ARN: ARN,
    MAPPING_CACHE_TTL_SECONDS: '60',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
  });
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  ({ handler, readRouterConfig } = await import('../../../functions/router/handler.js'));
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await Promise.all([db.close(), sfn.close()]);
});

describe('router handler', () => {
  it('routes an event with clients configured from the environment alone', async () => {
    const summary = await handler(objectCreatedEvent({ key: 'captures/churn/AllTraffic/2024/05/01/13/f 1.jsonl' }), context);
    expect(summary).toMatchObject({ records: 1, started: 1 });
    expect(JSON.parse(sfn.executions[0].input)).toMatchObject({ key: 'captures/churn/AllTraffic/2024/05/01/13/f 1.jsonl', modelId: 'model-churn' });
    expect(stdout.some((line) => line.includes('"message":"execution started"') && line.endsWith('\n'))).toBe(true);
  });

  it('returns quietly for an s3:TestEvent', async () => {
    await expect(handler(s3TestEvent(), context)).resolves.toMatchObject({ records: 0 });
  });

  it('throws when DynamoDB fails, so Lambda retries the event and the DLQ keeps it', async () => {
    await dynamo.send(new DeleteTableCommand({ TableName: TABLE }));
    const before = sfn.executions.length;
    await expect(handler(objectCreatedEvent({ key: 'other-prefix/ep/f.jsonl' }), context)).rejects.toMatchObject({
      name: 'RouteEventError',
      cause: expect.objectContaining({ name: 'MappingStoreError', cause: expect.objectContaining({ name: 'ResourceNotFoundException' }) }),
    });
    expect(sfn.executions.length).toBe(before);
  });
});

describe('router cold start', () => {
  it('fails loudly, naming the variable, when MAPPINGS_TABLE is not set', () => {
    const env: NodeJS.ProcessEnv = { ...savedEnv, STATE_MACHINE_ARN: ARN };
    delete env.MAPPINGS_TABLE;
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./functions/router/handler.ts')"], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('environment variable MAPPINGS_TABLE is required');
  });
});

describe('readRouterConfig', () => {
  const complete = { MAPPINGS_TABLE: 't', STATE_MACHINE_ARN: ARN };

  it('reads the table, the state machine and a 60 s default cache TTL', () => {
    expect(readRouterConfig(complete)).toEqual({ mappingsTable: 't', stateMachineArn: ARN, cacheTtlMs: 60_000 });
  });

  it.each([
    ['0', 0],
    ['2.5', 2_500],
    [' 300 ', 300_000],
  ])('accepts MAPPING_CACHE_TTL_SECONDS=%j', (value, ms) => {
    expect(readRouterConfig({ ...complete, MAPPING_CACHE_TTL_SECONDS: value }).cacheTtlMs).toBe(ms);
  });

  it.each([
    ['MAPPINGS_TABLE missing', { STATE_MACHINE_ARN: ARN }, /MAPPINGS_TABLE is required/],
    ['MAPPINGS_TABLE blank', { ...complete, MAPPINGS_TABLE: '  ' }, /MAPPINGS_TABLE is required/],
    ['STATE_MACHINE_ARN missing', { MAPPINGS_TABLE: 't' }, /STATE_MACHINE_ARN is required/],
    ['a TTL that is not a number', { ...complete, MAPPING_CACHE_TTL_SECONDS: 'soon' }, /MAPPING_CACHE_TTL_SECONDS must be/],
    ['a negative TTL', { ...complete, MAPPING_CACHE_TTL_SECONDS: '-1' }, /MAPPING_CACHE_TTL_SECONDS must be/],
  ])('fails naming the variable when %s', (_case, env, message) => {
    expect(() => readRouterConfig(env)).toThrow(message);
  });
});
