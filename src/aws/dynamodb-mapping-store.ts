import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { MappingItem } from '../contracts.js';
import { normalizePrefix } from '../routing/prefix.js';
import {
  InvalidMappingCursorError,
  MappingConflictError,
  MappingItemInvalidError,
  MappingStoreError,
  type MappingInput,
  type MappingPage,
  type MappingStore,
} from './mapping-store.js';

/** DynamoDB's limit of keys per BatchGetItem request. */
export const BATCH_GET_MAX_KEYS = 100;

/** Options of {@link DynamoDbMappingStore}. */
export interface DynamoDbMappingStoreOptions {
  /** Requests per chunk of keys, counting the first, while DynamoDB leaves keys unprocessed. Default 5. */
  maxBatchAttempts?: number;
  /** Backoff before re-requesting unprocessed keys: full jitter over base·2^n, capped. Defaults 25 ms and 1 s. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

const KEY = 'prefix';
const OPTIONAL_FIELDS = ['arthurHost', 'tokenSecretArn', 'organizationId', 'description'] as const;

/**
 * The mappings table in DynamoDB (partition key `prefix`, a string). The client is injected so a Lambda builds it
 * once per container and tests point it at dynalite.
 */
export class DynamoDbMappingStore implements MappingStore {
  private readonly maxBatchAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbMappingStoreOptions = {},
  ) {
    this.maxBatchAttempts = Math.max(1, options.maxBatchAttempts ?? 5);
    this.backoffBaseMs = options.backoffBaseMs ?? 25;
    this.backoffCapMs = options.backoffCapMs ?? 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  async getMappings(prefixes: readonly string[]): Promise<Map<string, MappingItem>> {
    const unique = [...new Set(prefixes)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX_KEYS) chunks.push(unique.slice(i, i + BATCH_GET_MAX_KEYS));
    const found = new Map<string, MappingItem>();
    const pages = await Promise.all(chunks.map((chunk) => this.batchGet(chunk)));
    for (const items of pages) for (const item of items) found.set(item.prefix, item);
    return found;
  }

  async getMapping(prefix: string): Promise<MappingItem | undefined> {
    const key = { [KEY]: { S: normalizePrefix(prefix) } };
    const output = await this.call('GetItem', () => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key })));
    return output.Item ? toMappingItem(output.Item) : undefined;
  }

  async putMapping(input: MappingInput, options: { expectedVersion?: number } = {}): Promise<MappingItem> {
    const prefix = normalizePrefix(input.prefix);
    if (typeof input.modelId !== 'string' || input.modelId.trim() === '') {
      throw new MappingItemInvalidError(prefix, `mapping ${prefix}: modelId must be a non-empty string`);
    }
    const now = this.now().toISOString();
    const names: Record<string, string> = {
      '#modelId': 'modelId', '#enabled': 'enabled', '#createdAt': 'createdAt', '#updatedAt': 'updatedAt', '#version': 'version',
    };
    const values: Record<string, unknown> = { ':modelId': input.modelId, ':enabled': input.enabled ?? true, ':now': now, ':zero': 0, ':one': 1 };
    const set = [
      '#modelId = :modelId', '#enabled = :enabled', '#updatedAt = :now',
      '#createdAt = if_not_exists(#createdAt, :now)', '#version = if_not_exists(#version, :zero) + :one',
    ];
    const remove: string[] = [];
    for (const field of OPTIONAL_FIELDS) {
      names[`#${field}`] = field;
      const value = input[field];
      if (value !== undefined && value !== '') {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      } else {
        remove.push(`#${field}`);
      }
    }
    // The kind is stored only for ground truth: a capture item looks exactly as it did before kinds existed.
    const groundTruth = input.kind === 'groundTruth';
    names['#kind'] = 'kind';
    names['#groundTruthAttributes'] = 'groundTruthAttributes';
    if (groundTruth) {
      set.push('#kind = :kind', '#groundTruthAttributes = :groundTruthAttributes');
      values[':kind'] = 'groundTruth';
      values[':groundTruthAttributes'] = [...(input.groundTruthAttributes ?? [])];
    } else {
      remove.push('#kind', '#groundTruthAttributes');
    }
    let condition: string | undefined;
    if (options.expectedVersion !== undefined) {
      if (options.expectedVersion === 0) {
        names['#prefix'] = KEY;
        condition = 'attribute_not_exists(#prefix)';
      } else {
        condition = '#version = :expected';
        values[':expected'] = options.expectedVersion;
      }
    }
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: { [KEY]: { S: prefix } },
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
      ReturnValues: 'ALL_NEW',
    });
    let attributes: Record<string, AttributeValue> | undefined;
    try {
      attributes = (await this.client.send(command)).Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException') {
        throw new MappingConflictError(
          prefix,
          options.expectedVersion === 0
            ? `mapping ${prefix} already exists`
            : `mapping ${prefix} is no longer at version ${options.expectedVersion}`,
          { cause: error, expectedVersion: options.expectedVersion },
        );
      }
      throw this.storeError('UpdateItem', error);
    }
    return toMappingItem(attributes ?? {});
  }

  async deleteMapping(prefix: string): Promise<MappingItem | undefined> {
    const key = { [KEY]: { S: normalizePrefix(prefix) } };
    const output = await this.call('DeleteItem', () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' })),
    );
    return output.Attributes ? toMappingItem(output.Attributes) : undefined;
  }

  async listMappings(options: { limit?: number; cursor?: string } = {}): Promise<MappingPage> {
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const output = await this.call('Scan', () =>
      this.client.send(new ScanCommand({ TableName: this.tableName, Limit: options.limit, ExclusiveStartKey: start })),
    );
    const items = (output.Items ?? []).map(toMappingItem).sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    return output.LastEvaluatedKey ? { items, cursor: encodeCursor(output.LastEvaluatedKey) } : { items };
  }

  /** One chunk of ≤ 100 keys; re-requests what DynamoDB left unprocessed, a bounded number of times. */
  private async batchGet(prefixes: string[]): Promise<MappingItem[]> {
    const items: MappingItem[] = [];
    let keys: Array<Record<string, AttributeValue>> = prefixes.map((prefix) => ({ [KEY]: { S: prefix } }));
    for (let attempt = 1; ; attempt += 1) {
      const output = await this.call('BatchGetItem', () =>
        this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } })),
      );
      for (const raw of output.Responses?.[this.tableName] ?? []) items.push(toMappingItem(raw));
      keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (keys.length === 0) return items;
      if (attempt >= this.maxBatchAttempts) {
        // Treating the leftovers as "no mapping" would silently drop their files: fail so the event is retried.
        throw new MappingStoreError(
          `BatchGetItem on ${this.tableName} left ${keys.length} of ${prefixes.length} keys unprocessed after ${attempt} attempts`,
        );
      }
      // Unprocessed keys mean the table is throttling: back off (full jitter) before asking again.
      await this.sleep(Math.floor(this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (attempt - 1))));
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.storeError(operation, error);
    }
  }

  private storeError(operation: string, error: unknown): Error {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new MappingStoreError(`${operation} on mappings table ${this.tableName} failed: ${detail}`, { cause: error });
  }
}

/** Checks the shape of a stored item: a hand-edited item must fail loudly, not route files somewhere unexpected. */
function toMappingItem(raw: Record<string, AttributeValue>): MappingItem {
  const item = unmarshall(raw) as Record<string, unknown>;
  const prefix = typeof item.prefix === 'string' ? item.prefix : '';
  const invalid = (problem: string) => new MappingItemInvalidError(prefix, `mapping item ${JSON.stringify(prefix)} ${problem}`);
  if (prefix === '') throw invalid('has no string prefix');
  if (typeof item.modelId !== 'string' || item.modelId === '') throw invalid('has no modelId (a non-empty string)');
  // Absent means enabled: an operator who writes {prefix, modelId} by hand means "route these files".
  if (item.enabled !== undefined && typeof item.enabled !== 'boolean') throw invalid('has a non-boolean enabled');
  const mapping: MappingItem = {
    prefix,
    modelId: item.modelId,
    enabled: item.enabled !== false,
    createdAt: typeof item.createdAt === 'string' ? item.createdAt : '',
    updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : '',
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = item[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(`has a non-string ${field}`);
    if (value !== '') mapping[field] = value;
  }
  if (item.kind !== undefined && item.kind !== 'capture' && item.kind !== 'groundTruth') throw invalid('has a kind that is neither capture nor groundTruth');
  if (item.kind === 'groundTruth') {
    const attributes = item.groundTruthAttributes;
    if (!Array.isArray(attributes) || attributes.length === 0 || !attributes.every((a) => typeof a === 'string' && a !== '')) {
      throw invalid('is a groundTruth mapping without groundTruthAttributes (a non-empty list of names)');
    }
    mapping.kind = 'groundTruth';
    mapping.groundTruthAttributes = attributes as string[];
  }
  if (typeof item.version === 'number') mapping.version = item.version;
  return mapping;
}

function encodeCursor(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, AttributeValue> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const prefix = (key as Record<string, { S?: unknown }>)?.[KEY]?.S;
    if (typeof prefix === 'string' && Object.keys(key as object).length === 1) return { [KEY]: { S: prefix } };
  } catch (error) {
    throw new InvalidMappingCursorError('cursor is not one this store handed out', { cause: error });
  }
  throw new InvalidMappingCursorError('cursor is not one this store handed out');
}
