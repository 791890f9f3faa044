import type { Readable } from 'node:stream';
import type { ArthurApi } from '../../src/arthur/api.js';
import { assertAllowedHost, assertModelId } from '../../src/arthur/host-policy.js';
import type { Part, UploadPartEvent, UploadPartResult } from '../../src/contracts.js';
import { ConfigurationError, StorageUnavailableError, WORKFLOW_ERROR_NAMES } from '../../src/errors.js';
import { noMetrics, type LogFn, type MetricsSink } from '../../src/observability/telemetry.js';

export interface UploadPartDeps {
  openPart(ref: { bucket: string; key: string; versionId?: string }): Promise<{ body: Readable; contentLength?: number }>;
  getToken(secretArn: string): Promise<string>;
  arthur: ArthurApi;
  defaultHost: string;
  defaultSecretArn: string;
  allowlist: readonly string[];
  timeoutMs: number;
  /** Aborts the upload (middy's signal, raised just before the Lambda times out). */
  signal?: AbortSignal;
  /** Structured log sink; receives counts and references, never the token. */
  log?: LogFn;
  /** UploadAttempts, UploadFailures by error name, ArthurServerErrors, ArthurLatency, InferencesSent / InferencesFailed / InferencesAlreadyPresent. */
  metrics?: MetricsSink;
  /** Milliseconds, for the latency of failed attempts. Default `Date.now`. */
  now?: () => number;
}

/**
 * UploadPart: sends one part of a capture file to Arthur and returns Arthur's counts.
 * Every failure is thrown as a typed error whose name the workflow's Retry/Catch match; nothing is returned
 * as `{ok: false}`. The host is checked before the token is read, so a mapping pointing elsewhere never
 * causes the token to leave Secrets Manager.
 */
export async function uploadPart(event: UploadPartEvent, deps: UploadPartDeps): Promise<UploadPartResult> {
  const { part, request, retryCount } = checkEvent(event);
  const metrics = deps.metrics ?? noMetrics;
  // ModelId as a dimension: one series per mapped model, bounded by the mappings table (tens to hundreds); error
  // names are the fixed set of src/errors.ts. Keys, hosts and messages stay in the logs.
  const model = { ModelId: String(request.modelId) };
  const now = deps.now ?? Date.now;
  const started = now();
  metrics.add('UploadAttempts', 'Count', 1, model);
  try {
    const out = await attempt(part, request, retryCount, deps);
    metrics.add('ArthurLatency', 'Milliseconds', out.durationMs, model);
    metrics.add('InferencesSent', 'Count', out.result.success, model);
    metrics.add('InferencesFailed', 'Count', out.result.failure, model);
    // A retry found inferences an earlier attempt had delivered (its answer was lost): delivered, but worth seeing.
    if (out.result.alreadyPresent) metrics.add('InferencesAlreadyPresent', 'Count', out.result.alreadyPresent, model);
    return out.result;
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'Error';
    const status = (error as { status?: unknown })?.status;
    metrics.add('UploadFailures', 'Count', 1, { ...model, ErrorName: errorName });
    if (typeof status === 'number') {
      // Arthur answered: its latency counts, and a 5xx feeds the Arthur 5xx-rate alarm.
      metrics.add('ArthurLatency', 'Milliseconds', now() - started, model);
      if (status >= 500) metrics.add('ArthurServerErrors', 'Count', 1, model);
    }
    deps.log?.('warn', 'upload attempt failed', { partIndex: part.index, retryCount, errorName, status, errorMessage: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

async function attempt(
  part: Part,
  request: UploadPartEvent['request'],
  retryCount: number,
  deps: UploadPartDeps,
): Promise<{ result: UploadPartResult; durationMs: number }> {
  const host = request.arthurHost || deps.defaultHost;
  const secretArn = request.tokenSecretArn || deps.defaultSecretArn;
  const base = assertAllowedHost(host, deps.allowlist);
  const modelId = assertModelId(request.modelId);
  const token = await deps.getToken(secretArn);
  const { body, contentLength } = await openPart(part, deps);

  const result = await deps.arthur.uploadCapture({
    host: base.href,
    modelId,
    token,
    body,
    contentLength,
    fileName: part.key,
    timeoutMs: deps.timeoutMs,
    signal: deps.signal,
  });

  // A 2xx without readable counts means Arthur took the file without itemizing it.
  const counts = result.counts ?? { success: part.inferences, failure: 0, total: part.inferences };
  // A retry follows an attempt whose outcome is unknown: it timed out, or its connection broke, possibly after
  // Arthur had committed the part. Arthur then refuses the part's own partner IDs as "already exists": they are
  // delivered, and counting them as failures would record a delivered file PARTIAL. On a first attempt nothing of
  // ours came before, so "already exists" means another file carried that ID (docs/RELIABILITY.md, "Does not hold
  // yet" 7): a real refusal, kept among the failures. Capped by Arthur's own failure count, so a listing that
  // disagrees with the counts can never make failures negative.
  const alreadyPresent = retryCount > 0 ? Math.min(result.alreadyExists, counts.failure) : 0;
  const failure = counts.failure - alreadyPresent;
  const sample = alreadyPresent > 0 ? result.otherFailureSample : result.failureSample;
  const out: UploadPartResult = {
    partIndex: part.index,
    status: result.status,
    inferences: part.inferences,
    success: counts.success,
    failure,
    alreadyPresent,
    total: counts.total,
    ...(sample.length > 0 ? { failureSample: sample } : {}),
  };
  const message =
    failure > 0
      ? 'arthur took the part with failures'
      : alreadyPresent > 0
        ? 'arthur took the part; an earlier attempt had delivered some of it'
        : 'arthur took the part';
  deps.log?.(failure > 0 ? 'warn' : 'info', message, {
    modelId,
    host: base.host,
    bucket: part.bucket,
    key: part.key,
    partIndex: part.index,
    status: result.status,
    inferences: part.inferences,
    success: counts.success,
    failure,
    alreadyPresent,
    total: counts.total,
    retryCount,
    countsReported: result.counts !== undefined,
    bytes: result.bytesSent,
    durationMs: result.durationMs,
  });
  return { result: out, durationMs: result.durationMs };
}

/** The workflow builds this event; a malformed one is a definition bug, reported as such rather than as a crash. */
function checkEvent(event: UploadPartEvent): { part: Part; request: UploadPartEvent['request']; retryCount: number } {
  const part = event?.part;
  const request = event?.request;
  if (!part || typeof part.bucket !== 'string' || typeof part.key !== 'string' || !request) {
    throw new ConfigurationError(
      'UploadPart needs {part: {bucket, key, index, inferences}, request: {modelId, …}, retryCount}; check the ' +
        'Map\'s ItemSelector and the UploadPart Parameters in statemachines/ingest.asl.yml.',
    );
  }
  // Absent: an invocation from outside the workflow (or a definition without the field) is a first attempt,
  // the reading that never turns a refusal into a delivery.
  const retryCount = event.retryCount ?? 0;
  if (!Number.isSafeInteger(retryCount) || retryCount < 0) {
    throw new ConfigurationError(
      `UploadPart's retryCount must be $$.State.RetryCount (an integer ≥ 0), got ${JSON.stringify(retryCount)}; check ` +
        'the UploadPart Parameters in statemachines/ingest.asl.yml.',
    );
  }
  return { part, request, retryCount };
}

/**
 * Opens the part in S3. A missing or forbidden object is already CaptureUnreadableError (not retried); any other
 * failure outlasted the SDK's own retries (503 SlowDown, a reset) and is worth another attempt by the workflow.
 */
async function openPart(part: Part, deps: UploadPartDeps): Promise<{ body: Readable; contentLength?: number }> {
  try {
    return await deps.openPart({ bucket: part.bucket, key: part.key, versionId: part.versionId });
  } catch (err) {
    if (err instanceof Error && (WORKFLOW_ERROR_NAMES as readonly string[]).includes(err.name)) throw err;
    const name = err instanceof Error ? err.name : 'Error';
    throw new StorageUnavailableError(`S3 failed to open the part s3://${part.bucket}/${part.key}: ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
