/**
 * The task of the backfill state machine: one batch of objects from its Distributed Map (ItemReader
 * s3:listObjectsV2, ItemBatcher), routed exactly as POST /replay and the router route them.
 */
import type { ListedObject } from '../../src/aws/capture-lister.js';
import type { WorkflowStarter } from '../../src/aws/workflow-starter.js';
import { ConfigurationError } from '../../src/errors.js';
import type { Resolution } from '../../src/routing/mapping-resolver.js';
import { routeListedObjects, type RouteCounts } from '../admin/replay.js';

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

export interface BackfillDeps {
  /** The capture bucket: the only one the ingest workflow may read. */
  bucket: string;
  resolver: { resolve(key: string): Promise<Resolution> };
  starter: WorkflowStarter;
  concurrency?: number;
}

export type BackfillBatchResult = RouteCounts & { items: number };

export async function routeBatch(event: BackfillBatchEvent, deps: BackfillDeps): Promise<BackfillBatchResult> {
  const { bucket, force = false, replayId } = event.BatchInput ?? ({} as BackfillBatchEvent['BatchInput']);
  if (bucket !== deps.bucket) {
    throw new ConfigurationError(`backfill input names bucket "${String(bucket)}", but this stack routes "${deps.bucket}" only`);
  }
  if (force && !replayId) throw new ConfigurationError('backfill with force needs a replayId (e.g. the execution start time)');
  const objects: ListedObject[] = (event.Items ?? []).map((item) => {
    const etag = (item.Etag ?? item.ETag)?.replace(/^"(.*)"$/, '$1');
    return { key: item.Key, size: item.Size ?? 0, ...(etag ? { etag } : {}) };
  });
  const counts: RouteCounts = { started: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 };
  // A StartExecution failure fails the batch; the Map retries it, and what started comes back as already delivered.
  await routeListedObjects(objects, { ...deps, force, dryRun: false, replayId: replayId ?? '' }, counts);
  return { items: objects.length, ...counts };
}
