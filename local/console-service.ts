/** The console as the local stack serves it: its reads wired to the stack's clients and adapters (docs/LOCAL.md). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { S3CaptureLister } from '../src/aws/capture-lister.js';
import type { DynamoDbMappingStore } from '../src/aws/dynamodb-mapping-store.js';
import { ExecutionInspector } from '../src/aws/execution-inspector.js';
import { createQuarantineReader } from '../src/aws/quarantine-reader.js';
import type { MappingItem } from '../src/contracts.js';
import type { MappingResolver } from '../src/routing/mapping-resolver.js';
import type { Closers } from './closers.js';
import { startConsoleServer } from './console-server.js';
import type { StackNames } from './stack-names.js';

/** The console lists at most this many capture objects: it shows the newest 100. */
const MAX_LISTED_FILES = 5000;

export interface ConsoleServiceOptions {
  port: number;
  clients: { s3: S3Client; dynamodb: DynamoDBClient; sfn: SFNClient };
  names: StackNames;
  stateMachineArn: string;
  mappingStore: DynamoDbMappingStore;
  resolver: MappingResolver;
}

/** Starts the console; resolves to its URL (…/console). */
export async function startConsoleService(options: ConsoleServiceOptions, closers: Closers): Promise<string> {
  const { clients, names, mappingStore } = options;
  const captureLister = new S3CaptureLister(clients.s3, names.captureBucket);
  const server = await startConsoleServer({
    // The same adapters as `capture-router executions`, so the console shows what the CLI prints.
    inspector: new ExecutionInspector(clients.sfn, clients.dynamodb, { stateMachineArn: options.stateMachineArn, ingestionsTable: names.ingestionsTable }),
    listMappings: async () => {
      const items: MappingItem[] = [];
      let cursor: string | undefined;
      do {
        const page = await mappingStore.listMappings({ cursor });
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return items;
    },
    listFiles: async () => {
      const objects: Array<{ key: string; size: number; lastModified?: string }> = [];
      let continuationToken: string | undefined;
      do {
        const page = await captureLister.list({ prefix: '', continuationToken });
        objects.push(...page.objects);
        continuationToken = page.continuationToken;
      } while (continuationToken && objects.length < MAX_LISTED_FILES);
      return objects;
    },
    resolve: (key) => options.resolver.resolve(key),
    // The execution view shows a quarantine object's first reasons, read from the stack's own S3.
    readQuarantine: createQuarantineReader(clients.s3),
    captureBucket: names.captureBucket,
    artifactsBucket: names.artifactsBucket,
    port: options.port,
  });
  closers.add(() => server.close());
  return server.url;
}
