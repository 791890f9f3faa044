/** DynamoDB of the local stack: dynalite with the tables of serverless.yml and optional fault injection (docs/LOCAL.md). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { localDynamoDbClient } from '../clients.js';
import type { Closers } from '../closers.js';
import { ignoreExisting } from '../ignore-existing.js';
import { closeServer, listen, LOOPBACK } from '../net.js';
import { createTables } from '../table-definitions.js';
import { countRequests, dynamoDbRequestLabel, type RequestCounter } from '../request-counter.js';

export interface DynamoDbServiceOptions {
  port: number;
  /** Tables are kept in `<dataDir>/dynamodb`; absent: in memory. */
  dataDir?: string;
  /** serverless.yml, whose table resources are created. */
  serverlessYml: string;
  /** Logical ID in serverless.yml (`MappingsTable`) → the table name to create. */
  tables: Record<string, string>;
  /** Called before every call of the stack's client with the command's name; an error returned is thrown instead. */
  fault?: (commandName: string) => Error | undefined;
}

export interface DynamoDbService {
  endpoint: string;
  client: DynamoDBClient;
  /** Requests received, by operation. */
  requests: RequestCounter;
}

export async function startDynamoDbService(options: DynamoDbServiceOptions, closers: Closers): Promise<DynamoDbService> {
  const path = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  if (path) mkdirSync(path, { recursive: true });
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  const requests = countRequests(server, dynamoDbRequestLabel);
  const port = await listen(server, options.port);
  closers.add(() => closeServer(server));
  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = localDynamoDbClient(endpoint);
  closers.add(() => client.destroy());
  if (options.fault) injectFaults(client, options.fault);
  // One table at a time, so that with a dataDir a table kept from the last run is not an error.
  for (const [logicalId, tableName] of Object.entries(options.tables)) {
    await ignoreExisting(() => createTables(client, options.serverlessYml, { [logicalId]: tableName }), ['ResourceInUseException']);
  }
  return { endpoint, client, requests };
}

function injectFaults(client: DynamoDBClient, fault: (commandName: string) => Error | undefined): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const error = fault(context.commandName ?? '');
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'localDynamodbFault' },
  );
}
