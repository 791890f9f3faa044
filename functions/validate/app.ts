/**
 * The validate Lambda's composition: configuration, dependencies from an S3 client, the middy handler.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createArtifactStore, createArtifactUpload } from '../../src/aws/artifact-store.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { DynamoDbIngestionLedger } from '../../src/aws/dynamodb-ingestion-ledger.js';
import { createObjectSource } from '../../src/aws/object-source.js';
import type { PartLimits } from '../../src/capture/index.js';
import { envReader } from '../../src/config.js';
import type { ValidationSummary, WorkflowInput } from '../../src/contracts.js';
import { correlation } from '../../src/observability/correlation.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import { withFields, type TelemetryPorts } from '../../src/observability/telemetry.js';
import { validateFile, type ValidateFileDeps } from './validate-file.js';

export interface ValidateConfig {
  artifactsBucket: string;
  /** The ingestions table (INGESTIONS_TABLE), read as the ledger before anything is read or sent. */
  ingestionsTable: string;
  limits: PartLimits;
  /**
   * Path-style S3 addressing (S3_FORCE_PATH_STYLE, default false). AWS needs none; an emulator such as s3rver
   * does, and whoever points the function at one says so here rather than the code guessing from an endpoint.
   */
  s3ForcePathStyle: boolean;
  /** The `Function` metric dimension (AWS_LAMBDA_FUNCTION_NAME); default `validate`. */
  functionName?: string;
}

/** 10 MiB / 10,000 records per part: far below what one invocation streams in seconds; a failed part costs one re-send. */
export const DEFAULT_PART_LIMITS: PartLimits = { maxBytes: 10 * 1024 * 1024, maxRecords: 10_000 };

/** Reads the validate function's configuration; throws naming the first missing or invalid variable. */
export function readValidateConfig(env: Readonly<Record<string, string | undefined>>): ValidateConfig {
  const read = envReader('validate', env);
  const functionName = read.optionalString('AWS_LAMBDA_FUNCTION_NAME');
  return {
    artifactsBucket: read.string('ARTIFACTS_BUCKET'),
    ingestionsTable: read.string('INGESTIONS_TABLE'),
    limits: {
      maxBytes: read.integer('MAX_PART_BYTES', { min: 1, fallback: DEFAULT_PART_LIMITS.maxBytes, unit: 'bytes' }),
      maxRecords: read.integer('MAX_PART_RECORDS', { min: 1, fallback: DEFAULT_PART_LIMITS.maxRecords }),
    },
    s3ForcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', false),
    ...(functionName ? { functionName } : {}),
  };
}

export interface ValidateHandlerDeps extends Omit<ValidateFileDeps, 'log'> {
  telemetry: TelemetryPorts;
}

export function buildValidateDeps(config: ValidateConfig, clients: Pick<AwsClients, 's3' | 'dynamodb'>, overrides: { telemetry?: TelemetryPorts } = {}): ValidateHandlerDeps {
  const telemetry = overrides.telemetry ?? createTelemetry('validate', config.functionName ?? 'validate');
  return {
    openObject: createObjectSource(clients.s3),
    putArtifact: createArtifactStore(clients.s3, config.artifactsBucket),
    openArtifactUpload: createArtifactUpload(clients.s3, config.artifactsBucket),
    artifactsBucket: config.artifactsBucket,
    ledger: new DynamoDbIngestionLedger(clients.dynamodb, config.ingestionsTable),
    limits: config.limits,
    metrics: telemetry.metrics,
    telemetry,
  };
}

export function createValidateHandler(deps: ValidateHandlerDeps) {
  const { telemetry, ...rest } = deps;
  // TimeoutError 10 s before Lambda's deadline (what the workflow retries), and the abort signal that stops the read.
  return middy<WorkflowInput, ValidationSummary>({ timeoutEarlyInMillis: 10_000 })
    .handler(async (event: WorkflowInput, context: Context, opts?: { signal?: AbortSignal }) => {
      telemetry.addContext(context);
      const log = withFields(telemetry.log, correlation(event));
      // A ground-truth mapping's label file has its own checker and batches (docs/ground-truth.md); same parts out.
      const summary = await validateFile(event, { ...rest, log, ...(opts?.signal ? { signal: opts.signal } : {}) });
      log('info', 'parts ready', { parts: summary.partCount, manifestKey: summary.manifest.key, quarantineKey: summary.quarantineKey, alreadyDelivered: summary.alreadyDelivered?.status });
      return summary;
    })
    .onError((request) => {
      const err = request.error as Error | undefined;
      withFields(telemetry.log, correlation(request.event))('error', 'validation failed', { errorName: err?.name, errorMessage: err?.message });
    });
}
