/**
 * The wiring of the functions the local stack runs (ValidateCapture, UploadPart, the router, the admin API) with
 * the stack's clients: the one place the local stack builds their deps. Kept apart on purpose, so it can call
 * each function's own `build<Name>Deps` once those exist (issue 10).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event } from 'aws-lambda';
import type { AdminDeps } from '../functions/admin/app.js';
import { routeEvent, type RouteEventDeps, type RouteSummary } from '../functions/router/route-event.js';
import { uploadPart, type UploadPartDeps } from '../functions/upload/upload-part.js';
import { validateCapture, type ValidateDeps } from '../functions/validate/validate-capture.js';
import { HttpArthurApi } from '../src/arthur/index.js';
import { parseAllowlist } from '../src/arthur/host-policy.js';
import { createArtifactStore } from '../src/aws/artifact-store.js';
import { S3CaptureLister } from '../src/aws/capture-lister.js';
import { DynamoDbMappingStore } from '../src/aws/dynamodb-mapping-store.js';
import { createObjectSource } from '../src/aws/object-source.js';
import { SfnWorkflowStarter } from '../src/aws/sfn-workflow-starter.js';
import type { UploadPartEvent, WorkflowInput } from '../src/contracts.js';
import { MappingResolver } from '../src/routing/mapping-resolver.js';
import type { StackNames } from './stack-names.js';
import type { TaskFunction } from './workflow-runner.js';

export interface LocalTaskClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** Pointed at the local Step Functions endpoint: the router starts executions through the real protocol. */
  sfn: SFNClient;
}

export interface LocalTaskConfig {
  names: StackNames;
  stateMachineArn: string;
  /** Where UploadPart sends: the local receiver's URL or a real Arthur. */
  arthurHost: string;
  arthurToken: string;
  /** ValidateCapture's part limits. Default the deployed ones: 10 MiB, 10,000 records. */
  partLimits?: { maxBytes: number; maxRecords: number };
  /** UploadPart's request timeout towards Arthur (ARTHUR_TIMEOUT_MS). Default 30,000. */
  uploadTimeoutMs?: number;
  write: (line: string) => void;
}

export interface LocalTasks {
  validate: ValidateDeps;
  upload: UploadPartDeps;
  router: RouteEventDeps;
  /** The router function: one S3 notification in, its summary out; throws to be retried. */
  route: (event: S3Event) => Promise<RouteSummary>;
  admin: AdminDeps;
  mappingStore: DynamoDbMappingStore;
  resolver: MappingResolver;
}

export function buildLocalTasks(clients: LocalTaskClients, config: LocalTaskConfig): LocalTasks {
  const { names, arthurHost, write } = config;
  const allowlist = parseAllowlist(new URL(arthurHost).hostname);
  const mappingStore = new DynamoDbMappingStore(clients.dynamodb, names.mappingsTable);
  // No cache: a mapping put a moment ago must route the next file, as the admin API's users expect locally.
  const resolver = new MappingResolver((prefixes) => mappingStore.getMappings(prefixes), { ttlMs: 0 });
  const starter = new SfnWorkflowStarter(clients.sfn, config.stateMachineArn);
  const router: RouteEventDeps = { resolver, starter, write };
  return {
    validate: {
      openObject: createObjectSource(clients.s3),
      putArtifact: createArtifactStore(clients.s3, names.artifactsBucket),
      artifactsBucket: names.artifactsBucket,
      // The deployed defaults (serverless.yml / the validate handler).
      limits: config.partLimits ?? { maxBytes: 10 * 1024 * 1024, maxRecords: 10_000 },
    },
    upload: {
      openPart: createObjectSource(clients.s3),
      // No Secrets Manager locally: one token for every mapping, whatever tokenSecretArn it names.
      getToken: async () => config.arthurToken,
      arthur: new HttpArthurApi(),
      defaultHost: arthurHost,
      defaultSecretArn: names.localSecretArn,
      allowlist,
      timeoutMs: config.uploadTimeoutMs ?? 30_000,
      log: (level, message, fields) => write(JSON.stringify({ level, message, function: 'upload-part', ...fields })),
    },
    router,
    route: (event) => routeEvent(event, router),
    admin: { store: mappingStore, starter, lister: new S3CaptureLister(clients.s3, names.captureBucket), bucket: names.captureBucket, allowlist, write },
    mappingStore,
    resolver,
  };
}

/**
 * The ASL's Lambda task states bound to the use cases. The runner needs them before the Step Functions endpoint
 * (and so the router's SFNClient) exists: they reach the deps through `tasks()`, set before any execution starts.
 */
export function workflowTaskStates(tasks: () => LocalTasks): Record<string, TaskFunction> {
  return {
    ValidateCapture: (input: WorkflowInput) => validateCapture(input, tasks().validate),
    UploadPart: (event: UploadPartEvent) => uploadPart(event, tasks().upload),
  };
}
