import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { join } from 'node:path';
import { routeBatch } from '../../../functions/backfill/route-batch.js';
import { routeEvent } from '../../../functions/router/route-event.js';
import { DynamoDbMappingStore } from '../../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../../src/aws/sfn-workflow-starter.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import { createTables } from '../../../local/table-definitions.js';
import { ROOT } from '../../support/cloudformation.js';
import { startDynalite, type DynaliteServer } from '../../support/dynalite-server.js';
import { captureKey, objectCreatedEvent } from '../../support/s3-event.js';
import { startSfnStubServer, type SfnStubServer } from '../../support/sfn-stub-server.js';
import { MODEL_A, STATE_MACHINE_ARN } from '../../support/admin-harness.js';
import { lineTelemetry, noLog, noMetrics } from '../../../src/observability/telemetry.js';
import { buildBackfillDeps, createBackfillHandler } from '../../../functions/backfill/app.js';

let db: DynaliteServer;
let sfn: SfnStubServer;
let sfnClient: SFNClient;
let store: DynamoDbMappingStore;
let n = 0;
let table = '';
beforeAll(async () => {
  [db, sfn] = await Promise.all([startDynalite(), startSfnStubServer({ stateMachineArns: [STATE_MACHINE_ARN] })]);
  sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});
afterAll(async () => {
  sfnClient.destroy();
  await Promise.all([db.close(), sfn.close()]);
});
beforeEach(async () => {
  table = `mappings-${++n}`;
  await createTables(db.client(), join(ROOT, 'serverless.yml'), { MappingsTable: table });
  store = new DynamoDbMappingStore(db.client(), table);
  await store.putMapping({ prefix: 'captures/fraud/', modelId: MODEL_A });
  sfn.reset();
});

const deps = () => ({
  bucket: 'datacapture',
  resolver: new MappingResolver((prefixes) => store.getMappings(prefixes)),
  starter: new SfnWorkflowStarter(sfnClient, STATE_MACHINE_ARN),
  log: noLog,
  metrics: noMetrics,
});
/** Items as the Distributed Map's s3:listObjectsV2 ItemReader emits them: the ETag keeps S3's quotes. */
const items = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    Key: captureKey('captures', 'fraud', i),
    Etag: `"${String(i).padStart(32, '0')}"`,
    Size: 100 + i,
    LastModified: '2024-05-01T13:05:31.000Z',
    StorageClass: 'STANDARD',
  }));

describe('the backfill state machine’s RouteBatch task', () => {
  it('starts each listed object under the router’s name and input, and skips what the router delivered', async () => {
    const batch = items(10);
    await routeEvent(objectCreatedEvent(...batch.slice(0, 4).map((i) => ({ key: i.Key, eTag: i.Etag.replace(/"/g, ''), size: i.Size }))), {
      ...deps(),
    });
    const routerInputs = sfn.executions.map((e) => e.input);

    const result = await routeBatch({ Items: [...batch, { Key: 'captures/fraud/notes.txt', Size: 3 }], BatchInput: { bucket: 'datacapture' } }, deps());

    expect(result).toEqual({ items: 11, started: 6, alreadyDelivered: 4, unrouted: 0, disabled: 0, ignored: 1 });
    expect(sfn.executions).toHaveLength(10);
    // Same names and byte-identical inputs as the router's, so Step Functions treats them as the same executions.
    expect(sfn.executions.slice(0, 4).map((e) => e.input)).toEqual(routerInputs);
    expect(JSON.parse(sfn.executions[4]!.input)).toEqual({
      bucket: 'datacapture', key: batch[4]!.Key, etag: batch[4]!.Etag.replace(/"/g, ''), size: 104, modelId: MODEL_A, mappingPrefix: 'captures/fraud/',
    });
  });

  it('refuses a bucket other than the stack’s capture bucket with a ConfigurationError', async () => {
    await expect(routeBatch({ Items: items(1), BatchInput: { bucket: 'someone-elses' } }, deps())).rejects.toMatchObject({
      name: 'ConfigurationError',
    });
  });

  it('runs as the backfill function wires it (buildBackfillDeps), starting forced replays under the replay id, and logs the batch', async () => {
    const lines: string[] = [];
    const handler = createBackfillHandler(
      buildBackfillDeps(
        { captureBucket: 'datacapture', mappingsTable: table, stateMachineArn: STATE_MACHINE_ARN },
        { dynamodb: db.client(), sfn: sfnClient },
        { telemetry: lineTelemetry((l) => void lines.push(l), 'backfill') },
      ),
    );
    const result = await handler({ Items: items(3), BatchInput: { bucket: 'datacapture', force: true, replayId: '20260101T000000Z' } }, {} as never);
    expect(result).toEqual({ items: 3, started: 3, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 });
    expect(sfn.executions.map((e) => e.name)).toEqual([expect.stringMatching(/-r20260101T000000Z$/), expect.stringMatching(/-r20260101T000000Z$/), expect.stringMatching(/-r20260101T000000Z$/)]);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'backfill batch routed', function: 'backfill', items: 3, started: 3 }));
  });
});
