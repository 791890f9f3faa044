/**
 * The upload Lambda's composition: configuration, dependencies from S3 and Secrets Manager clients, the middy
 * handler (which gives each upload the time left before the Lambda deadline and middy's abort signal).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ArthurApi } from '../../src/arthur/api.js';
import { assertAllowedHost, parseAllowlist } from '../../src/arthur/host-policy.js';
import { HttpArthurApi } from '../../src/arthur/http-arthur-api.js';
import { HttpGroundTruthApi, type GroundTruthApi } from '../../src/arthur/ground-truth-api.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { createObjectSource } from '../../src/aws/object-source.js';
import { createManifestReader, createOutcomeWriter } from '../../src/aws/part-manifest-store.js';
import { createTokenProvider, type GetToken } from '../../src/aws/token-provider.js';
import { envReader } from '../../src/config.js';
import type { UploadPartEvent, UploadPartResult } from '../../src/contracts.js';
import { correlation } from '../../src/observability/correlation.js';
import { createTelemetry } from '../../src/observability/powertools.js';
import { withFields, type TelemetryPorts } from '../../src/observability/telemetry.js';
import { uploadPart, type UploadPartDeps } from './upload-part.js';

export interface UploadConfig {
  defaultHost: string;
  defaultSecretArn: string;
  allowlist: string[];
  timeoutMs: number;
  /** Sent as Arthur-Organization-ID when set (ARTHUR_ORGANIZATION_ID); a mapping's organizationId overrides it. */
  organizationId?: string;
  /** The `Function` metric dimension (AWS_LAMBDA_FUNCTION_NAME); default `upload`. */
  functionName?: string;
}

/**
 * Reads the upload function's configuration; throws naming the first missing or invalid variable, and when the
 * stack's own default host fails its own allowlist (finding out at the first upload would be too late).
 */
export function readUploadConfig(env: Readonly<Record<string, string | undefined>>): UploadConfig {
  const read = envReader('upload', env);
  const defaultHost = read.string('ARTHUR_HOST');
  const defaultSecretArn = read.string('ARTHUR_TOKEN_SECRET_ARN');
  const allowlist = parseAllowlist(read.string('ARTHUR_HOST_ALLOWLIST'));
  // Arthur's own client waits 300 s for an answer (DESIGN.md, "Arthur's contract"); serverless.yml gives the
  // function more than that, so the client's timeout (a retried error) fires before the Lambda's.
  const timeoutMs = read.integer('ARTHUR_TIMEOUT_MS', { min: 1, fallback: 300_000, unit: 'milliseconds' });
  const organizationId = read.optionalString('ARTHUR_ORGANIZATION_ID');
  assertAllowedHost(defaultHost, allowlist);
  const functionName = read.optionalString('AWS_LAMBDA_FUNCTION_NAME');
  return { defaultHost, defaultSecretArn, allowlist, timeoutMs, ...(organizationId ? { organizationId } : {}), ...(functionName ? { functionName } : {}) };
}

/** What every invocation shares; the handler adds the time budget, the abort signal and the correlated log. */
export interface UploadHandlerDeps extends Omit<UploadPartDeps, 'log' | 'signal'> {
  telemetry: TelemetryPorts;
}

/** Time kept back from the Lambda deadline so the client's own timeout (a retried error) fires first. */
const DEADLINE_MARGIN_MS = 1_000;

export function buildUploadDeps(
  config: UploadConfig,
  clients: Pick<AwsClients, 's3'> & Partial<Pick<AwsClients, 'secrets'>>,
  overrides: { telemetry?: TelemetryPorts; getToken?: GetToken; arthur?: ArthurApi; groundTruth?: GroundTruthApi; timeoutMs?: number } = {},
): UploadHandlerDeps {
  const provider = overrides.getToken || !clients.secrets ? undefined : createTokenProvider(clients.secrets);
  const getToken = overrides.getToken ?? provider;
  if (!getToken) throw new Error('buildUploadDeps: give a Secrets Manager client (clients.secrets) or a getToken override');
  return {
    openPart: createObjectSource(clients.s3),
    readPart: createManifestReader(clients.s3),
    writeOutcome: createOutcomeWriter(clients.s3),
    getToken,
    ...(provider ? { invalidateToken: (secretArn: string) => provider.invalidate(secretArn) } : {}),
    arthur: overrides.arthur ?? new HttpArthurApi(),
    // Built once per container beside the capture client: ground-truth batches PATCH through it (docs/ground-truth.md).
    groundTruth: overrides.groundTruth ?? new HttpGroundTruthApi(),
    defaultHost: config.defaultHost,
    defaultSecretArn: config.defaultSecretArn,
    allowlist: config.allowlist,
    timeoutMs: overrides.timeoutMs ?? config.timeoutMs,
    ...(config.organizationId ? { organizationId: config.organizationId } : {}),
    // Powertools Logger and Metrics: JSON lines with the Lambda context, EMF metrics; secret-named fields redacted.
    telemetry: overrides.telemetry ?? createTelemetry('upload', config.functionName ?? 'upload'),
  };
}

export function createUploadHandler(deps: UploadHandlerDeps) {
  const { telemetry, ...rest } = deps;
  /** The file's correlation fields (bucket, key, modelId, executionName) and the part, on every line of the invocation. */
  const logFor = (event: Partial<UploadPartEvent> | undefined) =>
    withFields(telemetry.log, { ...correlation(event?.request), partIndex: event?.index, manifestKey: event?.manifest?.key });
  return middy(async (event: UploadPartEvent, context: Context, opts?: { signal?: AbortSignal }): Promise<UploadPartResult> => {
    telemetry.addContext(context);
    const remaining = context?.getRemainingTimeInMillis?.();
    const budget = remaining === undefined ? rest.timeoutMs : Math.min(rest.timeoutMs, Math.max(1, remaining - DEADLINE_MARGIN_MS));
    return uploadPart(event, { ...rest, timeoutMs: budget, signal: opts?.signal, log: logFor(event), metrics: telemetry.metrics });
  }).onError((request) => {
    // Typed errors carry no token (the client never puts it in a message); the event holds only references.
    const err = request.error as (Error & { status?: number }) | undefined;
    logFor(request.event as Partial<UploadPartEvent> | undefined)('error', 'upload failed', { errorName: err?.name, errorMessage: err?.message, status: err?.status });
  });
}
