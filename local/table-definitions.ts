/**
 * The DynamoDB tables as serverless.yml declares them, for emulators (dynalite): one definition, so a key or
 * index added for the deployed stack exists in the local stack and the tests too.
 */
import { readFileSync } from 'node:fs';
import { CreateTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse as parseYaml } from 'yaml';

type TableDefinition = Omit<CreateTableCommandInput, 'TableName'>;

/** Every `AWS::DynamoDB::Table` of serverless.yml's resources, by logical ID, as CreateTable input without a name. */
export function readTableDefinitions(serverlessYmlPath: string): Record<string, TableDefinition> {
  const config = parseYaml(readFileSync(serverlessYmlPath, 'utf8')) as { resources?: unknown };
  // `resources` is a map, or a list of fragments that osls merges.
  const fragments = (Array.isArray(config.resources) ? config.resources : [config.resources]) as Array<{
    Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> | string;
  }>;
  const tables: Record<string, TableDefinition> = {};
  for (const fragment of fragments) {
    if (!fragment || typeof fragment.Resources !== 'object') continue;
    for (const [logicalId, resource] of Object.entries(fragment.Resources)) {
      if (resource.Type !== 'AWS::DynamoDB::Table') continue;
      const p = resource.Properties ?? {};
      tables[logicalId] = {
        KeySchema: p.KeySchema as TableDefinition['KeySchema'],
        AttributeDefinitions: p.AttributeDefinitions as TableDefinition['AttributeDefinitions'],
        BillingMode: p.BillingMode as TableDefinition['BillingMode'],
        ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as TableDefinition['GlobalSecondaryIndexes'] } : {}),
      };
    }
  }
  return tables;
}

/**
 * Creates the tables named in `names` (logical ID → table name) with serverless.yml's definitions.
 * @example await createTables(client, 'serverless.yml', { IngestionsTable: 'ingestions', MappingsTable: 'mappings' });
 */
export async function createTables(client: DynamoDBClient, serverlessYmlPath: string, names: Record<string, string>): Promise<void> {
  const definitions = readTableDefinitions(serverlessYmlPath);
  for (const [logicalId, tableName] of Object.entries(names)) {
    const definition = definitions[logicalId];
    if (!definition) throw new Error(`${serverlessYmlPath} declares no table ${logicalId}`);
    await client.send(new CreateTableCommand({ ...definition, TableName: tableName }));
  }
}
