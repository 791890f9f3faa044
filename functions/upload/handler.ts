import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { assertAllowedHost, parseAllowlist } from '../../src/arthur/host-policy.js';
import { HttpArthurApi } from '../../src/arthur/http-arthur-api.js';
import { createObjectSource } from '../../src/aws/object-source.js';
import { createTokenProvider } from '../../src/aws/token-provider.js';
import type { UploadPartEvent, UploadPartResult } from '../../src/contracts.js';
import { uploadPart } from './upload-part.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import { correlation } from '../../src/observability/correlation.js';
import { withFields } from '../../src/observability/telemetry.js';

// Configuration is read once, at cold start: a missing variable fails the init and names itself,
// instead of failing every upload later with a vaguer error.
function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`UploadPart cannot start: environment variable ${name} is not set.`);
  return value;
}

function optionalMs(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`UploadPart cannot start: ${name} must be a positive number of milliseconds, got "${raw}".`);
  }
  return value;
}

const defaultHost = required('ARTHUR_HOST');
const defaultSecretArn = required('ARTHUR_TOKEN_SECRET_ARN');
const allowlist = parseAllowlist(required('ARTHUR_HOST_ALLOWLIST'));
// Arthur's own client waits 300 s for an answer (DESIGN.md, "Arthur's contract"); the function's timeout is above it.
const timeoutMs = optionalMs('ARTHUR_TIMEOUT_MS', 300_000);
/** Sent as Arthur-Organization-ID when set (a mapping's organizationId overrides it). */
const organizationId = process.env.ARTHUR_ORGANIZATION_ID?.trim() || undefined;
// The stack's own default must pass its own policy; finding out at the first upload would be too late.
assertAllowedHost(defaultHost, allowlist);

/** Time kept back from the Lambda deadline so the client's own timeout (a retried error) fires first. */
const DEADLINE_MARGIN_MS = 1_000;

const openPart = createObjectSource(new S3Client({}));
const getToken = createTokenProvider(new SecretsManagerClient({}));
const arthur = new HttpArthurApi();

// Powertools Logger and Metrics: JSON lines with the Lambda context, EMF metrics; secret-named fields redacted.
const telemetry = createTelemetry('upload', process.env.AWS_LAMBDA_FUNCTION_NAME || 'upload');
/** The file's correlation fields (bucket, key, modelId, executionName) and the part, on every line of the invocation. */
const logFor = (event: Partial<UploadPartEvent> | undefined) =>
  withFields(telemetry.log, { ...correlation(event?.request), partIndex: event?.part?.index, partKey: event?.part?.key });

export const handler = middy(
  async (event: UploadPartEvent, context: Context, opts?: { signal?: AbortSignal }): Promise<UploadPartResult> => {
    telemetry.addContext(context);
    const remaining = context?.getRemainingTimeInMillis?.();
    const budget = remaining === undefined ? timeoutMs : Math.min(timeoutMs, Math.max(1, remaining - DEADLINE_MARGIN_MS));
    return uploadPart(event, {
      openPart,
      getToken,
      arthur,
      defaultHost,
      defaultSecretArn,
      allowlist,
      timeoutMs: budget,
      organizationId,
      signal: opts?.signal,
      log: logFor(event),
      metrics: telemetry.metrics,
    });
  },
).onError((request) => {
  // Typed errors carry no token (the client never puts it in a message); the event holds only references.
  const err = request.error as (Error & { status?: number }) | undefined;
  const event = request.event as Partial<UploadPartEvent> | undefined;
  logFor(event)('error', 'upload failed', { errorName: err?.name, errorMessage: err?.message, status: err?.status });
});
