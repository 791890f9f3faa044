/**
 * The functions the local stack runs (ValidateCapture, UploadPart, the router, the admin API, the backfill's
 * RouteBatch), built exactly as
 * their Lambda handlers build them: the same `read<Name>Config` over the environment serverless.yml would give
 * them (pointed at the local names), the same `build<Name>Deps` with the stack's clients, and the same middy
 * handlers as the workflow's task functions. UploadPart reads its token as the deployed function does: the real
 * token provider (cache, SecretsUnavailableError, re-read after a 401) over a real SecretsManagerClient, here
 * pointed at the local Secrets Manager. Only the log writer differs.
 */
import type { S3Event } from 'aws-lambda';
import type { Context } from 'aws-lambda';
import { type AdminDeps, buildAdminDeps, readAdminConfig } from '../functions/admin/app.js';
import { buildBackfillDeps, createBackfillHandler, readBackfillConfig } from '../functions/backfill/app.js';
import type { BackfillBatchEvent, BackfillBatchResult } from '../functions/backfill/route-batch.js';
import { buildRouterDeps, readRouterConfig } from '../functions/router/app.js';
import { routeEvent, type RouteEventDeps, type RouteSummary } from '../functions/router/route-event.js';
import { buildUploadDeps, createUploadHandler, readUploadConfig } from '../functions/upload/app.js';
import { buildValidateDeps, createValidateHandler, readValidateConfig } from '../functions/validate/app.js';
import type { AwsClients } from '../src/aws/clients.js';
import { DynamoDbMappingStore } from '../src/aws/dynamodb-mapping-store.js';
import type { UploadPartEvent, UploadPartResult, ValidationSummary, WorkflowInput } from '../src/contracts.js';
import { lineTelemetry } from '../src/observability/telemetry.js';
import type { MappingResolver } from '../src/routing/mapping-resolver.js';
import type { StackNames } from './stack-names.js';
import type { TaskContext, TaskFunction } from './workflow-runner.js';

/**
 * The router starts executions through the real SFN protocol (`sfn` points at the local endpoint); UploadPart
 * reads its token through `secrets`, pointed at the local Secrets Manager.
 */
export type LocalTaskClients = Pick<AwsClients, 's3' | 'dynamodb' | 'sfn' | 'secrets'>;

export interface LocalTaskConfig {
  names: StackNames;
  stateMachineArn: string;
  /** Where UploadPart sends: the local receiver's URL or a real Arthur. */
  arthurHost: string;
  /**
   * The router's MAPPING_CACHE_TTL_SECONDS: serverless.yml's (the stack reads it from the file). Absent: the
   * variable is not set and the router falls back to its own default, as a deploy without it would.
   */
  mappingCacheTtlSeconds?: number | string;
  /** ValidateCapture's part limits. Default the deployed ones: 10 MiB, 10,000 records. */
  partLimits?: { maxBytes: number; maxRecords: number };
  /** UploadPart's request timeout towards Arthur (ARTHUR_TIMEOUT_MS). Default 30,000. */
  uploadTimeoutMs?: number;
  /** ARTHUR_ORGANIZATION_ID: sent as Arthur-Organization-ID. */
  arthurOrganizationId?: string;
  write: (line: string) => void;
}

export interface LocalTasks {
  validate: (input: WorkflowInput, context?: TaskContext) => Promise<ValidationSummary>;
  upload: (event: UploadPartEvent, context?: TaskContext) => Promise<UploadPartResult>;
  router: RouteEventDeps;
  /** The router function: one S3 notification in, its summary out; throws to be retried. */
  route: (event: S3Event) => Promise<RouteSummary>;
  admin: AdminDeps;
  /** The backfill state machine's RouteBatch task (functions/backfill). */
  backfill: (event: BackfillBatchEvent, context?: TaskContext) => Promise<BackfillBatchResult>;
  mappingStore: DynamoDbMappingStore;
  resolver: MappingResolver;
}

/** The environment serverless.yml gives each function, with the local stack's names. */
export function localFunctionEnv(config: LocalTaskConfig): Record<'validate' | 'upload' | 'router' | 'admin' | 'backfill', Record<string, string>> {
  const { names } = config;
  const limits = config.partLimits;
  const allowlist = new URL(config.arthurHost).hostname;
  return {
    validate: {
      ARTIFACTS_BUCKET: names.artifactsBucket,
      INGESTIONS_TABLE: names.ingestionsTable,
      ...(limits ? { MAX_PART_BYTES: String(limits.maxBytes), MAX_PART_RECORDS: String(limits.maxRecords) } : {}),
      S3_FORCE_PATH_STYLE: 'true',
    },
    upload: {
      ARTHUR_HOST: config.arthurHost,
      ARTHUR_TOKEN_SECRET_ARN: names.localSecretArn,
      ARTHUR_HOST_ALLOWLIST: allowlist,
      ARTHUR_TIMEOUT_MS: String(config.uploadTimeoutMs ?? 30_000),
      ...(config.arthurOrganizationId ? { ARTHUR_ORGANIZATION_ID: config.arthurOrganizationId } : {}),
    },
    // The deployed TTL: a mapping created, changed or deleted reaches a router that already looked the prefix up
    // after at most that long, locally as in AWS (docs/LOCAL.md, "Router mapping cache").
    router: {
      MAPPINGS_TABLE: names.mappingsTable,
      STATE_MACHINE_ARN: config.stateMachineArn,
      ...(config.mappingCacheTtlSeconds !== undefined ? { MAPPING_CACHE_TTL_SECONDS: String(config.mappingCacheTtlSeconds) } : {}),
    },
    admin: {
      MAPPINGS_TABLE: names.mappingsTable,
      INGESTIONS_TABLE: names.ingestionsTable,
      STATE_MACHINE_ARN: config.stateMachineArn,
      CAPTURE_BUCKET: names.captureBucket,
      ARTHUR_HOST_ALLOWLIST: allowlist,
    },
    backfill: {
      MAPPINGS_TABLE: names.mappingsTable,
      INGESTIONS_TABLE: names.ingestionsTable,
      STATE_MACHINE_ARN: config.stateMachineArn,
      CAPTURE_BUCKET: names.captureBucket,
    },
  };
}

/**
 * A Lambda context for an in-process invocation: the deadline of the function's serverless.yml timeout when the
 * runner gives one (middy then throws its TimeoutError just before it, as in AWS), otherwise none.
 */
function lambdaContext(task?: TaskContext): Context {
  const base = { functionName: '', awsRequestId: 'local' };
  return (task ? { ...base, getRemainingTimeInMillis: () => task.getRemainingTimeInMillis() } : base) as unknown as Context;
}

export function buildLocalTasks(clients: LocalTaskClients, config: LocalTaskConfig): LocalTasks {
  const env = localFunctionEnv(config);
  const telemetry = (name: string) => lineTelemetry(config.write, name);
  const validate = createValidateHandler(buildValidateDeps(readValidateConfig(env.validate), clients, { telemetry: telemetry('validate') }));
  // As functions/upload/handler.ts: buildUploadDeps builds the token provider over clients.secrets.
  const upload = createUploadHandler(buildUploadDeps(readUploadConfig(env.upload), clients, { telemetry: telemetry('upload') }));
  const router = buildRouterDeps(readRouterConfig(env.router), clients, { telemetry: telemetry('router') });
  const mappingStore = new DynamoDbMappingStore(clients.dynamodb, config.names.mappingsTable);
  const backfill = createBackfillHandler(buildBackfillDeps(readBackfillConfig(env.backfill), clients, { telemetry: telemetry('backfill') }));
  return {
    validate: (input, context) => validate(input, lambdaContext(context)),
    upload: (event, context) => upload(event, lambdaContext(context)),
    router,
    route: (event) => routeEvent(event, router),
    admin: buildAdminDeps(readAdminConfig(env.admin), clients, { store: mappingStore, starter: router.starter, telemetry: telemetry('admin') }),
    backfill: (event, context) => backfill(event, lambdaContext(context)),
    mappingStore,
    resolver: router.resolver as MappingResolver,
  };
}

/**
 * The ASL's Lambda task states bound to the handlers. The runner needs them before the Step Functions endpoint
 * (and so the router's SFNClient) exists: they reach the handlers through `tasks()`, set before any execution starts.
 */
export function workflowTaskStates(tasks: () => LocalTasks): Record<string, TaskFunction> {
  return {
    ValidateCapture: (input: WorkflowInput, context?: TaskContext) => tasks().validate(input, context),
    UploadPart: (event: UploadPartEvent, context?: TaskContext) => tasks().upload(event, context),
  };
}

/** statemachines/backfill.asl.yml's Lambda task state (inside its Distributed Map) bound to the backfill handler. */
export function backfillTaskStates(tasks: () => LocalTasks): Record<string, TaskFunction> {
  return { RouteBatch: (event: BackfillBatchEvent, context?: TaskContext) => tasks().backfill(event, context) };
}
