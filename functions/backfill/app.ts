/**
 * The backfill task's composition: configuration, dependencies from SDK clients, the middy handler.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../../src/aws/clients.js';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import { DynamoDbIngestionLedger } from '../../src/aws/dynamodb-ingestion-ledger.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import { envReader } from '../../src/config.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import type { TelemetryPorts } from '../../src/observability/telemetry.js';
import { MappingResolver } from '../../src/routing/mapping-resolver.js';
import { routeBatch, type BackfillBatchEvent, type BackfillBatchResult, type BackfillDeps } from './route-batch.js';

export interface BackfillConfig {
  captureBucket: string;
  mappingsTable: string;
  stateMachineArn: string;
  /** The ingestions table (INGESTIONS_TABLE): the backfill skips what it records as delivered. */
  ingestionsTable?: string;
  /** The `Function` metric dimension (AWS_LAMBDA_FUNCTION_NAME); default `backfill`. */
  functionName?: string;
}

/** Reads the backfill function's configuration; throws naming the first missing variable. */
export function readBackfillConfig(env: Readonly<Record<string, string | undefined>>): BackfillConfig {
  const read = envReader('backfill', env);
  const functionName = read.optionalString('AWS_LAMBDA_FUNCTION_NAME');
  const ingestionsTable = read.optionalString('INGESTIONS_TABLE');
  return {
    ...(ingestionsTable ? { ingestionsTable } : {}),
    captureBucket: read.string('CAPTURE_BUCKET'),
    mappingsTable: read.string('MAPPINGS_TABLE'),
    stateMachineArn: read.string('STATE_MACHINE_ARN'),
    ...(functionName ? { functionName } : {}),
  };
}

export interface BackfillHandlerDeps extends BackfillDeps {
  addContext: TelemetryPorts['addContext'];
}

export function buildBackfillDeps(
  config: BackfillConfig,
  clients: Pick<AwsClients, 'dynamodb' | 'sfn'>,
  overrides: { telemetry?: TelemetryPorts; concurrency?: number } = {},
): BackfillHandlerDeps {
  const store = new DynamoDbMappingStore(clients.dynamodb, config.mappingsTable);
  const telemetry = overrides.telemetry ?? createTelemetry('backfill', config.functionName ?? 'backfill');
  return {
    bucket: config.captureBucket,
    // A backfill reads the same folders over and over: cache per container, as the router does.
    resolver: new MappingResolver((prefixes) => store.getMappings(prefixes), { ttlMs: 60_000 }),
    starter: new SfnWorkflowStarter(clients.sfn, config.stateMachineArn),
    ...(config.ingestionsTable ? { ingestionLedger: new DynamoDbIngestionLedger(clients.dynamodb, config.ingestionsTable) } : {}),
    concurrency: overrides.concurrency ?? 8,
    log: telemetry.log,
    metrics: telemetry.metrics,
    addContext: telemetry.addContext,
  };
}

export function createBackfillHandler(deps: BackfillHandlerDeps) {
  return middy<BackfillBatchEvent, BackfillBatchResult>().handler((event: BackfillBatchEvent, context: Context) => {
    deps.addContext(context);
    return routeBatch(event, deps);
  });
}
