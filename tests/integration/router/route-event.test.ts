import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { routeEvent, type RouteEventDeps } from '../../../functions/router/route-event.js';
import { DynamoDbMappingStore } from '../../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../../src/aws/sfn-workflow-starter.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import { createMappingsTable, startDynalite, type DynaliteServer } from '../../support/dynalite-server.js';
import { captureKey, objectCreatedEvent, s3TestEvent } from '../../support/s3-event.js';
import { startSfnStubServer, type SfnStubServer } from '../../support/sfn-stub-server.js';
import { emfLineMetrics, jsonLineLog } from '../../../src/observability/telemetry.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-ingest';

let db: DynaliteServer;
let dynamo: DynamoDBClient;
let sfn: SfnStubServer;
let sfnClient: SFNClient;
let tableName: string;
let tableCount = 0;
let store: DynamoDbMappingStore;
let lines: string[];

beforeAll(async () => {
  [db, sfn] = await Promise.all([startDynalite(), startSfnStubServer({ stateMachineArns: [ARN] })]);
  dynamo = db.client();
  sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});
afterAll(async () => {
  sfnClient.destroy();
  await Promise.all([db.close(), sfn.close()]);
});
beforeEach(async () => {
  tableName = `mappings-${++tableCount}`;
  await createMappingsTable(dynamo, tableName);
  store = new DynamoDbMappingStore(dynamo, tableName);
  sfn.reset();
  lines = [];
});

const write = (line: string) => void lines.push(line);

/** The router as handler.ts wires it, with a fresh cache, against dynalite and the Step Functions stub. */
function deps(options: { ttlMs?: number; now?: () => number } = {}): RouteEventDeps {
  return {
    resolver: new MappingResolver((prefixes) => store.getMappings(prefixes), options),
    starter: new SfnWorkflowStarter(sfnClient, ARN),
    log: jsonLineLog(write),
    metrics: emfLineMetrics(write, 'router'),
  };
}
const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const inputs = () => sfn.executions.map((e) => JSON.parse(e.input) as WorkflowInput);

describe('routing S3 events against dynalite and the Step Functions stub', () => {
  it('starts one execution for every record of an event', async () => {
    await store.putMapping({ prefix: 'captures/churn/', modelId: 'model-churn' });
    await store.putMapping({ prefix: 'captures/fraud/', modelId: 'model-fraud', arthurHost: 'https://arthur.example.com' });
    const keys = [captureKey('captures', 'churn', 1), captureKey('captures', 'fraud', 2), captureKey('captures', 'churn', 3)];
    const event = objectCreatedEvent({ key: keys[0], versionId: 'v1', size: 111 }, { key: keys[1] }, { key: keys[2] });

    const summary = await routeEvent(event, deps());

    expect(summary).toEqual({ records: 3, started: 3, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0, failed: 0 });
    expect(inputs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: keys[0], versionId: 'v1', size: 111, modelId: 'model-churn', mappingPrefix: 'captures/churn/' }),
        expect.objectContaining({ key: keys[1], modelId: 'model-fraud', arthurHost: 'https://arthur.example.com' }),
        expect.objectContaining({ key: keys[2], modelId: 'model-churn' }),
      ]),
    );
    expect(new Set(sfn.executions.map((e) => e.name)).size).toBe(3);
    expect(sfn.executions.every((e) => /^churn-AllTraffic-|^fraud-AllTraffic-/.test(e.name))).toBe(true);
  });

  it('ignores an s3:TestEvent: no DynamoDB read, no execution', async () => {
    const before = db.operations.length;
    const summary = await routeEvent(s3TestEvent(), deps());
    expect(summary.records).toBe(0);
    expect(db.operations.length).toBe(before);
    expect(sfn.requests).toHaveLength(0);
  });

  it.each([
    ['a space (sent as "+")', 'captures/my endpoint/', 'captures/my endpoint/AllTraffic/f 1.jsonl'],
    ['a literal plus (sent as "%2B")', 'captures/a+b/', 'captures/a+b/AllTraffic/x+y.jsonl'],
    ['accented letters', 'captures/modèle-ü/', 'captures/modèle-ü/AllTraffic/café.jsonl'],
    ['CJK and emoji', 'captures/模型/', 'captures/模型/🚀/数据.jsonl'],
    ['reserved characters', 'captures/a=b&c/', 'captures/a=b&c/d?e#f.jsonl'],
  ])('resolves a URL-encoded key with %s and passes it on decoded', async (_case, prefix, key) => {
    await store.putMapping({ prefix, modelId: 'model-x' });
    const event = objectCreatedEvent({ key });
    expect(event.Records[0].s3.object.key).not.toBe(key); // it really travelled encoded

    expect(await routeEvent(event, deps())).toMatchObject({ started: 1 });
    expect(inputs()).toEqual([expect.objectContaining({ key, mappingPrefix: prefix, modelId: 'model-x' })]);
    expect(sfn.executions[0].name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
  });

  it('sends each key to its longest matching prefix, and models/a/ never catches models/ab/', async () => {
    await store.putMapping({ prefix: 'models/', modelId: 'all' });
    await store.putMapping({ prefix: 'models/a/', modelId: 'a' });
    await store.putMapping({ prefix: 'models/a/v2/', modelId: 'a-v2' });
    const event = objectCreatedEvent(
      { key: 'models/a/v2/2024/05/01/13/f.jsonl' },
      { key: 'models/a/v1/f.jsonl' },
      { key: 'models/ab/f.jsonl' },
      { key: 'models//a//v2/f.jsonl' },
    );
    await routeEvent(event, deps());
    const modelOf = new Map(inputs().map((i) => [i.key, `${i.modelId} @ ${i.mappingPrefix}`]));
    expect(Object.fromEntries(modelOf)).toEqual({
      'models/a/v2/2024/05/01/13/f.jsonl': 'a-v2 @ models/a/v2/',
      'models/a/v1/f.jsonl': 'a @ models/a/',
      'models/ab/f.jsonl': 'all @ models/',
      'models//a//v2/f.jsonl': 'a-v2 @ models/a/v2/',
    });
  });

  it('starts nothing for unmatched and disabled keys, and logs each with its reason and an EMF metric', async () => {
    await store.putMapping({ prefix: 'models/', modelId: 'all' });
    await store.putMapping({ prefix: 'models/paused/', modelId: 'paused', enabled: false });
    const event = objectCreatedEvent({ key: 'elsewhere/f.jsonl' }, { key: 'models/paused/f.jsonl' });

    const summary = await routeEvent(event, deps());

    expect(summary).toMatchObject({ records: 2, started: 0, unrouted: 1, disabled: 1 });
    expect(sfn.requests).toHaveLength(0);
    const unrouted = logs().filter((l) => l.message === 'capture file not routed');
    expect(unrouted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bucket: 'datacapture', key: 'elsewhere/f.jsonl', reason: 'no-mapping' }),
        expect.objectContaining({ bucket: 'datacapture', key: 'models/paused/f.jsonl', reason: 'mapping-disabled', mappingPrefix: 'models/paused/' }),
      ]),
    );
    const metrics = logs().filter((l) => l._aws !== undefined);
    expect(metrics.map((m) => m.Reason).sort()).toEqual(['mapping-disabled', 'no-mapping']);
    expect(metrics.every((m) => m.FilesUnrouted === 1)).toBe(true);
  });

  it('starts one execution when the same event is delivered three times', async () => {
    await store.putMapping({ prefix: 'captures/churn/', modelId: 'model-churn' });
    const event = objectCreatedEvent({ key: captureKey('captures', 'churn', 7), eTag: 'aaaabbbbccccddddeeeeffff00001111' });

    const summaries = [];
    for (let delivery = 0; delivery < 3; delivery += 1) summaries.push(await routeEvent(event, deps()));

    expect(sfn.executions).toHaveLength(1);
    expect(sfn.requests).toHaveLength(3);
    expect(summaries.map((s) => [s.started, s.alreadyDelivered])).toEqual([[1, 0], [0, 1], [0, 1]]);
  });

  it('starts a new execution when the same key is overwritten with different bytes (new ETag)', async () => {
    await store.putMapping({ prefix: 'm/', modelId: 'x' });
    await routeEvent(objectCreatedEvent({ key: 'm/f.jsonl', eTag: '11111111111111111111111111111111' }), deps());
    await routeEvent(objectCreatedEvent({ key: 'm/f.jsonl', eTag: '22222222222222222222222222222222' }), deps());
    expect(sfn.executions).toHaveLength(2);
  });

  it('serves many keys of one prefix with a single BatchGetItem, counted on the wire', async () => {
    await store.putMapping({ prefix: 'captures/churn/', modelId: 'model-churn' });
    const router = deps();
    const before = db.count('BatchGetItem');

    for (let batch = 0; batch < 5; batch += 1) {
      const specs = Array.from({ length: 10 }, (_, i) => ({ key: captureKey('captures', 'churn', batch * 10 + i) }));
      await routeEvent(objectCreatedEvent(...specs), router);
    }

    expect(sfn.executions).toHaveLength(50);
    expect(db.count('BatchGetItem') - before).toBe(1);
  });

  it('reads the table again once the cache TTL has passed, and sees a newly added mapping', async () => {
    let now = 0;
    const router = deps({ ttlMs: 60_000, now: () => now });
    const before = db.count('BatchGetItem');

    expect(await routeEvent(objectCreatedEvent({ key: 'late/a/f1.jsonl' }), router)).toMatchObject({ unrouted: 1 });
    await store.putMapping({ prefix: 'late/', modelId: 'late-model' });
    expect(await routeEvent(objectCreatedEvent({ key: 'late/a/f2.jsonl' }), router)).toMatchObject({ unrouted: 1 });
    now = 60_000;
    expect(await routeEvent(objectCreatedEvent({ key: 'late/a/f3.jsonl' }), router)).toMatchObject({ started: 1 });

    expect(db.count('BatchGetItem') - before).toBe(2);
  });

  it('throws after trying every record when the mappings table cannot be read', async () => {
    store = new DynamoDbMappingStore(dynamo, 'table-that-does-not-exist');
    const event = objectCreatedEvent({ key: 'm/a/f1.jsonl' }, { key: 'n/b/f2.jsonl' });
    await expect(routeEvent(event, deps())).rejects.toMatchObject({
      name: 'RouteEventError',
      summary: { records: 2, failed: 2 },
      cause: expect.objectContaining({ name: 'MappingStoreError' }),
    });
    expect(sfn.requests).toHaveLength(0);
  });

  it('throws when Step Functions refuses, so the event is retried, and the retry starts only what is missing', async () => {
    await store.putMapping({ prefix: 'm/', modelId: 'x' });
    const event = objectCreatedEvent({ key: 'm/f1.jsonl' }, { key: 'm/f2.jsonl' });
    sfn.failNext({ type: 'StateMachineDeleting', status: 400 });
    const router = { ...deps(), concurrency: 1 };

    await expect(routeEvent(event, router)).rejects.toMatchObject({
      name: 'RouteEventError',
      summary: { started: 1, failed: 1 },
      cause: expect.objectContaining({ name: 'WorkflowStartError' }),
    });
    expect(await routeEvent(event, router)).toMatchObject({ started: 1, alreadyDelivered: 1 });
    expect(sfn.executions.map((e) => JSON.parse(e.input).key).sort()).toEqual(['m/f1.jsonl', 'm/f2.jsonl']);
  });
});
