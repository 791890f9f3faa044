import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { MappingItem, WorkflowInput } from '../../src/contracts.js';
import type { StartWorkflowResult, WorkflowStarter } from '../../src/aws/workflow-starter.js';
import { decodeS3EventKey } from '../../src/routing/decode-key.js';
import { executionName } from '../../src/routing/execution-name.js';
import type { Resolution } from '../../src/routing/mapping-resolver.js';
import { emfLineMetrics, jsonLineLog, type LogFn, type MetricsSink } from '../../src/observability/telemetry.js';

/** What S3 sends once when a notification configuration is saved: no Records, nothing to route. */
export interface S3TestEvent {
  Service?: string;
  Event: 's3:TestEvent';
  Time?: string;
  Bucket?: string;
  RequestId?: string;
  HostId?: string;
}

export type RouterEvent = S3Event | S3TestEvent;

/** How the records of one event were handled. Every record is counted exactly once. */
export interface RouteSummary {
  records: number;
  /** A new execution was started. */
  started: number;
  /** An execution with the file's deterministic name exists already: a re-delivery, re-upload or replay. */
  alreadyDelivered: number;
  /** No mapping matches the key. */
  unrouted: number;
  /** The longest matching mapping is disabled. */
  disabled: number;
  /** Not for this router: not ObjectCreated, not from S3, or not a `.jsonl` key. */
  ignored: number;
  /** Failed; when any did, routeEvent throws RouteEventError carrying this summary. */
  failed: number;
}

export interface RouteEventDeps {
  resolver: { resolve(key: string): Promise<Resolution> };
  starter: WorkflowStarter;
  /** Writes one log line (a JSON object, or an EMF document): the sink when `log` / `metrics` are not given. */
  write: (line: string) => void;
  /** Structured log (the Lambda handler passes Powertools Logger). Default: JSON lines to `write`. */
  log?: LogFn;
  /** Metrics (the Lambda handler passes Powertools Metrics). Default: EMF lines to `write`. */
  metrics?: MetricsSink;
  /** Milliseconds since the epoch, for EMF timestamps. Default `Date.now`. */
  now?: () => number;
  /** Records routed at once. Default 4: StartExecution has a per-account rate, and most events hold one record. */
  concurrency?: number;
}

/** The event is not an S3 notification (no `Records` array): sent to the DLQ through a throw, to be looked at. */
export class UnsupportedEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedEventError';
  }
}

/**
 * Some records could not be routed (mapping table or StartExecution failing). Thrown after every record was tried,
 * so that Lambda's async retries and the DLQ keep the event; records already started come back as
 * already delivered on the retry.
 */
export class RouteEventError extends Error {
  readonly summary: RouteSummary;
  readonly errors: unknown[];
  constructor(message: string, options: ErrorOptions & { summary: RouteSummary; errors: unknown[] }) {
    super(message, options);
    this.name = 'RouteEventError';
    this.summary = options.summary;
    this.errors = options.errors;
  }
}

export { METRICS_NAMESPACE } from '../../src/observability/telemetry.js';
export type UnroutedReason = 'no-mapping' | 'mapping-disabled';
type Outcome = 'started' | 'alreadyDelivered' | 'unrouted' | 'disabled' | 'ignored';

/**
 * Routes every record of an S3 event notification: decodes the key, finds the longest-prefix mapping and starts
 * one ingest execution per capture file under a deterministic name.
 */
export async function routeEvent(event: RouterEvent, deps: RouteEventDeps): Promise<RouteSummary> {
  const summary: RouteSummary = { records: 0, started: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0, failed: 0 };
  if (isTestEvent(event)) {
    log(deps, 'INFO', 's3 test event ignored', { bucket: event.Bucket });
    return summary;
  }
  const records: unknown = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) {
    throw new UnsupportedEventError('event is neither an S3 event notification (Records) nor an s3:TestEvent');
  }
  summary.records = records.length;

  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const record = records[next++] as S3EventRecord;
      try {
        summary[await routeRecord(record, deps)] += 1;
      } catch (error) {
        summary.failed += 1;
        errors.push(error);
        const encodedKey = record?.s3?.object?.key;
        log(deps, 'ERROR', 'capture file not routed: failure', {
          bucket: record?.s3?.bucket?.name,
          key: typeof encodedKey === 'string' ? decodeS3EventKey(encodedKey).key : undefined,
          error: error instanceof Error ? error.name : 'Error',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
  const workers = Math.max(1, Math.min(deps.concurrency ?? 4, records.length));
  await Promise.all(Array.from({ length: workers }, worker));

  log(deps, errors.length ? 'ERROR' : 'INFO', 'event routed', { ...summary });
  if (errors.length > 0) {
    const first = errors[0] instanceof Error ? `${errors[0].name}: ${errors[0].message}` : String(errors[0]);
    throw new RouteEventError(`${errors.length} of ${summary.records} records could not be routed; first: ${first}`, {
      cause: errors[0],
      summary,
      errors,
    });
  }
  return summary;
}

async function routeRecord(record: S3EventRecord, deps: RouteEventDeps): Promise<Outcome> {
  if (!isObjectCreated(record)) return 'ignored';
  const bucket = record.s3?.bucket?.name;
  const encodedKey = record.s3?.object?.key;
  if (typeof bucket !== 'string' || bucket === '' || typeof encodedKey !== 'string' || encodedKey === '') {
    throw new UnsupportedEventError('an ObjectCreated record has no s3.bucket.name or s3.object.key');
  }
  const { key, malformed } = decodeS3EventKey(encodedKey);
  // The notification's suffix filter already says .jsonl; checking again covers a wider filter set by hand.
  if (!key.endsWith('.jsonl')) return 'ignored';
  if (malformed.length > 0) {
    log(deps, 'WARN', 'key holds malformed escapes, kept as received', { bucket, key, encodedKey, malformed });
  }

  const { match } = await deps.resolver.resolve(key);
  if (!match) return unrouted(deps, 'no-mapping', bucket, key);
  if (!match.mapping.enabled) return unrouted(deps, 'mapping-disabled', bucket, key, match);

  const object = record.s3.object;
  const { name, input } = planExecution(
    { bucket, key, etag: nonEmpty(object.eTag), versionId: nonEmpty(object.versionId), size: object.size },
    match,
  );
  const result: StartWorkflowResult = await deps.starter.start({ name, input });
  const fields = { bucket, key, modelId: input.modelId, mappingPrefix: match.prefix, executionName: name, executionArn: result.executionArn };
  // ModelId as a dimension: one metric per mapped model, a set the operators bound by registering mappings
  // (tens to hundreds), unlike keys or prefixes of unrouted files, which are unbounded and stay in the logs.
  if (result.started) {
    log(deps, 'INFO', 'execution started', fields);
    metric(deps, 'FilesRouted', { ModelId: input.modelId });
    return 'started';
  }
  log(deps, 'INFO', 'already delivered: execution exists', fields);
  metric(deps, 'FilesAlreadyDelivered', { ModelId: input.modelId });
  return 'alreadyDelivered';
}

/** One capture object as an S3 event (or a listing) describes it; `key` decoded, ETag with or without quotes. */
export interface CaptureObject {
  bucket: string;
  key: string;
  etag?: string;
  versionId?: string;
  size?: unknown;
}

/**
 * The execution the router starts for an object routed to `match`: its deterministic name and its input. The admin
 * API's resolve and replay call this too, so they name and feed executions exactly as the router does.
 */
export function planExecution(
  object: CaptureObject,
  match: { prefix: string; mapping: MappingItem },
): { name: string; input: WorkflowInput } {
  const etag = nonEmpty(object.etag);
  const versionId = nonEmpty(object.versionId);
  return {
    name: executionName({ bucket: object.bucket, key: object.key, etag, versionId }),
    input: workflowInput(object.bucket, object.key, versionId, etag, object.size, match.prefix, match.mapping),
  };
}

/** Field order is fixed: Step Functions compares the input of a repeated name as a string. */
export function workflowInput(
  bucket: string,
  key: string,
  versionId: string | undefined,
  etag: string | undefined,
  size: unknown,
  mappingPrefix: string,
  mapping: MappingItem,
): WorkflowInput {
  return {
    bucket,
    key,
    ...(versionId ? { versionId } : {}),
    ...(etag ? { etag } : {}),
    size: typeof size === 'number' && Number.isFinite(size) ? size : 0,
    modelId: mapping.modelId,
    mappingPrefix,
    ...(mapping.arthurHost ? { arthurHost: mapping.arthurHost } : {}),
    ...(mapping.tokenSecretArn ? { tokenSecretArn: mapping.tokenSecretArn } : {}),
    ...(mapping.organizationId ? { organizationId: mapping.organizationId } : {}),
  };
}

function unrouted(
  deps: RouteEventDeps,
  reason: UnroutedReason,
  bucket: string,
  key: string,
  match?: { prefix: string; mapping: MappingItem },
): Outcome {
  const extra = match ? { mappingPrefix: match.prefix, modelId: match.mapping.modelId } : {};
  log(deps, 'WARN', 'capture file not routed', { reason, bucket, key, ...extra });
  // Reason only: the key or prefix of an unrouted file is unbounded (a metric per value would be a bill), and the
  // log line above names it.
  metric(deps, 'FilesUnrouted', { Reason: reason });
  return reason === 'no-mapping' ? 'unrouted' : 'disabled';
}

function isTestEvent(event: RouterEvent): event is S3TestEvent {
  return (event as S3TestEvent | null)?.Event === 's3:TestEvent';
}

function isObjectCreated(record: S3EventRecord): boolean {
  if (record?.eventSource !== undefined && record.eventSource !== 'aws:s3') return false;
  const name = typeof record?.eventName === 'string' ? record.eventName.replace(/^s3:/, '') : '';
  return name.startsWith('ObjectCreated:');
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function log(deps: RouteEventDeps, level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown>): void {
  (deps.log ?? jsonLineLog(deps.write))(level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error', message, fields);
}

function metric(deps: RouteEventDeps, name: 'FilesRouted' | 'FilesAlreadyDelivered' | 'FilesUnrouted', dimensions: Record<string, string>): void {
  (deps.metrics ?? emfLineMetrics(deps.write, 'router', deps.now)).add(name, 'Count', 1, dimensions);
}
