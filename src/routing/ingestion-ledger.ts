/**
 * The ingestions table as the idempotency record: an object whose ledger entry says delivered is not started
 * again, whatever Step Functions still remembers (it forgets an execution's name 90 days after it closes, then
 * lets the name be reused: "Step Functions service quotas", execution history retention).
 */

/** What the ingestion record of one object says, as far as idempotency needs it. */
export interface LedgerEntry {
  /** UPLOADED, PARTIAL, REJECTED, FAILED… */
  status: string;
  /** The ETag of the object version that was delivered (newer records carry it). */
  etag?: string;
  versionId?: string;
  /** The execution that wrote the record: older records name the file only through it. */
  executionName?: string;
}

/** Reads ingestion records by object key (`bucket/key`). Adapters throw IngestionLedgerError. */
export interface IngestionLedger {
  /** The entries of those object keys that have one. */
  lookup(objectKeys: readonly string[]): Promise<Map<string, LedgerEntry>>;
}

/** The ledger could not be read (throttled past retries, a 5xx, no access). */
export class IngestionLedgerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestionLedgerError';
  }
}

/** The object key of an ingestion record, as the workflow writes it: `States.Format('{}/{}', $.bucket, $.key)`. */
export function ledgerKey(object: { bucket: string; key: string }): string {
  return `${object.bucket}/${object.key}`;
}

/**
 * Whether an entry says this very object version was delivered: UPLOADED or PARTIAL (PARTIAL is final: a resend
 * would duplicate what Arthur took), for the same ETag (and version ID when both have one). An entry without an
 * ETag, written before the workflow recorded it, counts when it was written by the execution the object would get
 * now: the execution name is a hash of bucket, key, ETag and version.
 *
 * @example
 * isDelivered({ status: 'UPLOADED', etag: 'e1' }, { etag: 'e1', executionName: 'x' }); // true
 * isDelivered({ status: 'UPLOADED', etag: 'e1' }, { etag: 'e2', executionName: 'x' }); // false: a new version
 */
export function isDelivered(entry: LedgerEntry | undefined, object: { etag?: string; versionId?: string; executionName: string }): boolean {
  if (!entry || (entry.status !== 'UPLOADED' && entry.status !== 'PARTIAL')) return false;
  if (entry.etag !== undefined && object.etag !== undefined) {
    if (unquote(entry.etag) !== unquote(object.etag)) return false;
    return entry.versionId === undefined || object.versionId === undefined || entry.versionId === object.versionId;
  }
  return entry.executionName === object.executionName;
}

/**
 * A ledger read once for a page of objects (one BatchGetItem per 100 keys), then answered from memory.
 *
 * @example
 * const page = await prefetchLedger(ledger, objects.map(ledgerKey));
 * await page.entryOf('datacapture/m/f.jsonl');
 */
export async function prefetchLedger(ledger: IngestionLedger, objectKeys: readonly string[]): Promise<PrefetchedLedger> {
  const entries = await ledger.lookup([...new Set(objectKeys)]);
  return { entryOf: async (objectKey) => entries.get(objectKey) };
}

/** What routeObject asks: the entry of one object key. */
export interface PrefetchedLedger {
  entryOf(objectKey: string): Promise<LedgerEntry | undefined>;
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}
