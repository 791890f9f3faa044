/**
 * The router Lambda: one bucket-wide S3 notification (ObjectCreated, suffix .jsonl) invokes it asynchronously.
 * Composition root only: configuration is read and clients are built once per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import { MappingResolver } from '../../src/routing/mapping-resolver.js';
import { DEFAULT_TTL_MS } from '../../src/routing/ttl-cache.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import { routeEvent, type RouterEvent, type RouteSummary } from './route-event.js';

export interface RouterConfig {
  mappingsTable: string;
  stateMachineArn: string;
  cacheTtlMs: number;
}

/** Reads the router's configuration; throws naming the first missing or invalid variable. */
export function readRouterConfig(env: NodeJS.ProcessEnv): RouterConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`router: environment variable ${name} is required but not set`);
    return value;
  };
  const ttl = env.MAPPING_CACHE_TTL_SECONDS?.trim();
  const ttlSeconds = ttl ? Number(ttl) : DEFAULT_TTL_MS / 1000;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new Error(`router: environment variable MAPPING_CACHE_TTL_SECONDS must be a number of seconds ≥ 0, got ${JSON.stringify(ttl)}`);
  }
  return {
    mappingsTable: required('MAPPINGS_TABLE'),
    stateMachineArn: required('STATE_MACHINE_ARN'),
    cacheTtlMs: ttlSeconds * 1000,
  };
}

const config = readRouterConfig(process.env);

// Built once per container: the clients keep their connections, and the resolver's cache lives as long as the
// container. Endpoints come from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SFN when set (local stack, tests).
const store = new DynamoDbMappingStore(new DynamoDBClient({}), config.mappingsTable);
const resolver = new MappingResolver((prefixes) => store.getMappings(prefixes), { ttlMs: config.cacheTtlMs });
const starter = new SfnWorkflowStarter(new SFNClient({}), config.stateMachineArn);
// stdout directly: Lambda's console.log prefixes each line, and an EMF document must be the whole log line.
const write = (line: string) => void process.stdout.write(`${line}\n`);
// Powertools Logger (JSON, with the Lambda context) and Metrics (EMF lines): the same fields as validate and upload.
const telemetry = createTelemetry('router', process.env.AWS_LAMBDA_FUNCTION_NAME || 'router');

export const handler = middy<RouterEvent, RouteSummary>().handler((event, context) => {
  telemetry.addContext(context);
  return routeEvent(event, { resolver, starter, write, log: telemetry.log, metrics: telemetry.metrics });
});
