/**
 * The local stack: the whole pipeline in one Node process, no cloud account, no Docker.
 *
 *   s3rver (bucket `datacapture` + artifacts) ──'event'──▶ router use case (Lambda-async-like retries, local DLQ)
 *        │                                                   │ real SFNClient
 *        ▼                                                   ▼
 *   ValidateCapture / UploadPart  ◀── aws-local-stepfunctions ◀── Step Functions JSON endpoint (local/sfn-endpoint.ts)
 *        │                              │ DynamoDB states
 *        ▼                              ▼
 *   Arthur receiver                  dynalite (tables from serverless.yml)
 *
 * The use cases are built here with injected clients rather than by importing the Lambda handlers: the handlers
 * read process.env at module scope, so two stacks (or a stack and a test) in one process would share one config.
 * The router still talks to Step Functions through the real SFNClient and the HTTP endpoint, so the protocol
 * path the deployed router uses (ExecutionAlreadyExists included) is exercised.
 *
 * Not reproduced: IAM, the S3 notification's exact filter configuration (mirrored here as "bucket `datacapture`,
 * suffix .jsonl"), Secrets Manager (UploadPart gets the token from a function), and the full event history of
 * executions from before a restart (they keep their start and end events).
 */
import '../src/polyfills.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { createHash, randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { routeEvent, type RouteSummary } from '../functions/router/route-event.js';
import { validateCapture, type ValidateDeps } from '../functions/validate/validate-capture.js';
import { uploadPart, type UploadPartDeps } from '../functions/upload/upload-part.js';
import { HttpArthurApi } from '../src/arthur/index.js';
import { parseAllowlist } from '../src/arthur/host-policy.js';
import { S3CaptureLister } from '../src/aws/capture-lister.js';
import { createAdminServer } from './admin-server.js';
// s3rver signs its listing continuation tokens with single DES, which OpenSSL 3 no longer offers by default.
import './s3rver-des-shim.js';
import './s3rver-any-credentials.js';
import { createArtifactStore } from '../src/aws/artifact-store.js';
import { DynamoDbMappingStore } from '../src/aws/dynamodb-mapping-store.js';
import type { MappingInput } from '../src/aws/mapping-store.js';
import { createObjectSource } from '../src/aws/object-source.js';
import { SfnWorkflowStarter } from '../src/aws/sfn-workflow-starter.js';
import type { MappingItem, UploadPartEvent, WorkflowInput } from '../src/contracts.js';
import { encodeS3EventKey } from '../src/routing/decode-key.js';
import { MappingResolver } from '../src/routing/mapping-resolver.js';
import { startArthurReceiver, type ArthurReceiver } from './arthur/index.js';
import { startConsoleServer } from './console-server.js';
import { ExecutionInspector } from '../src/aws/execution-inspector.js';
import { startSfnEndpoint, type SfnEndpoint } from './sfn-endpoint.js';
import { createTables } from './table-definitions.js';
import { createWorkflowRunner } from './workflow-runner.js';

const DEFAULT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CAPTURE_BUCKET = 'datacapture';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
// s3rver checks the access key; dynalite and the SFN endpoint accept anything. One pair works for all three.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

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
  /** The local receiver's token (generated when absent), or the real Arthur's token with `arthurHost`. */
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
   * Fault injection for the reliability tests: called before every DynamoDB call of the stack (the router's
   * BatchGetItem, the workflow's PutItem…) with the command's name; an error returned is thrown instead of the call.
   */
  dynamodbFault?: (commandName: string) => Error | undefined;
}

/** An event the router gave up on after its retries, as Lambda's on-failure destination would keep it. */
export interface DeadLetter {
  event: S3Event;
  attempts: number;
  error: { name: string; message: string };
}

export interface LocalStack {
  /** `console`: the local console page (port base + 5, path /console). */
  endpoints: { s3: string; dynamodb: string; sfn: string; admin: string; arthur: string; console: string };
  /** Ready-to-paste environment for the CLI, the AWS CLI and the SDK (AWS_ENDPOINT_URL_* and the stack's names). */
  env: Record<string, string>;
  captureBucket: string;
  artifactsBucket: string;
  mappingsTable: string;
  ingestionsTable: string;
  stateMachineArn: string;
  /** The token UploadPart sends. */
  arthurToken: string;
  /** The local receiver; absent when `arthurHost` sends uploads elsewhere. */
  receiver?: ArthurReceiver;
  sfn: SfnEndpoint;
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
  const base = options.portBase ?? 0;
  const port = (offset: number) => (base > 0 ? base + offset : 0);
  const name = options.stackName ?? 'capture-router-local';
  const artifactsBucket = `${name}-artifacts`;
  const mappingsTable = `${name}-mappings`;
  const ingestionsTable = `${name}-ingestions`;
  const write = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  if (options.arthurHost && !options.arthurToken) throw new Error('startLocalStack: arthurHost needs arthurToken');
  const arthurToken = options.arthurToken ?? `local-${randomBytes(12).toString('hex')}`;
  const root = options.rootDir ?? DEFAULT_ROOT;
  const serverlessYml = join(root, 'serverless.yml');
  const ingestDefinition = join(root, 'statemachines', 'ingest.asl.yml');

  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    // In reverse order of start: the router and workflow stop before the servers they call.
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch {
        // Closing is best effort: one server failing to close must not keep the others open.
      }
    }
  };

  try {
    // --- S3 -------------------------------------------------------------------------------------------------
    const s3Dir = options.dataDir ? join(options.dataDir, 's3') : mkdtempSync(join(tmpdir(), 'capture-router-s3-'));
    if (options.dataDir) mkdirSync(s3Dir, { recursive: true });
    const s3rver = new S3rver({ port: port(0), address: '127.0.0.1', silent: true, directory: s3Dir, resetOnClose: !options.dataDir });
    makePutsAtomic(s3rver);
    const { port: s3Port } = await s3rver.run();
    closers.push(async () => {
      // Idle keep-alive connections (the AWS CLI leaves some) would hold close() for seconds.
      (s3rver as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
      await s3rver.close();
      if (!options.dataDir) rmSync(s3Dir, { recursive: true, force: true });
    });
    const s3Endpoint = `http://127.0.0.1:${s3Port}`;
    // Path style and checksums only when required: otherwise s3rver stores streamed puts with aws-chunked framing.
    const s3 = new S3Client({ endpoint: s3Endpoint, region: REGION, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: CREDENTIALS });
    closers.push(() => s3.destroy());
    for (const bucket of [CAPTURE_BUCKET, artifactsBucket]) {
      await ignoreExisting(() => s3.send(new CreateBucketCommand({ Bucket: bucket })), ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);
    }

    // --- DynamoDB -------------------------------------------------------------------------------------------
    const dynamoDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
    if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
    const dynamoServer: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dynamoDir ? { path: dynamoDir } : {}) });
    await listen(dynamoServer, port(1));
    closers.push(
      () =>
        new Promise<void>((resolve, reject) => {
          dynamoServer.closeAllConnections();
          dynamoServer.close((error) => (error ? reject(error) : resolve()));
        }),
    );
    const dynamoEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;
    const dynamodb = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: CREDENTIALS });
    closers.push(() => dynamodb.destroy());
    const dynamodbFault = options.dynamodbFault;
    if (dynamodbFault) {
      dynamodb.middlewareStack.add(
        (next, context) => async (args) => {
          const error = dynamodbFault(context.commandName ?? '');
          if (error) throw error;
          return next(args);
        },
        { step: 'initialize', name: 'localDynamodbFault' },
      );
    }
    // One table at a time, so that with a dataDir a table kept from the last run is not an error.
    for (const [logicalId, tableName] of Object.entries({ MappingsTable: mappingsTable, IngestionsTable: ingestionsTable })) {
      await ignoreExisting(() => createTables(dynamodb, serverlessYml, { [logicalId]: tableName }), ['ResourceInUseException']);
    }

    // --- Arthur ---------------------------------------------------------------------------------------------
    let receiver: ArthurReceiver | undefined;
    if (!options.arthurHost) {
      receiver = await startArthurReceiver({ token: arthurToken, organizationId: options.arthurOrganizationId, port: port(4), storeInferences: options.storeReceivedInferences ?? true });
      closers.push(() => receiver!.close());
    }
    const arthurHost = options.arthurHost ?? receiver!.url;
    const localSecretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}/arthur-local`;

    // --- Workflow: the real use cases bound to the ASL's task states ----------------------------------------
    const validateDeps: ValidateDeps = {
      openObject: createObjectSource(s3),
      putArtifact: createArtifactStore(s3, artifactsBucket),
      artifactsBucket,
      // The deployed defaults (serverless.yml / the validate handler).
      limits: options.partLimits ?? { maxBytes: 10 * 1024 * 1024, maxRecords: 10_000 },
    };
    const uploadDeps: UploadPartDeps = {
      openPart: createObjectSource(s3),
      // No Secrets Manager locally: one token for every mapping, whatever tokenSecretArn it names.
      getToken: async () => arthurToken,
      arthur: new HttpArthurApi(),
      defaultHost: arthurHost,
      defaultSecretArn: localSecretArn,
      allowlist: parseAllowlist(new URL(arthurHost).hostname),
      timeoutMs: options.uploadTimeoutMs ?? 30_000,
      organizationId: options.arthurOrganizationId,
      log: (level, message, fields) => write(JSON.stringify({ level, message, function: 'upload-part', ...fields })),
    };
    const stateMachineName = `${name}-ingest`;
    const runner = createWorkflowRunner({
      definitionPath: ingestDefinition,
      resolve: {
        functions: {
          ValidateLambdaFunction: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}-validate`,
          UploadLambdaFunction: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}-upload`,
        },
        tables: { IngestionsTable: ingestionsTable, MappingsTable: mappingsTable },
        region: REGION,
        accountId: ACCOUNT,
      },
      tasks: {
        ValidateCapture: (input: WorkflowInput) => validateCapture(input, validateDeps),
        UploadPart: (event: UploadPartEvent) => uploadPart(event, uploadDeps),
      },
      dynamodb,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: options.retryIntervalMs } : {}),
      stateMachineName,
    });
    // With a data directory, every ended execution is journaled there and read back at the next start (see
    // SfnEndpointOptions.journalPath): restarts keep the execution history and Standard's name rule. Without one,
    // older executions' details are spilled to a temporary directory removed on close.
    const sfnDir = options.dataDir ? join(options.dataDir, 'stepfunctions') : mkdtempSync(join(tmpdir(), 'capture-router-sfn-'));
    mkdirSync(sfnDir, { recursive: true });
    const sfn = await startSfnEndpoint({
      runner,
      port: port(2),
      historyLimit: options.sfnHistoryLimit,
      ...(options.dataDir ? { journalPath: join(sfnDir, 'executions.jsonl') } : { spillPath: join(sfnDir, 'older-executions.jsonl') }),
    });
    closers.push(async () => {
      await sfn.close();
      if (!options.dataDir) rmSync(sfnDir, { recursive: true, force: true });
    });

    // --- Router: s3rver's events → routeEvent, with Lambda's async-invocation retries ------------------------
    const sfnClient = new SFNClient({ endpoint: sfn.url, region: REGION, credentials: CREDENTIALS });
    closers.push(() => sfnClient.destroy());
    const mappingStore = new DynamoDbMappingStore(dynamodb, mappingsTable);
    // No cache: a mapping put a moment ago must route the next file, as the admin API's users expect locally.
    const resolver = new MappingResolver((prefixes) => mappingStore.getMappings(prefixes), { ttlMs: 0 });
    const starter = new SfnWorkflowStarter(sfnClient, runner.stateMachineArn);
    const retryDelays = options.routerRetryDelaysMs ?? [1000, 2000];
    const dlq: DeadLetter[] = [];
    const routed: RouteSummary[] = [];
    const notifications: S3Event[] = [];
    // Diagnostics for tests and the console; bounded, so a long local backfill does not grow the process with them.
    const diagnosticsLimit = options.diagnosticsLimit ?? 10_000;
    const keepNewest = <T>(list: T[], item: T): void => {
      list.push(item);
      if (list.length > diagnosticsLimit) list.splice(0, list.length - diagnosticsLimit);
    };
    const pending = new Set<Promise<void>>();
    let closed = false;
    const timers = new Set<NodeJS.Timeout>();
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      });

    const deliver = async (event: S3Event): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          keepNewest(routed, await routeEvent(event, { resolver, starter, write }));
          return;
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          if (closed || attempt > retryDelays.length) {
            dlq.push({ event, attempts: attempt, error: { name: e.name, message: e.message } });
            write(JSON.stringify({ level: 'ERROR', message: 'router gave up: event sent to the local DLQ', attempts: attempt, error: e.name, detail: e.message }));
            return;
          }
          await sleep(retryDelays[attempt - 1]!);
        }
      }
    };

    const onS3Event = (raw: S3Event) => {
      if (closed) return;
      // Mirrors the deployed notification: bucket-wide on the capture bucket, ObjectCreated, suffix .jsonl.
      // The artifacts bucket has no notification (its parts are .jsonl too and must not be routed).
      const records = (raw.Records ?? []).filter(
        (r) => r.s3?.bucket?.name === CAPTURE_BUCKET && String(r.eventName).startsWith('ObjectCreated:') && r.s3.object.key.endsWith('.jsonl'),
      );
      if (records.length === 0) return;
      const event: S3Event = { Records: records.map(asRealS3Record) };
      keepNewest(notifications, event);
      // Asynchronous, as S3 invokes the router: the PUT has already been answered.
      invokeAsync(event);
    };
    const invokeAsync = (event: S3Event): void => {
      const delivery = deliver(event).finally(() => pending.delete(delivery));
      pending.add(delivery);
    };
    const redriveDlq = async (): Promise<number> => {
      const letters = dlq.splice(0);
      for (const letter of letters) invokeAsync(letter.event);
      return letters.length;
    };
    (s3rver as unknown as EventEmitter).on('event', onS3Event);
    closers.push(() => {
      closed = true;
      (s3rver as unknown as EventEmitter).off('event', onS3Event);
      for (const timer of timers) clearTimeout(timer);
    });

    const waitForIdle = async (): Promise<void> => {
      // Executions write artifacts and routing starts executions: loop until both sides are quiet together.
      for (;;) {
        if (pending.size > 0) {
          await Promise.all([...pending]);
          continue;
        }
        await sfn.waitForIdle();
        if (pending.size === 0 && sfn.running() === 0) return;
      }
    };

    // The admin API as API Gateway would serve it (without IAM auth: loopback only).
    const admin = createAdminServer({
      deps: { store: mappingStore, starter, lister: new S3CaptureLister(s3, CAPTURE_BUCKET), bucket: CAPTURE_BUCKET, allowlist: parseAllowlist(new URL(arthurHost).hostname), write },
    });
    await new Promise<void>((resolve, reject) => {
      admin.once('error', reject);
      admin.listen(port(3), '127.0.0.1', () => resolve());
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          admin.closeAllConnections();
          admin.close(() => resolve());
        }),
    );
    const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;

    // The console (N+5: N+3 is the admin API's), reading through the same adapters as `capture-router executions`.
    const captureLister = new S3CaptureLister(s3, CAPTURE_BUCKET);
    const consoleServer = await startConsoleServer({
      inspector: new ExecutionInspector(sfnClient, dynamodb, { stateMachineArn: runner.stateMachineArn, ingestionsTable }),
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
        const objects: Array<{ key: string; size: number }> = [];
        let continuationToken: string | undefined;
        do {
          const page = await captureLister.list({ prefix: '', continuationToken });
          objects.push(...page.objects);
          continuationToken = page.continuationToken;
        } while (continuationToken && objects.length < 5000);
        return objects;
      },
      resolve: (key) => resolver.resolve(key),
      captureBucket: CAPTURE_BUCKET,
      artifactsBucket,
      port: port(5),
    });
    closers.push(() => consoleServer.close());

    const endpoints = { s3: s3Endpoint, dynamodb: dynamoEndpoint, sfn: sfn.url, admin: adminUrl, arthur: arthurHost, console: consoleServer.url };
    const env: Record<string, string> = {
      AWS_REGION: REGION,
      // The AWS CLI reads AWS_DEFAULT_REGION; the SDKs read AWS_REGION.
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SFN: sfn.url,
      CAPTURE_ROUTER_API_URL: adminUrl,
      CAPTURE_BUCKET,
      ARTIFACTS_BUCKET: artifactsBucket,
      MAPPINGS_TABLE: mappingsTable,
      INGESTIONS_TABLE: ingestionsTable,
      STATE_MACHINE_ARN: runner.stateMachineArn,
      // What `capture-router executions` reads (the deployed stack's names go in the same variables).
      CAPTURE_ROUTER_STATE_MACHINE_ARN: runner.stateMachineArn,
      CAPTURE_ROUTER_INGESTIONS_TABLE: ingestionsTable,
      CAPTURE_ROUTER_ARTIFACTS_BUCKET: artifactsBucket,
      ARTHUR_HOST: arthurHost,
      ARTHUR_HOST_ALLOWLIST: new URL(arthurHost).hostname,
      // Names a secret that does not exist locally: the stack's UploadPart takes the token from ARTHUR_TOKEN.
      ARTHUR_TOKEN_SECRET_ARN: localSecretArn,
      ARTHUR_TOKEN: arthurToken,
      ...(options.arthurOrganizationId ? { ARTHUR_ORGANIZATION_ID: options.arthurOrganizationId } : {}),
    };

    return {
      endpoints,
      env,
      captureBucket: CAPTURE_BUCKET,
      artifactsBucket,
      mappingsTable,
      ingestionsTable,
      stateMachineArn: runner.stateMachineArn,
      arthurToken,
      receiver,
      sfn,
      dlq,
      routed,
      notifications,
      deliver: (event) => {
        if (!closed) invokeAsync(event);
      },
      redriveDlq,
      putMapping: (prefix, modelId, extra = {}) => mappingStore.putMapping({ ...extra, prefix, modelId }),
      waitForIdle,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * s3rver's record → the record real S3 sends: the key form-URL-encoded (s3rver passes it raw, and the router
 * decodes), event version 2.1, a well-formed bucket ARN.
 */
function asRealS3Record(record: S3EventRecord): S3EventRecord {
  return {
    ...record,
    eventVersion: '2.1',
    s3: {
      ...record.s3,
      configurationId: 'capture-router-jsonl',
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
    },
  };
}

/** The part of s3rver's filesystem store that {@link makePutsAtomic} replaces and uses. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<unknown>;
  putObject(object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: unknown }): Promise<{ size: number; md5: string }>;
}

/**
 * Makes s3rver's PUT atomic, as S3's is. s3rver 3.7.1 writes the object file in place (truncate, then write) and
 * answers (and emits its event) once the bytes are handed to the write stream, not once they are on disk. So a
 * reader of the object — ValidateCapture, started by the very event of the PUT — could see an empty or partial
 * file, and a second PUT of the same key truncates the file under a running execution (seen here: a re-put made
 * the first execution fail with CaptureRejectedError). Writing to a temporary file and renaming it over the
 * object gives readers either the old bytes or the new ones, never a mix; a reader that opened the old file keeps
 * it. The metadata file is still written after the rename, as s3rver does, so for a moment a reader may pair the
 * new bytes with the old ETag.
 */
function makePutsAtomic(server: S3rver): void {
  const store = (server as unknown as { store: S3rverStore }).store;
  store.putObject = async function putObject(object) {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    // Not ending in `._S3rver_object`: listings skip it while it is being written.
    const temporary = `${objectPath}.incoming-${randomBytes(6).toString('hex')}`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : (object.content as Readable);
    try {
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(temporary),
      );
      await rename(temporary, objectPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

async function ignoreExisting(action: () => Promise<unknown>, names: string[]): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof Error) || !names.includes(error.name)) throw error;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
