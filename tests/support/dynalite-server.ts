/**
 * An in-memory dynalite (DynamoDB's JSON protocol) on a free port, for tests that drive the real DynamoDBClient.
 * It records the `X-Amz-Target` of every HTTP request, so a test can count round trips on the wire.
 */
import { CreateTableCommand, type DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { localDynamoDbClient } from '../../local/clients.js';
import { closeServer, listen } from '../../local/net.js';

export interface DynaliteServer {
  endpoint: string;
  /** Operation of each request received, in order (`BatchGetItem`, `PutItem`, …). */
  operations: string[];
  /** How many requests of one operation were received. */
  count(operation: string): number;
  /** A real DynamoDBClient for this server (dummy credentials). */
  client(config?: DynamoDBClientConfig): DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const operations: string[] = [];
  server.on('request', (req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    operations.push(target.slice(target.indexOf('.') + 1));
  });
  const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    operations,
    count: (operation) => operations.filter((o) => o === operation).length,
    client(config = {}) {
      const client = localDynamoDbClient(endpoint, config);
      clients.push(client);
      return client;
    },
    close() {
      for (const client of clients) client.destroy();
      return closeServer(server);
    },
  };
}

/** The mappings table as serverless.yml declares it: partition key `prefix` (S), on-demand. */
export async function createMappingsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'prefix', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'prefix', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
