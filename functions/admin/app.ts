/**
 * The admin API as one middy handler for API Gateway HTTP API (payload 2.0) events: routing, then the use cases.
 * handler.ts wires it to AWS; local/admin-server.ts serves it over node:http for the local stack and the tests.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { ValidateFunction } from 'ajv';
import { parseAllowlist } from '../../src/arthur/host-policy.js';
import { S3CaptureLister, type CaptureLister } from '../../src/aws/capture-lister.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import type { MappingStore } from '../../src/aws/mapping-store.js';
import { DynamoDbIngestionLedger } from '../../src/aws/dynamodb-ingestion-ledger.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import type { IngestionLedger } from '../../src/routing/ingestion-ledger.js';
import type { WorkflowStarter } from '../../src/aws/workflow-starter.js';
import { envReader } from '../../src/config.js';
import type { MappingItem } from '../../src/contracts.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import type { LogFn, MetricsSink, TelemetryPorts } from '../../src/observability/telemetry.js';
import { MappingResolver } from '../../src/routing/mapping-resolver.js';
import putMappingSchema from '../../schemas/put-mapping.json' with { type: 'json' };
import replaySchema from '../../schemas/replay.json' with { type: 'json' };
import { ClientError, badRequest } from './http-errors.js';
import { deleteMapping, getMapping, listMappings, putMapping, type PutMappingBody, type PutPreconditions } from './mappings.js';
import {
  INTERNAL_ERROR_BODY,
  bodyLimit,
  clientErrors,
  createAjv,
  errorLogger,
  jsonBody,
  requestLog,
  validateBody,
  type AdminEvent,
  type AdminResult,
} from './middleware.js';
import { replay, type ReplayBody, type ReplayLimits } from './replay.js';
import { resolveKey } from './resolve.js';

export interface AdminDeps {
  store: MappingStore;
  starter: WorkflowStarter;
  lister: CaptureLister;
  /** The idempotency record replays consult (absent: Step Functions' names only). */
  ingestionLedger?: IngestionLedger;
  /** The capture bucket (the router's notification is on it). */
  bucket: string;
  allowlist: readonly string[];
  /** See MappingDeps.mappingSecretArnPrefix. */
  mappingSecretArnPrefix?: string;
  replay?: ReplayLimits;
  now?: () => Date;
  /** Audit lines, refused and failed requests, and the routing of replays. */
  log: LogFn;
  metrics: MetricsSink;
  /** Adds the Lambda context to the log lines (Powertools); absent locally. */
  addContext?: TelemetryPorts['addContext'];
}

export interface AdminConfig {
  mappingsTable: string;
  stateMachineArn: string;
  captureBucket: string;
  allowlist: string[];
  mappingSecretArnPrefix?: string;
  replayMaxObjects: number;
  /** The ingestions table (INGESTIONS_TABLE): replays skip what it records as delivered. */
  ingestionsTable?: string;
  /** The `Function` metric dimension (AWS_LAMBDA_FUNCTION_NAME); default `admin`. */
  functionName?: string;
}

/** Reads the admin function's configuration; throws naming the first missing or invalid variable. */
export function readAdminConfig(env: Readonly<Record<string, string | undefined>>): AdminConfig {
  const read = envReader('admin', env);
  const mappingSecretArnPrefix = read.optionalString('MAPPING_SECRET_ARN_PREFIX');
  const functionName = read.optionalString('AWS_LAMBDA_FUNCTION_NAME');
  const ingestionsTable = read.optionalString('INGESTIONS_TABLE');
  return {
    mappingsTable: read.string('MAPPINGS_TABLE'),
    stateMachineArn: read.string('STATE_MACHINE_ARN'),
    captureBucket: read.string('CAPTURE_BUCKET'),
    ...(ingestionsTable ? { ingestionsTable } : {}),
    allowlist: parseAllowlist(read.string('ARTHUR_HOST_ALLOWLIST')),
    ...(mappingSecretArnPrefix ? { mappingSecretArnPrefix } : {}),
    replayMaxObjects: read.integer('REPLAY_MAX_OBJECTS', { min: 1, max: 1000, fallback: 1000 }),
    ...(functionName ? { functionName } : {}),
  };
}

/** The admin API's dependencies from SDK clients; `overrides` replace any of them (a test's store, a clock, the log). */
export function buildAdminDeps(
  config: AdminConfig,
  clients: Pick<AwsClients, 'dynamodb' | 'sfn' | 's3'>,
  overrides: Partial<AdminDeps> & { telemetry?: TelemetryPorts } = {},
): AdminDeps {
  const { telemetry: given, ...rest } = overrides;
  const telemetry = given ?? createTelemetry('admin', config.functionName ?? 'admin');
  return {
    store: new DynamoDbMappingStore(clients.dynamodb, config.mappingsTable),
    starter: new SfnWorkflowStarter(clients.sfn, config.stateMachineArn),
    lister: new S3CaptureLister(clients.s3, config.captureBucket),
    ...(config.ingestionsTable ? { ingestionLedger: new DynamoDbIngestionLedger(clients.dynamodb, config.ingestionsTable) } : {}),
    bucket: config.captureBucket,
    allowlist: config.allowlist,
    ...(config.mappingSecretArnPrefix ? { mappingSecretArnPrefix: config.mappingSecretArnPrefix } : {}),
    // API Gateway gives an integration 30 s: 1,000 objects at 8 StartExecutions in flight fit with room to spare.
    replay: { maxObjectsPerCall: config.replayMaxObjects },
    log: telemetry.log,
    metrics: telemetry.metrics,
    addContext: telemetry.addContext,
    ...rest,
  };
}

type Route = 'putMapping' | 'listMappings' | 'getMapping' | 'deleteMapping' | 'resolve' | 'replay';

/** The routes, as serverless.yml declares them (`/mappings/{prefix+}` takes the URL-encoded prefix). */
export const ROUTES: ReadonlyArray<{ method: string; path: string; route: Route }> = [
  { method: 'PUT', path: '/mappings', route: 'putMapping' },
  { method: 'GET', path: '/mappings', route: 'listMappings' },
  { method: 'GET', path: '/mappings/{prefix+}', route: 'getMapping' },
  { method: 'DELETE', path: '/mappings/{prefix+}', route: 'deleteMapping' },
  { method: 'GET', path: '/resolve', route: 'resolve' },
  { method: 'POST', path: '/replay', route: 'replay' },
];

const MAX_LIST_LIMIT = 1000;

export function createAdminHandler(deps: AdminDeps) {
  const ajv = createAjv();
  const schemas: Partial<Record<Route, ValidateFunction>> = {
    putMapping: ajv.compile(putMappingSchema),
    replay: ajv.compile(replaySchema),
  };
  // A fresh resolver per request: the admin API must answer with the table as it is now, not as a cache saw it.
  // Within one replay call it caches, so 1,000 keys of a folder cost one BatchGetItem, as in the router.
  const resolver = () => new MappingResolver((prefixes) => deps.store.getMappings(prefixes), { ttlMs: 10 * 60_000 });

  const dispatch = async (event: AdminEvent): Promise<AdminResult> => {
    const { route, prefix } = matchRoute(event);
    switch (route) {
      case 'putMapping': {
        const result = await putMapping(event.body as PutMappingBody, preconditions(event), deps);
        const headers: Record<string, string> = { ETag: etagOf(result.mapping) };
        if (result.created) headers.Location = `/mappings/${encodeURIComponent(result.mapping.prefix)}`;
        return json(result.created ? 201 : 200, { mapping: result.mapping, shadows: result.shadows, shadowedBy: result.shadowedBy }, headers);
      }
      case 'listMappings': {
        const query = event.queryStringParameters ?? {};
        const limit = query.limit === undefined ? undefined : integerParam('limit', query.limit, 1, MAX_LIST_LIMIT);
        const nextToken = query.nextToken === undefined || query.nextToken === '' ? undefined : query.nextToken;
        return json(200, await listMappings({ limit, nextToken }, deps));
      }
      case 'getMapping': {
        const mapping = await getMapping(prefix, deps);
        return json(200, mapping, { ETag: etagOf(mapping) });
      }
      case 'deleteMapping':
        await deleteMapping(prefix, deps);
        return { statusCode: 204, headers: {}, body: '' };
      case 'resolve': {
        const query = event.queryStringParameters ?? {};
        if (query.key === undefined) throw badRequest('key', 'required', 'key is required (?key=… the object key as stored, URL-encoded)');
        const size = query.size === undefined ? undefined : integerParam('size', query.size, 0, Number.MAX_SAFE_INTEGER);
        const result = await resolveKey(
          { key: query.key, etag: query.etag, size, versionId: query.versionId },
          { bucket: deps.bucket, resolver: resolver(), lister: deps.lister },
        );
        return json(200, result);
      }
      case 'replay': {
        const result = await replay(event.body as ReplayBody, {
          ...deps.replay,
          bucket: deps.bucket,
          lister: deps.lister,
          resolver: resolver(),
          starter: deps.starter,
          ...(deps.ingestionLedger ? { ingestionLedger: deps.ingestionLedger } : {}),
          now: deps.now,
          log: deps.log,
          metrics: deps.metrics,
        });
        return json(200, result);
      }
    }
  };

  return middy<AdminEvent, AdminResult>()
    .use({ before: (request) => deps.addContext?.(request.context) })
    .use(httpErrorHandler({ logger: errorLogger(deps.log), fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(clientErrors())
    .use(requestLog(deps.log))
    // Route first: an unknown path is a 404 whatever its body.
    .use({ before: (request) => void matchRoute(request.event) })
    .use(bodyLimit())
    .use(jsonBody())
    .use(validateBody((event) => schemas[matchRoute(event).route]))
    .handler(dispatch);
}

/** Which route a request is for; 404 for an unknown path, 405 for a known path with another method. */
export function matchRoute(event: AdminEvent): { route: Route; prefix?: string } {
  const method = event.requestContext?.http?.method ?? 'GET';
  let path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  // A named stage appears in the raw path; the $default stage (what serverless.yml deploys) does not.
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  let template = path;
  let prefix: string | undefined;
  if (path.startsWith('/mappings/') && path.length > '/mappings/'.length) {
    template = '/mappings/{prefix+}';
    try {
      prefix = decodeURIComponent(path.slice('/mappings/'.length));
    } catch (error) {
      throw badRequest('prefix', 'url-encoding', 'prefix in the path must be URL-encoded UTF-8 (encodeURIComponent)', { cause: error });
    }
  }
  const candidates = ROUTES.filter((r) => r.path === template);
  if (candidates.length === 0) {
    throw new ClientError(404, 'route', 'not-found', `no route ${method} ${path}; routes: ${ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  }
  const found = candidates.find((r) => r.method === method);
  if (!found) {
    const allow = candidates.map((r) => r.method).join(', ');
    throw new ClientError(405, 'route', 'method-not-allowed', `${template} accepts ${allow}, not ${method}`, { headers: { Allow: allow } });
  }
  return { route: found.route, ...(prefix !== undefined ? { prefix } : {}) };
}

/** If-Match: "3" (or 3) → write only over version 3; If-None-Match: * → create only. */
function preconditions(event: AdminEvent): PutPreconditions {
  const headers = lowerCased(event.headers);
  const result: PutPreconditions = {};
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    const version = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatch);
    if (!version) throw badRequest('If-Match', 'version', `If-Match must be a mapping version such as "3" (the ETag of GET /mappings/{prefix}), got ${JSON.stringify(ifMatch)}`);
    result.ifMatch = Number(version[1]);
    if (result.ifMatch < 1) throw badRequest('If-Match', 'version', 'If-Match must be a version ≥ 1; use If-None-Match: * to create only');
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw badRequest('If-None-Match', 'create-only', 'If-None-Match accepts only * (create the mapping only if it does not exist)');
    if (result.ifMatch !== undefined) throw badRequest('If-None-Match', 'exclusive', 'send If-Match or If-None-Match, not both');
    result.createOnly = true;
  }
  return result;
}

function integerParam(name: string, value: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(value)) throw badRequest(name, 'type', `${name} must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw badRequest(name, 'range', `${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function lowerCased(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function etagOf(mapping: MappingItem): string {
  return `"${mapping.version ?? 0}"`;
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): AdminResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
