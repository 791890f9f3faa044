import { BatchGetItemCommand, type AttributeValue, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IngestionLedgerError, type IngestionLedger, type LedgerEntry } from '../routing/ingestion-ledger.js';

/** DynamoDB's limit of keys per BatchGetItem request. */
const BATCH_GET_MAX_KEYS = 100;

/**
 * The ingestions table (partition key `objectKey`) read as the ledger. Strongly consistent reads: a record written
 * a moment ago by a finishing execution must count, or a replay racing it would send the file again
 * (DynamoDB Developer Guide, "Read consistency": BatchGetItem takes ConsistentRead per table).
 */
export class DynamoDbIngestionLedger implements IngestionLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxAttempts = 5,
  ) {}

  async lookup(objectKeys: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    for (let at = 0; at < objectKeys.length; at += BATCH_GET_MAX_KEYS) {
      await this.chunk(objectKeys.slice(at, at + BATCH_GET_MAX_KEYS), entries);
    }
    return entries;
  }

  private async chunk(keys: readonly string[], into: Map<string, LedgerEntry>): Promise<void> {
    let pending: Array<Record<string, AttributeValue>> = keys.map((objectKey) => ({ objectKey: { S: objectKey } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.maxAttempts) throw new IngestionLedgerError(`${this.tableName}: ${pending.length} keys left unprocessed after ${this.maxAttempts} BatchGetItem requests`);
      let output: BatchGetItemCommandOutput;
      try {
        output = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: 'objectKey, #status, etag, versionId, executionName',
                ExpressionAttributeNames: { '#status': 'status' },
              },
            },
          }),
        );
      } catch (error) {
        throw new IngestionLedgerError(`reading ${this.tableName} failed: ${(error as Error).name}`, { cause: error });
      }
      for (const item of output.Responses?.[this.tableName] ?? []) {
        const objectKey = item.objectKey?.S;
        if (objectKey !== undefined) into.set(objectKey, entryOf(item));
      }
      pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
    }
  }
}

function entryOf(item: Record<string, AttributeValue>): LedgerEntry {
  return {
    status: item.status?.S ?? '',
    ...(item.etag?.S !== undefined ? { etag: item.etag.S } : {}),
    ...(item.versionId?.S !== undefined ? { versionId: item.versionId.S } : {}),
    ...(item.executionName?.S !== undefined ? { executionName: item.executionName.S } : {}),
  };
}
