/**
 * The admin API served over real HTTP (createAdminServer) against dynalite, s3rver and the Step Functions stub,
 * with the tables created from serverless.yml's own definitions.
 */
import '../../local/s3rver-des-shim.js';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdminServer } from '../../local/admin-server.js';
import { buildAdminDeps, type AdminDeps } from '../../functions/admin/app.js';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import type { MappingStore } from '../../src/aws/mapping-store.js';
import type { WorkflowStarter } from '../../src/aws/workflow-starter.js';
import { lineTelemetry } from '../../src/observability/telemetry.js';
import { createTables } from '../../local/table-definitions.js';
import { ROOT } from './cloudformation.js';
import { startDynalite, type DynaliteServer } from './dynalite-server.js';
import { startS3rver, type S3rverServer } from './s3rver-server.js';
import { startSfnStubServer, type SfnStubServer } from './sfn-stub-server.js';

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-dev-ingest';
export const BUCKET = 'datacapture';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON, or undefined when empty. */
  body: any;
}

export interface AdminHarness {
  url: string;
  db: DynaliteServer;
  s3: S3rverServer;
  sfn: SfnStubServer;
  store: DynamoDbMappingStore;
  starter: WorkflowStarter;
  s3Client: S3Client;
  logs: string[];
  /** Sets the admin API's clock (undefined: the real one). */
  setNow(now: Date | undefined): void;
  /** Sends one request; `body` is JSON-encoded unless `rawBody` is given. */
  api(method: string, path: string, options?: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** Fresh mappings table and bucket contents, stub executions forgotten. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startAdminHarness(overrides: Partial<AdminDeps> = {}): Promise<AdminHarness> {
  const [db, s3, sfn] = await Promise.all([startDynalite(), startS3rver(), startSfnStubServer({ stateMachineArns: [STATE_MACHINE_ARN] })]);
  const dynamo = db.client();
  const s3Client = s3.client();
  const sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  let generation = 0;
  const logs: string[] = [];
  let clock: Date | undefined;

  let store!: DynamoDbMappingStore;
  const freshTable = async () => {
    const tableName = `mappings-${++generation}`;
    await createTables(dynamo, join(ROOT, 'serverless.yml'), { MappingsTable: tableName });
    store = new DynamoDbMappingStore(dynamo, tableName);
  };
  await freshTable();
  await s3.createBucket(BUCKET);

  // The admin function's own wiring (buildAdminDeps), with the emulators' clients and JSON-line telemetry.
  const { store: storeOverride, ...otherOverrides } = overrides;
  const deps = buildAdminDeps(
    {
      mappingsTable: 'replaced-below',
      stateMachineArn: STATE_MACHINE_ARN,
      captureBucket: BUCKET,
      allowlist: ['arthur.example.com', '*.arthur.ai', '127.0.0.1'],
      mappingSecretArnPrefix: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:capture-router/',
      replayMaxObjects: 1000,
    },
    { dynamodb: dynamo, sfn: sfnClient, s3: s3Client },
    { telemetry: lineTelemetry((line) => void logs.push(line), 'admin'), now: () => clock ?? new Date(), ...otherOverrides },
  );
  // The deps read the current store through a getter, so reset() can swap in a fresh table.
  Object.defineProperty(deps, 'store', { get: (): MappingStore => storeOverride ?? store });
  const { starter } = deps;
  const server = createAdminServer({ deps });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    s3,
    sfn,
    get store() {
      return store;
    },
    starter,
    s3Client,
    logs,
    setNow(now) {
      clock = now;
    },
    async api(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let body: string | Buffer | undefined = options.rawBody;
      if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async reset() {
      await freshTable();
      sfn.reset();
      logs.length = 0;
      clock = undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sfnClient.destroy();
      await Promise.all([db.close(), s3.close(), sfn.close()]);
    },
  };
}

export const MODEL_A = '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e';
export const MODEL_B = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const MODEL_C = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
