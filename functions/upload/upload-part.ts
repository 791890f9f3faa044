import type { Readable } from 'node:stream';
import type { ArthurApi, ArthurTarget } from '../../src/arthur/api.js';
import { FAILURE_SAMPLE_SIZE } from '../../src/arthur/response.js';
import { assertAllowedHost, assertModelId } from '../../src/arthur/host-policy.js';
import type { Part, PartManifestRef, UploadPartEvent, UploadPartResult } from '../../src/contracts.js';
import { ConfigurationError, StorageUnavailableError, WORKFLOW_ERROR_NAMES } from '../../src/errors.js';
import { noMetrics, type LogFn, type MetricsSink } from '../../src/observability/telemetry.js';
import { PartIndex } from './part-index.js';
import { checkCounts, classify, partnerIdsOf } from './refusals.js';
import { uploadGroundTruth, type UploadGroundTruthDeps } from './upload-ground-truth.js';

export interface UploadPartDeps extends UploadGroundTruthDeps {
  /** Part `index` of a part manifest (one ranged GetObject of its line: src/aws/part-manifest-store.ts). */
  readPart(manifest: PartManifestRef, index: number): Promise<Part>;
  /** Keeps what Arthur answered for the part beside the manifest; the workflow's state keeps only its counts. */
  writeOutcome(manifest: PartManifestRef, index: number, outcome: UploadPartResult): Promise<void>;
  openPart(ref: { bucket: string; key: string; versionId?: string }): Promise<{ body: Readable; contentLength?: number }>;
  getToken(secretArn: string): Promise<string>;
  /**
   * Forgets a cached token (the Secrets Manager provider's `invalidate`). Given, an Arthur 401 on a cached token
   * reads the secret once more and tries once more: a rotated key is picked up at once, not after the cache's TTL.
   */
  invalidateToken?(secretArn: string): void;
  arthur: ArthurApi;
  defaultHost: string;
  defaultSecretArn: string;
  allowlist: readonly string[];
  timeoutMs: number;
  /** The stack's Arthur organization ID (a mapping's `organizationId` overrides it); unset: no header. */
  organizationId?: string;
  /** Deadline of the lookup before a re-send. Default a quarter of `timeoutMs`, at most 60 s (the upload follows it). */
  lookupTimeoutMs?: number;
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
  const { manifest, request, retryCount } = checkEvent(event);
  const part = await readManifest(manifest, event.index, deps);
  const metrics = deps.metrics ?? noMetrics;
  // ModelId as a dimension: one series per mapped model, bounded by the mappings table (tens to hundreds); error
  // names are the fixed set of src/errors.ts. Keys, hosts and messages stay in the logs.
  const model = { ModelId: String(request.modelId) };
  const now = deps.now ?? Date.now;
  const started = now();
  metrics.add('UploadAttempts', 'Count', 1, model);
  try {
    const out = await attemptWithFreshToken(part, request, retryCount, deps);
    metrics.add('ArthurLatency', 'Milliseconds', out.durationMs, model);
    metrics.add('InferencesSent', 'Count', out.result.success, model);
    metrics.add('InferencesFailed', 'Count', out.result.failure, model);
    // A retry found inferences an earlier attempt had delivered (its answer was lost): delivered, but worth seeing.
    if (out.result.alreadyPresent) metrics.add('InferencesAlreadyPresent', 'Count', out.result.alreadyPresent, model);
    await recordOutcome(manifest, part, out.result, deps);
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

/**
 * One attempt, and once more with the token read again when Arthur answers 401 and the token may be a cached one
 * that was rotated since. Safe: Arthur took nothing of a request it refused as unauthorized. A second 401 is the
 * ArthurAuthError the workflow records (never retried there).
 */
async function attemptWithFreshToken(
  part: Part,
  request: UploadPartEvent['request'],
  retryCount: number,
  deps: UploadPartDeps,
): Promise<{ result: UploadPartResult; durationMs: number }> {
  try {
    return await attempt(part, request, retryCount, deps);
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'ArthurAuthError' || !deps.invalidateToken) throw error;
    const secretArn = request.tokenSecretArn || deps.defaultSecretArn;
    deps.invalidateToken(secretArn);
    deps.log?.('warn', 'arthur refused the token: reading it again from Secrets Manager, one more attempt', { partIndex: part.index, tokenSecretArn: secretArn });
    return attempt(part, request, retryCount, deps);
  }
}

/** What one attempt decided to send, and what the lookup said about the rest. */
interface SendPlan {
  body: Readable;
  contentLength?: number;
  /** Inferences in the body sent. */
  sent: number;
  index?: PartIndex;
  held?: ReadonlySet<string>;
  /** Inferences not sent because Arthur holds them. */
  skipped: number;
  lookup: string;
}

async function attempt(
  part: Part,
  request: UploadPartEvent['request'],
  retryCount: number,
  deps: UploadPartDeps,
): Promise<{ result: UploadPartResult; durationMs: number }> {
  const host = request.arthurHost || deps.defaultHost;
  const base = assertAllowedHost(host, deps.allowlist);
  const modelId = assertModelId(request.modelId);
  const token = await deps.getToken(request.tokenSecretArn || deps.defaultSecretArn);
  const organizationId = request.organizationId || deps.organizationId || undefined;
  const target = { host: base.href, modelId, token, organizationId, timeoutMs: deps.timeoutMs, signal: deps.signal };
  if (request.kind === 'groundTruth') return uploadGroundTruth(part, (await openPart(part, deps)).body, target, deps);
  const plan = retryCount > 0 ? await planResend(part, target, deps) : await planFirst(part, deps);
  // The lookup found every inference of the part in Arthur: nothing is sent again.
  if (plan.held && plan.sent === 0 && plan.skipped > 0) {
    plan.body.destroy();
    const result = outcome(part, { status: 200, success: 0, failure: 0, alreadyPresent: plan.skipped }, emptyRefused(), plan.lookup, 'ok', []);
    logOutcome(deps, part, { modelId, host: base.host, retryCount, result, bytes: 0, durationMs: 0 });
    return { result, durationMs: 0 };
  }
  const answer = await deps.arthur.uploadCapture({ ...target, body: plan.body, contentLength: plan.contentLength, fileName: part.key });
  // Failures name eventIds (or positions); the part is read again to name their partner IDs, only when there are any.
  const index = plan.index ?? (answer.failures.length > 0 ? await indexAfterUpload(part, deps) : undefined);
  const traced = partnerIdsOf(answer, index);
  // On a retry an "already exists" refusal of the part's own ID also counts as present: the lookup may have been
  // unable to answer, or may have answered before Arthur's asynchronous ingestion of the earlier attempt finished.
  const { present, refused } = classify(traced, { held: plan.held, byMessage: retryCount > 0 });
  // A 2xx without readable counts means Arthur took the file without itemizing it.
  const counts = answer.counts ?? { success: plan.sent, failure: 0, total: plan.sent };
  const countsCheck = checkCounts(answer, plan.sent, answer.failures.length < answer.failuresListed);
  // Never more present than Arthur's own failure count, so a listing that disagrees with the counts cannot make failures negative.
  const fromFailures = Math.min(present, counts.failure);
  refused.count = counts.failure - fromFailures;
  const sample = traced.filter((t) => refused.ids.includes(t.id ?? '') || t.id === undefined).slice(0, FAILURE_SAMPLE_SIZE);
  const result = outcome(
    part,
    { status: answer.status, success: counts.success, failure: refused.count, alreadyPresent: fromFailures + plan.skipped },
    refused,
    plan.lookup,
    countsCheck,
    sample.map(({ failure, id }) => ({ ...(id ? { partnerInferenceId: id } : {}), ...failure })),
  );
  if (countsCheck !== 'ok' && countsCheck !== 'no counts') deps.log?.('warn', "arthur's counts disagree with what was sent", { key: part.key, partIndex: part.index, countsCheck });
  logOutcome(deps, part, { modelId, host: base.host, retryCount, result, bytes: answer.bytesSent, durationMs: answer.durationMs, countsReported: answer.counts !== undefined, shape: answer.shape });
  return { result, durationMs: answer.durationMs };
}

/** A first attempt: the part as it is, streamed from S3. */
async function planFirst(part: Part, deps: UploadPartDeps): Promise<SendPlan> {
  const { body, contentLength } = await openPart(part, deps);
  return { body, contentLength, sent: part.inferences, skipped: 0, lookup: 'not needed' };
}

/**
 * A retry follows an attempt whose outcome is unknown: it timed out, or its connection broke, possibly after Arthur
 * had committed the part. Arthur's lookup says which of the part's IDs it holds: only the rest is sent, the others
 * count as already present. When the lookup cannot answer, the whole part is sent and Arthur's "already exists"
 * refusals of the part's own IDs count as present (what a retry did before the lookup; docs/RELIABILITY.md).
 */
async function planResend(part: Part, target: ArthurTarget, deps: UploadPartDeps): Promise<SendPlan> {
  const index = await readIndex(part, deps, true);
  const ids = index.allIds();
  const lookup = await deps.arthur.lookupInferences({ ...target, partnerInferenceIds: ids, timeoutMs: deps.lookupTimeoutMs ?? Math.min(60_000, Math.ceil(deps.timeoutMs / 4)) });
  if (lookup.status !== 'ok') {
    deps.log?.('warn', 'the lookup before a re-send could not answer; sending the whole part', { key: part.key, partIndex: part.index, lookup: lookup.status, detail: lookup.detail });
    return { ...(await planFirst(part, deps)), index, lookup: `${lookup.status}: ${lookup.detail}` };
  }
  // Arthur holds none of them: the part goes as it is, streamed from S3 again.
  if (lookup.held.size === 0) return { ...(await planFirst(part, deps)), index, held: lookup.held, lookup: `0 of ${ids.length} held` };
  const rest = index.without(lookup.held);
  const skipped = index.inferences - rest.inferences;
  return { ...rest.body(), sent: rest.inferences, index, held: lookup.held, skipped, lookup: `${lookup.held.size} of ${ids.length} held` };
}

async function readIndex(part: Part, deps: UploadPartDeps, keepText: boolean): Promise<PartIndex> {
  const { body } = await openPart(part, deps);
  try {
    return await PartIndex.read(body, keepText);
  } catch (err) {
    body.destroy();
    throw storageFailure(err, `Reading the part s3://${part.bucket}/${part.key} again failed`);
  }
}

/**
 * After Arthur took the part, a failed re-read must not fail the attempt (a retry would then meet an Arthur that
 * holds the part): the refusals stay counted, only not traced to partner IDs.
 */
async function indexAfterUpload(part: Part, deps: UploadPartDeps): Promise<PartIndex | undefined> {
  try {
    return await readIndex(part, deps, false);
  } catch (err) {
    deps.log?.('warn', "the part could not be read again to name Arthur's refusals", { key: part.key, partIndex: part.index, errorName: err instanceof Error ? err.name : 'Error' });
    return undefined;
  }
}

function emptyRefused(): UploadPartResult['refused'] {
  return { count: 0, ids: [], unnamed: 0, messages: [] };
}

function outcome(
  part: Part,
  counts: { status: number; success: number; failure: number; alreadyPresent: number },
  refused: UploadPartResult['refused'],
  lookup: string,
  countsCheck: string,
  sample: unknown[],
): UploadPartResult {
  return {
    partIndex: part.index,
    status: counts.status,
    inferences: part.inferences,
    success: counts.success,
    failure: counts.failure,
    alreadyPresent: counts.alreadyPresent,
    total: part.inferences,
    refused,
    lookup,
    countsCheck,
    ...(sample.length > 0 ? { failureSample: sample } : {}),
  };
}

function logOutcome(
  deps: UploadPartDeps,
  part: Part,
  fields: { modelId: string; host: string; retryCount: number; result: UploadPartResult; bytes: number; durationMs: number; countsReported?: boolean; shape?: string },
): void {
  const { result } = fields;
  const message =
    result.failure > 0
      ? 'arthur took the part with failures'
      : result.alreadyPresent > 0
        ? 'arthur took the part; an earlier attempt had delivered some of it'
        : 'arthur took the part';
  deps.log?.(result.failure > 0 ? 'warn' : 'info', message, {
    modelId: fields.modelId,
    host: fields.host,
    bucket: part.bucket,
    key: part.key,
    partIndex: part.index,
    status: result.status,
    inferences: part.inferences,
    success: result.success,
    failure: result.failure,
    alreadyPresent: result.alreadyPresent,
    total: result.total,
    refusedIds: result.refused.ids.slice(0, 10),
    lookup: result.lookup,
    countsCheck: result.countsCheck,
    retryCount: fields.retryCount,
    countsReported: fields.countsReported ?? false,
    shape: fields.shape,
    bytes: fields.bytes,
    durationMs: fields.durationMs,
  });
}

/** The workflow builds this event; a malformed one is a definition bug, reported as such rather than as a crash. */
function checkEvent(event: UploadPartEvent): { manifest: PartManifestRef; request: UploadPartEvent['request']; retryCount: number } {
  const manifest = event?.manifest;
  const request = event?.request;
  if (!manifest || typeof manifest.bucket !== 'string' || typeof manifest.key !== 'string' || !Number.isSafeInteger(manifest.lineBytes) || !Number.isSafeInteger(event.index) || event.index < 0 || !request) {
    throw new ConfigurationError(
      'UploadPart needs {index, manifest: {bucket, key, lineBytes}, request: {modelId, …}, retryCount}; check the ' +
        "Map's ItemSelector and the UploadPart Parameters in statemachines/ingest.asl.yml.",
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
  return { manifest, request, retryCount };
}

/** The part's line of the manifest; S3 failing past its SDK retries is worth another attempt by the workflow. */
async function readManifest(manifest: PartManifestRef, index: number, deps: UploadPartDeps): Promise<Part> {
  try {
    return await deps.readPart(manifest, index);
  } catch (err) {
    throw storageFailure(err, `Reading part ${index} of the manifest s3://${manifest.bucket}/${manifest.key} failed`);
  }
}

/**
 * Writes the outcome once Arthur answered. A failed write fails the attempt as StorageUnavailableError: the retry
 * asks Arthur's lookup first (retryCount > 0), so what Arthur took is counted as alreadyPresent, never sent again.
 */
async function recordOutcome(manifest: PartManifestRef, part: Part, result: UploadPartResult, deps: UploadPartDeps): Promise<void> {
  try {
    await deps.writeOutcome(manifest, part.index, result);
  } catch (err) {
    throw storageFailure(err, `Arthur answered for part ${part.index}, but writing its outcome beside s3://${manifest.bucket}/${manifest.key} failed`);
  }
}

/**
 * Opens the part in S3. A missing or forbidden object is already CaptureUnreadableError (not retried); any other
 * failure outlasted the SDK's own retries (503 SlowDown, a reset) and is worth another attempt by the workflow.
 */
async function openPart(part: Part, deps: UploadPartDeps): Promise<{ body: Readable; contentLength?: number }> {
  try {
    return await deps.openPart({ bucket: part.bucket, key: part.key, versionId: part.versionId });
  } catch (err) {
    throw storageFailure(err, `S3 failed to open the part s3://${part.bucket}/${part.key}`);
  }
}

/**
 * An S3 read or write that failed past the SDK's retries: worth another attempt by the workflow
 * (StorageUnavailableError), unless it already is one of the workflow's typed errors (a missing object stays
 * CaptureUnreadableError).
 */
function storageFailure(err: unknown, doing: string): Error {
  if (err instanceof Error && (WORKFLOW_ERROR_NAMES as readonly string[]).includes(err.name)) return err;
  const name = err instanceof Error ? err.name : 'Error';
  return new StorageUnavailableError(`${doing}: ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
