/**
 * The router Lambda's composition: its configuration, its dependencies built from SDK clients, and the middy
 * handler. handler.ts calls these with process.env and real clients; the local stack and the tests with theirs.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../../src/aws/clients.js';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import { envReader } from '../../src/config.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import type { TelemetryPorts } from '../../src/observability/telemetry.js';
import { MappingResolver } from '../../src/routing/mapping-resolver.js';
import { DEFAULT_TTL_MS } from '../../src/routing/ttl-cache.js';
import { routeEvent, type RouteEventDeps, type RouterEvent, type RouteSummary } from './route-event.js';

export interface RouterConfig {
  mappingsTable: string;
  stateMachineArn: string;
  cacheTtlMs: number;
  /** The `Function` metric dimension (AWS_LAMBDA_FUNCTION_NAME); default `router`. */
  functionName?: string;
}

/** Reads the router's configuration; throws naming the first missing or invalid variable. */
export function readRouterConfig(env: Readonly<Record<string, string | undefined>>): RouterConfig {
  const read = envReader('router', env);
  const functionName = read.optionalString('AWS_LAMBDA_FUNCTION_NAME');
  return {
    mappingsTable: read.string('MAPPINGS_TABLE'),
    stateMachineArn: read.string('STATE_MACHINE_ARN'),
    cacheTtlMs: read.number('MAPPING_CACHE_TTL_SECONDS', { min: 0, fallback: DEFAULT_TTL_MS / 1000, unit: 'seconds' }) * 1000,
    ...(functionName ? { functionName } : {}),
  };
}

export interface RouterDeps extends RouteEventDeps {
  addContext: TelemetryPorts['addContext'];
}

/**
 * The router's dependencies. Built once per container: the clients keep their connections, and the resolver's
 * cache lives as long as the container.
 */
export function buildRouterDeps(
  config: RouterConfig,
  clients: Pick<AwsClients, 'dynamodb' | 'sfn'>,
  overrides: { telemetry?: TelemetryPorts; concurrency?: number } = {},
): RouterDeps {
  const store = new DynamoDbMappingStore(clients.dynamodb, config.mappingsTable);
  // Powertools Logger (JSON, with the Lambda context) and Metrics (EMF lines): the same fields as validate and upload.
  const telemetry = overrides.telemetry ?? createTelemetry('router', config.functionName ?? 'router');
  return {
    resolver: new MappingResolver((prefixes) => store.getMappings(prefixes), { ttlMs: config.cacheTtlMs }),
    starter: new SfnWorkflowStarter(clients.sfn, config.stateMachineArn),
    log: telemetry.log,
    metrics: telemetry.metrics,
    addContext: telemetry.addContext,
    ...(overrides.concurrency !== undefined ? { concurrency: overrides.concurrency } : {}),
  };
}

export function createRouterHandler(deps: RouterDeps) {
  return middy<RouterEvent, RouteSummary>().handler((event: RouterEvent, context: Context) => {
    deps.addContext(context);
    return routeEvent(event, deps);
  });
}
