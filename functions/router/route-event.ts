import type { S3Event, S3EventRecord } from 'aws-lambda';
import { forEachLimit } from '../../src/concurrency.js';
import { decodeS3EventKey } from '../../src/routing/decode-key.js';
import { countOutcome, emptyRouteCounts, isCaptureKey, routeObject, type RouteCounts, type RouteObjectDeps } from '../../src/routing/route-object.js';

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

/** How the records of one event were handled. Every record is counted exactly once (`ignored`: not for this
 * router: not ObjectCreated, not from S3, or not a `.jsonl` key). */
export interface RouteSummary extends RouteCounts {
  records: number;
  /** Failed; when any did, routeEvent throws RouteEventError carrying this summary. */
  failed: number;
}

/** The router's ports: those of routeObject (resolver, starter, log, metrics), and how many records at once. */
export interface RouteEventDeps extends Omit<RouteObjectDeps, 'dryRun' | 'name'> {
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

/**
 * Routes every record of an S3 event notification: decodes the key, then routeObject (longest-prefix mapping,
 * one ingest execution per capture file under a deterministic name). Every record is tried before a failure throws.
 */
export async function routeEvent(event: RouterEvent, deps: RouteEventDeps): Promise<RouteSummary> {
  const summary: RouteSummary = { records: 0, ...emptyRouteCounts(), failed: 0 };
  if (isTestEvent(event)) {
    deps.log('info', 's3 test event ignored', { bucket: event.Bucket });
    return summary;
  }
  const records: unknown = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) {
    throw new UnsupportedEventError('event is neither an S3 event notification (Records) nor an s3:TestEvent');
  }
  summary.records = records.length;

  const errors: unknown[] = [];
  await forEachLimit(records as S3EventRecord[], deps.concurrency ?? 4, async (record) => {
    try {
      await routeRecord(record, deps, summary);
    } catch (error) {
      summary.failed += 1;
      errors.push(error);
      const encodedKey = record?.s3?.object?.key;
      deps.log('error', 'capture file not routed: failure', {
        bucket: record?.s3?.bucket?.name,
        key: typeof encodedKey === 'string' ? decodeS3EventKey(encodedKey).key : undefined,
        error: error instanceof Error ? error.name : 'Error',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  });

  deps.log(errors.length ? 'error' : 'info', 'event routed', { ...summary });
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

async function routeRecord(record: S3EventRecord, deps: RouteEventDeps, summary: RouteSummary): Promise<void> {
  if (!isObjectCreated(record)) {
    summary.ignored += 1;
    return;
  }
  const bucket = record.s3?.bucket?.name;
  const encodedKey = record.s3?.object?.key;
  if (typeof bucket !== 'string' || bucket === '' || typeof encodedKey !== 'string' || encodedKey === '') {
    throw new UnsupportedEventError('an ObjectCreated record has no s3.bucket.name or s3.object.key');
  }
  const { key, malformed } = decodeS3EventKey(encodedKey);
  // The notification's suffix filter already says .jsonl; routeObject checks again (a wider filter set by hand).
  if (isCaptureKey(key) && malformed.length > 0) {
    deps.log('warn', 'key holds malformed escapes, kept as received', { bucket, key, encodedKey, malformed });
  }
  const { eTag, versionId, size } = record.s3.object;
  countOutcome(summary, await routeObject({ bucket, key, etag: eTag, versionId, size }, deps));
}

function isTestEvent(event: RouterEvent): event is S3TestEvent {
  return (event as S3TestEvent | null)?.Event === 's3:TestEvent';
}

function isObjectCreated(record: S3EventRecord): boolean {
  if (record?.eventSource !== undefined && record.eventSource !== 'aws:s3') return false;
  const name = typeof record?.eventName === 'string' ? record.eventName.replace(/^s3:/, '') : '';
  return name.startsWith('ObjectCreated:');
}
