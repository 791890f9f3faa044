import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PutItemCommand, type BatchGetItemCommandInput, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMappingStore } from '../../../src/aws/dynamodb-mapping-store.js';
import { InvalidPrefixError } from '../../../src/routing/prefix.js';
import { createMappingsTable, startDynalite, type DynaliteServer } from '../../support/dynalite-server.js';

let db: DynaliteServer;
let client: DynamoDBClient;
let tableName: string;
let tableCount = 0;

beforeAll(async () => {
  db = await startDynalite();
  client = db.client();
});
afterAll(async () => db.close());
beforeEach(async () => {
  tableName = `mappings-${++tableCount}`;
  await createMappingsTable(client, tableName);
});

/**
 * A client whose BatchGetItem answers leave keys unprocessed, as DynamoDB does under throttling: the real request
 * reaches dynalite, then the middleware moves up to `perCall` returned items back into UnprocessedKeys.
 */
function throttlingClient(calls: number, perCall = Number.POSITIVE_INFINITY) {
  const throttled = db.client();
  let remaining = calls;
  throttled.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'BatchGetItemCommand' || remaining <= 0) return result;
      remaining -= 1;
      const input = args.input as BatchGetItemCommandInput;
      const output = result.output as BatchGetItemCommandOutput;
      const [table] = Object.keys(input.RequestItems ?? {});
      const keys = input.RequestItems![table].Keys ?? [];
      const kept = keys.slice(0, Math.max(0, keys.length - perCall));
      const keptPrefixes = new Set(kept.map((k) => k.prefix.S));
      output.Responses = { [table]: (output.Responses?.[table] ?? []).filter((item) => keptPrefixes.has(item.prefix.S)) };
      output.UnprocessedKeys = { [table]: { Keys: keys.slice(kept.length) } };
      return result;
    },
    { step: 'initialize', name: 'simulateUnprocessedKeys' },
  );
  return throttled;
}

describe('DynamoDbMappingStore against dynalite', () => {
  it('writes a mapping with its timestamps and version, and reads it back under the normalized prefix', async () => {
    const store = new DynamoDbMappingStore(client, tableName, { now: () => new Date('2024-05-01T12:00:00.000Z') });
    const written = await store.putMapping({ prefix: '/captures//churn', modelId: 'model-churn', arthurHost: 'https://a.example.com' });
    expect(written).toEqual({
      prefix: 'captures/churn/',
      modelId: 'model-churn',
      enabled: true,
      arthurHost: 'https://a.example.com',
      createdAt: '2024-05-01T12:00:00.000Z',
      updatedAt: '2024-05-01T12:00:00.000Z',
      version: 1,
    });
    expect(await store.getMapping('captures/churn')).toEqual(written);
  });

  it('keeps createdAt, bumps the version and drops omitted optional fields when a mapping is replaced', async () => {
    let now = new Date('2024-05-01T12:00:00.000Z');
    const store = new DynamoDbMappingStore(client, tableName, { now: () => now });
    await store.putMapping({ prefix: 'm/', modelId: 'a', description: 'first', tokenSecretArn: 'arn:s' });
    now = new Date('2024-05-02T12:00:00.000Z');
    const replaced = await store.putMapping({ prefix: 'm/', modelId: 'b', enabled: false });
    expect(replaced).toEqual({
      prefix: 'm/', modelId: 'b', enabled: false, createdAt: '2024-05-01T12:00:00.000Z', updatedAt: '2024-05-02T12:00:00.000Z', version: 2,
    });
  });

  it('refuses a write whose expected version is stale, and a create over an existing mapping', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    await store.putMapping({ prefix: 'm/', modelId: 'a' }, { expectedVersion: 0 });
    await expect(store.putMapping({ prefix: 'm/', modelId: 'b' }, { expectedVersion: 0 })).rejects.toMatchObject({
      name: 'MappingConflictError', prefix: 'm/', cause: expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    });
    await store.putMapping({ prefix: 'm/', modelId: 'b' }, { expectedVersion: 1 });
    await expect(store.putMapping({ prefix: 'm/', modelId: 'c' }, { expectedVersion: 1 })).rejects.toMatchObject({ name: 'MappingConflictError' });
    expect((await store.getMapping('m/'))?.modelId).toBe('b');
  });

  it('rejects an invalid prefix before calling DynamoDB', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    const before = db.operations.length;
    await expect(store.putMapping({ prefix: 'a/../b', modelId: 'x' })).rejects.toBeInstanceOf(InvalidPrefixError);
    await expect(store.getMapping('')).rejects.toMatchObject({ name: 'InvalidPrefixError', rule: 'empty' });
    expect(db.operations.length).toBe(before);
  });

  it('deletes a mapping and returns what it deleted', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    await store.putMapping({ prefix: 'm/', modelId: 'a' });
    expect(await store.deleteMapping('m')).toMatchObject({ prefix: 'm/', modelId: 'a' });
    expect(await store.deleteMapping('m')).toBeUndefined();
    expect(await store.getMapping('m/')).toBeUndefined();
  });

  it('lists every mapping across pages with an opaque cursor', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    for (let i = 0; i < 7; i += 1) await store.putMapping({ prefix: `p${i}/`, modelId: `m${i}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listMappings({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((m) => m.prefix));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(['p0/', 'p1/', 'p2/', 'p3/', 'p4/', 'p5/', 'p6/']);
    await expect(store.listMappings({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ name: 'InvalidMappingCursorError' });
  });

  it('reads all candidate prefixes of a key in one BatchGetItem, absent ones simply missing', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    await store.putMapping({ prefix: 'a/', modelId: 'A' });
    await store.putMapping({ prefix: 'a/b/', modelId: 'AB' });
    const before = db.count('BatchGetItem');
    const found = await store.getMappings(['a/b/c/', 'a/b/', 'a/', 'a/b/']);
    expect(db.count('BatchGetItem') - before).toBe(1);
    expect([...found.keys()].sort()).toEqual(['a/', 'a/b/']);
    expect(found.get('a/b/')?.modelId).toBe('AB');
  });

  it('splits more than 100 prefixes into requests of at most 100 keys', async () => {
    const store = new DynamoDbMappingStore(client, tableName);
    const prefixes = Array.from({ length: 250 }, (_, i) => `${'s/'.repeat(i + 1)}`);
    await store.putMapping({ prefix: prefixes[0], modelId: 'first' });
    await store.putMapping({ prefix: prefixes[249], modelId: 'last' });
    const before = db.count('BatchGetItem');
    const found = await store.getMappings(prefixes);
    expect(db.count('BatchGetItem') - before).toBe(3);
    expect(found.get(prefixes[0])?.modelId).toBe('first');
    expect(found.get(prefixes[249])?.modelId).toBe('last');
  });

  it('asks again for keys DynamoDB left unprocessed, backing off in between', async () => {
    await new DynamoDbMappingStore(client, tableName).putMapping({ prefix: 'a/', modelId: 'A' });
    await new DynamoDbMappingStore(client, tableName).putMapping({ prefix: 'a/b/', modelId: 'AB' });
    const delays: number[] = [];
    const store = new DynamoDbMappingStore(throttlingClient(2, 1), tableName, {
      sleep: async (ms) => void delays.push(ms),
      random: () => 1,
    });
    const before = db.count('BatchGetItem');
    const found = await store.getMappings(['a/b/', 'a/', 'x/']);
    expect(db.count('BatchGetItem') - before).toBe(3);
    expect(delays).toEqual([25, 50]);
    expect([...found.keys()].sort()).toEqual(['a/', 'a/b/']);
  });

  it('gives up after a bounded number of attempts rather than reporting unprocessed keys as unmapped', async () => {
    const store = new DynamoDbMappingStore(throttlingClient(100), tableName, { maxBatchAttempts: 3, sleep: async () => undefined });
    const before = db.count('BatchGetItem');
    await expect(store.getMappings(['a/', 'b/'])).rejects.toMatchObject({
      name: 'MappingStoreError',
      message: expect.stringContaining('2 of 2 keys unprocessed after 3 attempts'),
    });
    expect(db.count('BatchGetItem') - before).toBe(3);
  });

  it('translates a missing table into MappingStoreError with the SDK error as cause', async () => {
    const store = new DynamoDbMappingStore(client, 'no-such-table');
    await expect(store.getMappings(['a/'])).rejects.toMatchObject({
      name: 'MappingStoreError',
      message: expect.stringContaining('no-such-table'),
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
  });

  it('fails loudly on a hand-written item that is not a mapping, and accepts one without "enabled"', async () => {
    await client.send(new PutItemCommand({ TableName: tableName, Item: { prefix: { S: 'bad/' }, model: { S: 'typo' } } }));
    await client.send(new PutItemCommand({ TableName: tableName, Item: { prefix: { S: 'hand/' }, modelId: { S: 'm' } } }));
    const store = new DynamoDbMappingStore(client, tableName);
    await expect(store.getMappings(['bad/'])).rejects.toMatchObject({ name: 'MappingItemInvalidError', prefix: 'bad/' });
    expect((await store.getMappings(['hand/'])).get('hand/')).toMatchObject({ modelId: 'm', enabled: true });
  });
});
