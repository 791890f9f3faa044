/**
 * Options of {@link TtlCache}.
 *
 * @example
 * const options: TtlCacheOptions = { ttlMs: 30_000, maxEntries: 5_000, now: () => fakeClock.ms };
 */
export interface TtlCacheOptions {
  /** How long an entry is served, in milliseconds. 0 disables the cache. Default 60,000. */
  ttlMs?: number;
  /**
   * Entries kept at most. Capture paths change folder every hour (`yyyy/mm/dd/hh/`), so a long-lived container
   * would otherwise collect one negative entry per endpoint per hour forever. Default 50,000 (≈ 270 bytes an
   * entry, so ≈ 13 MB), enough for a day of hour folders of 1,000 endpoints without evicting live entries.
   */
  maxEntries?: number;
  /** Current time in milliseconds; injectable so tests can move time. Default `Date.now`. */
  now?: () => number;
}

/**
 * A cache lookup: a hit carries the cached value, which may be `undefined` (a cached "does not exist").
 *
 * @example
 * const lookup: CacheLookup<string> = cache.get('models/');
 * if (lookup.hit && lookup.value === undefined) { // known to have no mapping
 * }
 */
export type CacheLookup<V> = { hit: true; value: V | undefined } | { hit: false };

/**
 * How long an answer is served by default: a changed mapping reaches every warm container within a minute.
 *
 * @example
 * new TtlCache({ ttlMs: DEFAULT_TTL_MS });
 */
export const DEFAULT_TTL_MS = 60_000;

/**
 * Default bound on entries; see {@link TtlCacheOptions.maxEntries}.
 *
 * @example
 * new TtlCache({ maxEntries: DEFAULT_MAX_ENTRIES * 2 });
 */
export const DEFAULT_MAX_ENTRIES = 50_000;

/**
 * An in-memory cache whose entries expire after a fixed time, caching absence as well as values.
 *
 * Negative entries matter as much as positive ones: most candidate prefixes of a key (`…/2024/`, `…/05/`) have no
 * mapping, and without caching that fact every key would cost a DynamoDB read. The TTL bounds how long a new,
 * changed or deleted mapping goes unnoticed by a warm container.
 *
 * @example
 * let t = 0;
 * const cache = new TtlCache<string>({ ttlMs: 60_000, now: () => t });
 * cache.set('models/a/', 'model-a');
 * cache.set('models/', undefined);        // remembered as "no mapping"
 * cache.get('models/');                   // → { hit: true, value: undefined }
 * t = 60_000;
 * cache.get('models/a/');                 // → { hit: false }
 */
export class TtlCache<V> {
  readonly ttlMs: number;
  readonly maxEntries: number;
  private readonly now: () => number;
  // Map iteration is insertion order, and every set re-inserts: the first entry is always the oldest.
  private readonly entries = new Map<string, { value: V | undefined; expiresAt: number }>();

  constructor(options: TtlCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 0) throw new RangeError(`ttlMs must be a finite number ≥ 0, got ${this.ttlMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be an integer ≥ 1, got ${this.maxEntries}`);
  }

  /** Number of entries held, expired ones included until they are evicted. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheLookup<V> {
    const entry = this.entries.get(key);
    if (entry === undefined) return { hit: false };
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return { hit: false };
    }
    return { hit: true, value: entry.value };
  }

  /** Stores a value, or `undefined` to remember that the key has none. */
  set(key: string, value: V | undefined): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    // Every entry has the same TTL, so insertion order is expiry order: drop expired ones from the front, and
    // when none has expired, the oldest.
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
