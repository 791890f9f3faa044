import '../../src/polyfills.js';
import middy from '@middy/core';
import { S3Client } from '@aws-sdk/client-s3';
import { createObjectSource } from '../../src/aws/object-source.js';
import { createArtifactStore } from '../../src/aws/artifact-store.js';
import type { ValidationResult, WorkflowInput } from '../../src/contracts.js';
import { validateCapture } from './validate-capture.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import { withFields } from '../../src/observability/telemetry.js';
import { correlation } from '../../src/observability/correlation.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set (serverless.yml sets it for the validate function)`);
  return value;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

const ARTIFACTS_BUCKET = required('ARTIFACTS_BUCKET');
// 10 MiB / 10,000 records per part: far below what one Lambda invocation streams in seconds, and a failed part
// costs one re-send of at most that much.
const LIMITS = { maxBytes: positive('MAX_PART_BYTES', 10 * 1024 * 1024), maxRecords: positive('MAX_PART_RECORDS', 10_000) };

// Path-style addressing keeps the same client working against the local stack (s3rver) and AWS.
const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3), requestChecksumCalculation: 'WHEN_REQUIRED' });
const telemetry = createTelemetry('validate', process.env.AWS_LAMBDA_FUNCTION_NAME || 'validate');
const deps = { openObject: createObjectSource(s3), putArtifact: createArtifactStore(s3, ARTIFACTS_BUCKET), artifactsBucket: ARTIFACTS_BUCKET, limits: LIMITS };

export const handler = middy<WorkflowInput, ValidationResult>()
  .handler(async (event, context) => {
    telemetry.addContext(context);
    const log = withFields(telemetry.log, correlation(event));
    const result = await validateCapture(event, { ...deps, log, metrics: telemetry.metrics });
    log('info', 'parts ready', { parts: result.parts.length, quarantineKey: result.quarantineKey });
    return result;
  })
  .onError((request) => {
    const err = request.error as Error | undefined;
    withFields(telemetry.log, correlation(request.event))('error', 'validation failed', { errorName: err?.name, errorMessage: err?.message });
  });
