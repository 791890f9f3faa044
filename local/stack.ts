/**
 * The local stack: the whole pipeline in one Node process, no cloud account, no Docker. Each service starts in its
 * own module (s3/, dynamodb/, sfn/, lambda/, the receiver, admin, console); this wires them. See docs/LOCAL.md.
 */
import '../src/polyfills.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { S3Event } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteSummary } from '../functions/router/route-event.js';
import type { MappingInput } from '../src/aws/mapping-store.js';
import type { MappingItem } from '../src/contracts.js';
import { startAdminServer } from './admin-server.js';
import { startArthurReceiver, type ArthurReceiver } from './arthur/index.js';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION, localSecretsManagerClient, localSfnClient } from './clients.js';
import { startLambdaApi } from './lambda-api/index.js';
import type { NotificationStore } from './s3/notification-configuration.js';
import { startSageMakerApi } from './sagemaker-api/index.js';
import { type LocalSecretsManager, startSecretsManager } from './secrets-manager/index.js';
import { Closers } from './closers.js';
import { startConsoleService } from './console-service.js';
import { type DynamoDbService, startDynamoDbService } from './dynamodb/service.js';
import type { DeadLetter as AsyncDeadLetter } from './lambda/async-invoker.js';
import { readFunctionEnvironment } from './lambda/function-environment.js';
import { readFunctionLimits } from './lambda/function-limits.js';
import { type RouterService, startRouterService } from './lambda/router-service.js';
import { type S3Service, startS3Service } from './s3/service.js';
import type { SfnEndpoint } from './sfn/index.js';
import { startStepFunctionsService } from './sfn/service.js';
import { CAPTURE_BUCKET, type StackNames, stackNames } from './stack-names.js';
import { backfillTaskStates, buildLocalTasks, type LocalTasks, workflowTaskStates } from './tasks.js';
import { createWorkflowRunner } from './workflow-runner.js';
import type { LocalEventBus } from './eventbridge/bus.js';
import { startEventBridgeService } from './eventbridge/service.js';
import type { RequestCounter } from './request-counter.js';

export { CAPTURE_BUCKET } from './stack-names.js';

const DEFAULT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface LocalStackOptions {
  /**
   * S3 at N, DynamoDB N+1, Step Functions N+2, admin API N+3, Arthur receiver N+4, console N+5 (/console).
   * 0 or absent: every server on a free port (tests).
   */
  portBase?: number;
  /**
   * Where S3 objects, DynamoDB tables and ended executions (stepfunctions/executions.jsonl) are kept across
   * restarts. Absent: a temporary directory / memory, removed on close. An execution still running at shutdown is
   * not kept: its name is free again, and a replay of its prefix starts it anew.
   */
  dataDir?: string;
  /** Send uploads to this Arthur instead of the local receiver (then `arthurToken` is required). */
  arthurHost?: string;
  /**
   * The local receiver's token (generated when absent), or the real Arthur's token with `arthurHost`. Stored at
   * start as the secret ARTHUR_TOKEN_SECRET_ARN names in the local Secrets Manager, where UploadPart reads it.
   */
  arthurToken?: string;
  /** Name prefix of tables, bucket and state machine. Default `capture-router-local`. */
  stackName?: string;
  /** Milliseconds before each retry of a workflow state instead of the file's backoff (0 in tests). Default: the file's. */
  retryIntervalMs?: number;
  /**
   * Delays before the router's re-invocations when it throws, like Lambda's async retries (AWS: ~1 min, then
   * ~2 min). Default [1000, 2000]: two retries, then the event goes to `dlq`.
   */
  routerRetryDelaysMs?: number[];
  /**
   * The package root, where statemachines/ and serverless.yml are. Default: found from this module's location,
   * which also holds in the CLI bundle (dist/ is one level deep, like local/); the CLI passes it explicitly.
   */
  rootDir?: string;
  /** Log lines of the router and UploadPart (JSON). Default: stdout. */
  log?: (line: string) => void;
  /**
   * Whether the local receiver keeps each inference's input and output for GET /__received (default true). Partner
   * IDs are always kept (duplicate detection); a long backfill can drop the payloads to keep memory flat.
   */
  storeReceivedInferences?: boolean;
  /** Finished executions that keep their full history (see SfnEndpointOptions.historyLimit). Default 1,000. */
  sfnHistoryLimit?: number;
  /** How many of the newest router summaries and notifications `routed`/`notifications` keep. Default 10,000. */
  diagnosticsLimit?: number;
  /** Sent as Arthur-Organization-ID (ARTHUR_ORGANIZATION_ID); the local receiver then requires it. */
  arthurOrganizationId?: string;
  /** UploadPart's request timeout towards Arthur (ARTHUR_TIMEOUT_MS). Default 30,000. */
  uploadTimeoutMs?: number;
  /** ValidateCapture's part limits. Default the deployed ones: 10 MiB, 10,000 records. */
  partLimits?: { maxBytes: number; maxRecords: number };
  /**
   * How long the router serves a cached mapping lookup (MAPPING_CACHE_TTL_SECONDS). Default: serverless.yml's
   * router environment (the `mappingCacheTtlSeconds` param, 60): a mapping changed after the router looked its
   * prefix up routes the next file only after that long, as in AWS. 0 turns the cache off.
   */
  mappingCacheTtlSeconds?: number;
  /**
   * Seconds after an execution ends that its name stays taken in the local Step Functions endpoint; then a
   * StartExecution with it starts anew, as in AWS after 90 days (the default). `--execution-retention`.
   */
  executionRetentionSeconds?: number;
  /**
   * The Lambda timeout in seconds of ValidateCapture's and UploadPart's functions. Default: serverless.yml's
   * `functions.validate.timeout` and `functions.upload.timeout`; a task past it fails as a timed-out Lambda does.
   */
  lambdaTimeouts?: { validate?: number; upload?: number };
  /** Step Functions' payload quota on every state (default 262,144 bytes, as AWS); `false` turns it off. */
  payloadLimitBytes?: number | false;
  /**
   * Replaces the ingest definition's TimeoutSeconds (half a day) for the stack's executions: tests of what a
   * TIMED_OUT execution leaves. Default: the file's.
   */
  executionTimeoutSeconds?: number;
  /**
   * Milliseconds before each retry of an event delivery the local EventBridge could not make (the target could not
   * be started). Default: 100 ms doubling to 5 s, up to the rule's RetryPolicy.
   */
  eventRetryDelayMs?: number;
  /**
   * Fault injection for the reliability tests: called before every DynamoDB call of the stack (the router's
   * BatchGetItem, the workflow's PutItem…) with the command's name; an error returned is thrown instead of the call.
   */
  dynamodbFault?: (commandName: string) => Error | undefined;
}

/** An event the router gave up on after its retries, as Lambda's on-failure destination would keep it. */
export type DeadLetter = AsyncDeadLetter<S3Event>;

export interface LocalStack {
  /** `console`: the local console page (port base + 5, path /console). */
  /**
   * `lambda` (N+6) and `sagemaker` (N+7) answer the control-plane calls migrate and doctor make (configuration
   * only: no function code runs there). `secretsmanager` (N+8) holds the token UploadPart reads, and what
   * `migrate --store-tokens` stores.
   */
  endpoints: { s3: string; dynamodb: string; sfn: string; admin: string; arthur: string; console: string; lambda: string; sagemaker: string; secretsmanager: string };
  /** The capture bucket's notification rules and every delivery they made (to the router, or recorded for others). */
  s3Notifications: NotificationStore;
  /** Requests S3 (`METHOD bucket`) and DynamoDB (by operation) received: what bench:cost prices. */
  requests: { s3: RequestCounter; dynamodb: RequestCounter };
  /** Ready-to-paste environment for the CLI, the AWS CLI and the SDK (AWS_ENDPOINT_URL_* and the stack's names). */
  env: Record<string, string>;
  captureBucket: string;
  artifactsBucket: string;
  mappingsTable: string;
  ingestionsTable: string;
  stateMachineArn: string;
  /**
   * statemachines/backfill.asl.yml on the same Step Functions endpoint: StartExecution with `{bucket, prefix}`
   * (docs/backfill.md). Its Distributed Map is emulated (docs/LOCAL.md, "Distributed Map").
   */
  backfillStateMachineArn: string;
  /** The token stored at start in the secret UploadPart reads (`env.ARTHUR_TOKEN_SECRET_ARN`). */
  arthurToken: string;
  /**
   * The Secrets Manager endpoint (`endpoints.secretsmanager`): its secrets, and fault injection (`setFaults`,
   * `stats`; also POST /__faults and GET /__stats over HTTP).
   */
  secretsManager: LocalSecretsManager;
  /** The local receiver; absent when `arthurHost` sends uploads elsewhere. */
  receiver?: ArthurReceiver;
  sfn: SfnEndpoint;
  /**
   * The default EventBridge bus with serverless.yml's rules: the ingest executions' status-change events go there, and
   * TerminalFailureRule's deliveries (each with the recorder execution it started, and its end) are listed on it.
   */
  eventBus: LocalEventBus;
  /** Router invocations that exhausted their retries. */
  dlq: DeadLetter[];
  /** Every router invocation that completed, with its summary. */
  routed: RouteSummary[];
  /** Every event the capture bucket's notification sent the router, in order (keys URL-encoded, as S3 sends them). */
  notifications: S3Event[];
  /** Invokes the router asynchronously with this event, as S3 does (same retries, then `dlq`); waitForIdle waits for it. */
  deliver(event: S3Event): void;
  /**
   * Takes every event out of `dlq` and delivers it again (the local equivalent of redriving the router's SQS DLQ);
   * resolves to how many were redriven. Call waitForIdle() afterwards.
   */
  redriveDlq(): Promise<number>;
  putMapping(prefix: string, modelId: string, extra?: Omit<MappingInput, 'prefix' | 'modelId'>): Promise<MappingItem>;
  /** Resolves once no router invocation is pending (retries included) and no execution runs. */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (options.arthurHost && !options.arthurToken) throw new Error('startLocalStack: arthurHost needs arthurToken');
  const closers = new Closers();
  try {
    return await assemble(options, closers);
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

/** What every service start needs from the options. */
interface StackContext {
  options: LocalStackOptions;
  port: (offset: number) => number;
  names: StackNames;
  write: (line: string) => void;
  arthurToken: string;
  root: string;
  dataDir: { dataDir?: string };
}

/** Starts every service in order of need, each registering its close; the first failure closes what started. */
async function assemble(options: LocalStackOptions, closers: Closers): Promise<LocalStack> {
  const base = options.portBase ?? 0;
  const ctx: StackContext = {
    options,
    port: (offset) => (base > 0 ? base + offset : 0),
    names: stackNames(options.stackName),
    write: options.log ?? ((line: string) => void process.stdout.write(`${line}\n`)),
    arthurToken: options.arthurToken ?? `local-${randomBytes(12).toString('hex')}`,
    root: options.rootDir ?? DEFAULT_ROOT,
    dataDir: options.dataDir ? { dataDir: options.dataDir } : {},
  };
  const { names, port, write, arthurToken } = ctx;
  const { s3, dynamodb } = await startStorage(ctx, closers);
  const receiver = options.arthurHost ? undefined : await startReceiver(arthurToken, port(4), options, closers);
  const arthurHost = options.arthurHost ?? receiver!.url;

  let tasks: LocalTasks | undefined;
  let eventBus: LocalEventBus | undefined;
  const sfn = await startStepFunctionsService(
    {
      port: port(2),
      definitionPath: join(ctx.root, 'statemachines', 'ingest.asl.yml'),
      names,
      tasks: workflowTaskStates(() => tasks!),
      dynamodb: dynamodb.client,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      ...(options.sfnHistoryLimit !== undefined ? { historyLimit: options.sfnHistoryLimit } : {}),
      ...(options.executionRetentionSeconds !== undefined ? { executionRetentionSeconds: options.executionRetentionSeconds } : {}),
      lambdaTimeouts: taskTimeouts(ctx),
      backfill: {
        definitionPath: join(ctx.root, 'statemachines', 'backfill.asl.yml'),
        tasks: backfillTaskStates(() => tasks!),
        lambdaTimeouts: backfillTimeouts(ctx),
        s3: s3.client,
      },
      ...(options.payloadLimitBytes !== undefined ? { payloadLimitBytes: options.payloadLimitBytes } : {}),
      ...(options.executionTimeoutSeconds !== undefined ? { executionTimeoutSeconds: options.executionTimeoutSeconds } : {}),
      // Bound below, before any execution can start: the bus needs the state machine's ARN for its patterns.
      onStatusChange: (event) => void eventBus?.put(event),
      ...ctx.dataDir,
    },
    closers,
  );
  // Closed before the Step Functions endpoint (closers run in reverse): it waits for its deliveries first.
  eventBus = startEventBus(ctx, sfn.stateMachineArn, dynamodb.client, closers);
  // The router and the console reach Step Functions through the real SFNClient and the endpoint's protocol.
  const sfnClient = localSfnClient(sfn.endpoint.url);
  closers.add(() => sfnClient.destroy());
  const secrets = await startSecrets(ctx, closers);
  const clients = { s3: s3.client, dynamodb: dynamodb.client, sfn: sfnClient, secrets: secrets.client };
  tasks = buildLocalTasks(clients, {
    names,
    stateMachineArn: sfn.stateMachineArn,
    arthurHost,
    partLimits: options.partLimits,
    uploadTimeoutMs: options.uploadTimeoutMs,
    arthurOrganizationId: options.arthurOrganizationId,
    mappingCacheTtlSeconds: options.mappingCacheTtlSeconds ?? readFunctionEnvironment(join(ctx.root, 'serverless.yml'), 'router').MAPPING_CACHE_TTL_SECONDS,
    write,
  });

  const router = startRouterService(
    s3,
    { route: tasks.route, retryDelaysMs: options.routerRetryDelaysMs ?? [1000, 2000], diagnosticsLimit: options.diagnosticsLimit ?? 10_000, write },
    closers,
  );
  // The admin API as API Gateway would serve it (without IAM auth: loopback only).
  const admin = await startAdminServer({ deps: tasks.admin, port: port(3) });
  closers.add(() => admin.close());
  // The console on N+5 (N+3 is the admin API's).
  const consoleUrl = await startConsoleService(
    { port: port(5), clients, names, stateMachineArn: sfn.stateMachineArn, mappingStore: tasks.mappingStore, resolver: tasks.resolver },
    closers,
  );
  const control = await startControlPlanes(ctx, closers);
  const endpoints = { s3: s3.endpoint, dynamodb: dynamodb.endpoint, sfn: sfn.endpoint.url, admin: admin.url, arthur: arthurHost, console: consoleUrl, ...control, secretsmanager: secrets.service.url };
  const machines = { stateMachineArn: sfn.stateMachineArn, backfillStateMachineArn: sfn.backfillStateMachineArn! };
  const requests = { s3: s3.requests, dynamodb: dynamodb.requests };
  return stackApi({ ctx, endpoints, machines, sfn: sfn.endpoint, eventBus, receiver, router, tasks, closers, s3Notifications: s3.notifications, secretsManager: secrets.service, requests });
}

/**
 * EventBridge with serverless.yml's rules; each target state machine runs its ASL file on the workflow runner with
 * the stack's names and DynamoDB (TerminalFailureRule → statemachines/record-terminal.asl.yml).
 */
function startEventBus(ctx: StackContext, ingestArn: string, dynamodb: DynamoDBClient, closers: Closers): LocalEventBus {
  const { names, options } = ctx;
  const machineNames: Record<string, string> = { RecordTerminalStateMachine: names.recordTerminalStateMachineName };
  const service = startEventBridgeService(
    {
      serverlessYml: join(ctx.root, 'serverless.yml'),
      refs: { IngestStateMachine: ingestArn },
      runner: (machine) =>
        createWorkflowRunner({
          definitionPath: machine.definitionPath,
          resolve: { tables: { IngestionsTable: names.ingestionsTable, MappingsTable: names.mappingsTable }, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT },
          tasks: {},
          dynamodb,
          ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: options.retryIntervalMs } : {}),
          stateMachineName: machineNames[machine.logicalId] ?? `${names.stateMachineName}-${machine.logicalId}`,
        }),
      ...(options.eventRetryDelayMs !== undefined ? { retryDelayMs: () => options.eventRetryDelayMs! } : {}),
      log: ctx.write,
    },
    closers,
  );
  return service.bus;
}

/** Lambda (N+6) and SageMaker (N+7) APIs, for migrate and doctor; configuration only. */
async function startControlPlanes(ctx: StackContext, closers: Closers): Promise<{ lambda: string; sagemaker: string }> {
  const lambda = await startLambdaApi({ port: ctx.port(6) });
  closers.add(() => lambda.close());
  const sagemaker = await startSageMakerApi({ port: ctx.port(7) });
  closers.add(() => sagemaker.close());
  return { lambda: lambda.url, sagemaker: sagemaker.url };
}

/**
 * Secrets Manager (N+8), with the Arthur token stored as the secret ARTHUR_TOKEN_SECRET_ARN names, through the same
 * SDK client UploadPart then reads it with (the deployed function's configuration: local/clients.ts).
 */
async function startSecrets(ctx: StackContext, closers: Closers): Promise<{ service: LocalSecretsManager; client: SecretsManagerClient }> {
  const service = await startSecretsManager({ port: ctx.port(8), region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  closers.add(() => service.close());
  const client = localSecretsManagerClient(service.url);
  closers.add(() => client.destroy());
  await client.send(new CreateSecretCommand({ Name: ctx.names.localSecretName, SecretString: ctx.arthurToken, Description: 'The Arthur token of the local stack (UploadPart reads it).' }));
  return { service, client };
}

/** The Lambda task states' timeouts, by state name: the options' or serverless.yml's. */
function taskTimeouts(ctx: StackContext): Record<string, number> {
  const deployed = readFunctionLimits(join(ctx.root, 'serverless.yml'));
  const own = ctx.options.lambdaTimeouts ?? {};
  const pick = (fn: 'validate' | 'upload') => own[fn] ?? deployed[fn]?.timeoutSeconds;
  const timeouts: Record<string, number> = {};
  const validate = pick('validate');
  const upload = pick('upload');
  if (validate !== undefined) timeouts.ValidateCapture = validate;
  if (upload !== undefined) timeouts.UploadPart = upload;
  return timeouts;
}

/** RouteBatch's timeout: serverless.yml's `functions.backfill.timeout`, as deployed. */
function backfillTimeouts(ctx: StackContext): Record<string, number> {
  const timeout = readFunctionLimits(join(ctx.root, 'serverless.yml')).backfill?.timeoutSeconds;
  return timeout === undefined ? {} : { RouteBatch: timeout };
}

async function startStorage(ctx: StackContext, closers: Closers): Promise<{ s3: S3Service; dynamodb: DynamoDbService }> {
  const { names, port } = ctx;
  const s3 = await startS3Service({ port: port(0), ...ctx.dataDir, buckets: [CAPTURE_BUCKET, names.artifactsBucket], captureBucket: CAPTURE_BUCKET, routerArn: names.routerFunctionArn }, closers);
  const dynamodb = await startDynamoDbService(
    {
      port: port(1),
      ...ctx.dataDir,
      serverlessYml: join(ctx.root, 'serverless.yml'),
      tables: { MappingsTable: names.mappingsTable, IngestionsTable: names.ingestionsTable },
      ...(ctx.options.dynamodbFault ? { fault: ctx.options.dynamodbFault } : {}),
    },
    closers,
  );
  return { s3, dynamodb };
}

/** The LocalStack handle over the started services. */
function stackApi(parts: {
  ctx: StackContext;
  endpoints: LocalStack['endpoints'];
  machines: { stateMachineArn: string; backfillStateMachineArn: string };
  sfn: SfnEndpoint;
  eventBus: LocalEventBus;
  receiver: ArthurReceiver | undefined;
  router: RouterService;
  tasks: LocalTasks;
  closers: Closers;
  s3Notifications: NotificationStore;
  secretsManager: LocalSecretsManager;
  requests: LocalStack['requests'];
}): LocalStack {
  const { ctx, endpoints, sfn, router, closers } = parts;
  const { stateMachineArn, backfillStateMachineArn } = parts.machines;
  const { names, arthurToken } = ctx;
  const { invoker } = router;
  const mappingStore = parts.tasks.mappingStore;
  return {
    endpoints,
    env: stackEnv(endpoints, names, { stateMachineArn, backfillStateMachineArn, arthurToken, arthurOrganizationId: ctx.options.arthurOrganizationId }),
    captureBucket: CAPTURE_BUCKET,
    artifactsBucket: names.artifactsBucket,
    mappingsTable: names.mappingsTable,
    ingestionsTable: names.ingestionsTable,
    stateMachineArn,
    backfillStateMachineArn,
    arthurToken,
    receiver: parts.receiver,
    secretsManager: parts.secretsManager,
    sfn,
    eventBus: parts.eventBus,
    dlq: invoker.dlq,
    routed: router.routed,
    notifications: router.notifications,
    s3Notifications: parts.s3Notifications,
    requests: parts.requests,
    deliver: (event) => invoker.invoke(event),
    redriveDlq: async () => invoker.redrive(),
    putMapping: (prefix, modelId, extra = {}) => mappingStore.putMapping({ ...extra, prefix, modelId }),
    waitForIdle: async () => {
      // Executions write artifacts, routing starts executions, and their ends start deliveries: loop until all
      // three are quiet together.
      const bus = parts.eventBus;
      for (;;) {
        if (invoker.inFlight > 0) {
          await invoker.settle();
          continue;
        }
        await sfn.waitForIdle();
        await bus.settle();
        if (invoker.inFlight === 0 && sfn.running() === 0 && bus.inFlight === 0) return;
      }
    },
    close: () => closers.closeAll(),
  };
}

async function startReceiver(token: string, port: number, options: LocalStackOptions, closers: Closers): Promise<ArthurReceiver> {
  const receiver = await startArthurReceiver({ token, organizationId: options.arthurOrganizationId, port, storeInferences: options.storeReceivedInferences ?? true });
  closers.add(() => receiver.close());
  return receiver;
}

/** Ready-to-paste environment for the CLI, the AWS CLI and the SDK. */
function stackEnv(
  endpoints: LocalStack['endpoints'],
  names: StackNames,
  stack: { stateMachineArn: string; backfillStateMachineArn: string; arthurToken: string; arthurOrganizationId?: string },
): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    // The AWS CLI reads AWS_DEFAULT_REGION; the SDKs read AWS_REGION.
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
    AWS_ENDPOINT_URL_SAGEMAKER: endpoints.sagemaker,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsmanager,
    // What `capture-router migrate --apply` points the bucket's one rule at.
    CAPTURE_ROUTER_ROUTER_ARN: names.routerFunctionArn,
    CAPTURE_ROUTER_API_URL: endpoints.admin,
    CAPTURE_BUCKET,
    ARTIFACTS_BUCKET: names.artifactsBucket,
    MAPPINGS_TABLE: names.mappingsTable,
    INGESTIONS_TABLE: names.ingestionsTable,
    STATE_MACHINE_ARN: stack.stateMachineArn,
    // What `capture-router executions` reads (the deployed stack's names go in the same variables).
    CAPTURE_ROUTER_STATE_MACHINE_ARN: stack.stateMachineArn,
    CAPTURE_ROUTER_INGESTIONS_TABLE: names.ingestionsTable,
    CAPTURE_ROUTER_ARTIFACTS_BUCKET: names.artifactsBucket,
    // `aws stepfunctions start-execution --state-machine-arn "$BACKFILL_STATE_MACHINE_ARN" --input '{"bucket":…,"prefix":…}'`
    BACKFILL_STATE_MACHINE_ARN: stack.backfillStateMachineArn,
    ARTHUR_HOST: endpoints.arthur,
    ARTHUR_HOST_ALLOWLIST: new URL(endpoints.arthur).hostname,
    // The secret UploadPart reads its token from, in the local Secrets Manager; ARTHUR_TOKEN is its value at
    // start, for `capture-router verify`.
    ARTHUR_TOKEN_SECRET_ARN: names.localSecretArn,
    ARTHUR_TOKEN: stack.arthurToken,
    ...(stack.arthurOrganizationId ? { ARTHUR_ORGANIZATION_ID: stack.arthurOrganizationId } : {}),
  };
}
