/**
 * The task of the backfill state machine: one batch of objects from its Distributed Map (ItemReader
 * s3:listObjectsV2, ItemBatcher), routed by routeObject exactly as POST /replay and the router route them.
 */
import { forEachLimit } from '../../src/concurrency.js';
import { ConfigurationError } from '../../src/errors.js';
import { replayExecutionName } from '../../src/routing/execution-name.js';
import { type IngestionLedger, ledgerKey, prefetchLedger } from '../../src/routing/ingestion-ledger.js';
import { countOutcome, emptyRouteCounts, routeObject, type CaptureObject, type RouteCounts, type RouteObjectDeps } from '../../src/routing/route-object.js';

/** An item as the s3:listObjectsV2 ItemReader emits it (the ETag keeps S3's quotes). */
export interface ListObjectsItem {
  Key: string;
  Etag?: string;
  ETag?: string;
  Size?: number;
  LastModified?: string;
  StorageClass?: string;
}

/** What ItemBatcher hands the task: the batch, plus BatchInput from the execution input. */
export interface BackfillBatchEvent {
  Items: ListObjectsItem[];
  BatchInput: { bucket: string; force?: boolean; replayId?: string };
}

export interface BackfillDeps extends Omit<RouteObjectDeps, 'dryRun' | 'name' | 'ledger'> {
  /** The ingestions table: objects it records as delivered are skipped (one read per batch). */
  ingestionLedger?: IngestionLedger;
  /** The capture bucket: the only one the ingest workflow may read. */
  bucket: string;
  /** StartExecution calls in flight. Default 8: StartExecution is rate-limited per account and region. */
  concurrency?: number;
}

export type BackfillBatchResult = RouteCounts & { items: number };

export async function routeBatch(event: BackfillBatchEvent, deps: BackfillDeps): Promise<BackfillBatchResult> {
  const { bucket, force = false, replayId } = event.BatchInput ?? ({} as BackfillBatchEvent['BatchInput']);
  if (bucket !== deps.bucket) {
    throw new ConfigurationError(`backfill input names bucket "${String(bucket)}", but this stack routes "${deps.bucket}" only`);
  }
  if (force && !replayId) throw new ConfigurationError('backfill with force needs a replayId (e.g. the execution start time)');
  const objects: CaptureObject[] = (event.Items ?? []).map((item) => {
    const etag = (item.Etag ?? item.ETag)?.replace(/^"(.*)"$/, '$1');
    return { bucket, key: item.Key, size: item.Size ?? 0, ...(etag ? { etag } : {}) };
  });
  const counts = emptyRouteCounts();
  const name = force && replayId ? (object: CaptureObject) => replayExecutionName(object, replayId) : undefined;
  const ledger = deps.ingestionLedger && !name ? await prefetchLedger(deps.ingestionLedger, objects.map(ledgerKey)) : undefined;
  // A StartExecution failure fails the batch; the Map retries it, and what started comes back as already delivered.
  await forEachLimit(objects, deps.concurrency ?? 8, async (object) => {
    countOutcome(counts, await routeObject(object, { ...deps, ...(name ? { name } : {}), ...(ledger ? { ledger } : {}) }));
  });
  deps.log('info', 'backfill batch routed', { items: objects.length, ...counts });
  return { items: objects.length, ...counts };
}
