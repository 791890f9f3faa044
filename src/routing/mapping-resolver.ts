import type { MappingItem } from '../contracts.js';
import { candidatePrefixes, longestMatch, normalizeKey } from './candidate-prefixes.js';
import { TtlCache, type TtlCacheOptions } from './ttl-cache.js';

/**
 * Reads the mappings stored under some exact prefixes, in as few round trips as it can (the DynamoDB adapter
 * makes one BatchGetItem). Prefixes without a mapping are simply absent from the result.
 *
 * @example
 * const fetchMappings: FetchMappings = (prefixes) => store.getMappings(prefixes);
 */
export type FetchMappings = (prefixes: readonly string[]) => Promise<ReadonlyMap<string, MappingItem>>;

/**
 * What a key resolved to.
 *
 * @example
 * const resolution: Resolution = {
 *   normalizedKey: 'models/a/x.jsonl', candidates: ['models/a/', 'models/'], fetched: 2,
 *   match: { prefix: 'models/a/', mapping: { prefix: 'models/a/', modelId: 'm', enabled: true, createdAt: '…', updatedAt: '…' } },
 * };
 */
export interface Resolution {
  /** The key as matched (leading '/' stripped, runs of '/' collapsed). */
  normalizedKey: string;
  /** Every candidate prefix of the key, longest first. */
  candidates: string[];
  /** The mapping of the longest candidate that has one, enabled or not; absent when no candidate has one. */
  match?: { prefix: string; mapping: MappingItem };
  /** How many candidates were read from the store for this key (0 when the cache answered everything). */
  fetched: number;
}

/**
 * Options of {@link MappingResolver}: those of its cache.
 *
 * @example
 * const options: MappingResolverOptions = { ttlMs: 0 }; // no cache: every key reads the table
 */
export type MappingResolverOptions = TtlCacheOptions;

/**
 * Resolves object keys to their longest-prefix mapping, caching every candidate prefix's answer (positive and
 * negative) so one read serves all the keys of a folder, and sharing in-flight reads between concurrent keys.
 *
 * @example
 * const resolver = new MappingResolver((prefixes) => store.getMappings(prefixes), { ttlMs: 60_000 });
 * const { match } = await resolver.resolve('captures/ep/AllTraffic/2024/05/01/13/05-31-123-uuid.jsonl');
 * // match → { prefix: 'captures/ep/', mapping: { modelId: '…', enabled: true, … } }, or undefined
 */
export class MappingResolver {
  private readonly cache: TtlCache<MappingItem>;
  private readonly inFlight = new Map<string, Promise<MappingItem | undefined>>();

  constructor(
    private readonly fetchMappings: FetchMappings,
    options: MappingResolverOptions = {},
  ) {
    this.cache = new TtlCache<MappingItem>(options);
  }

  /** Resolves one key. A store failure rejects, and nothing about the failed prefixes is cached. */
  async resolve(key: string): Promise<Resolution> {
    const normalizedKey = normalizeKey(key);
    const candidates = candidatePrefixes(normalizedKey);
    const known = new Map<string, MappingItem | undefined>();
    const pending: Array<Promise<void>> = [];
    const missing: string[] = [];

    for (const prefix of candidates) {
      const cached = this.cache.get(prefix);
      if (cached.hit) {
        known.set(prefix, cached.value);
        continue;
      }
      const shared = this.inFlight.get(prefix);
      if (shared) pending.push(shared.then((mapping) => void known.set(prefix, mapping)));
      else missing.push(prefix);
    }

    if (missing.length > 0) pending.push(this.fetch(missing, known));
    await Promise.all(pending);

    const found = longestMatch(candidates, (prefix) => known.get(prefix));
    return {
      normalizedKey,
      candidates,
      ...(found ? { match: { prefix: found.prefix, mapping: found.value } } : {}),
      fetched: missing.length,
    };
  }

  /** Forgets every cached answer, e.g. after the admin API changed a mapping in this same container. */
  invalidate(prefix?: string): void {
    if (prefix === undefined) this.cache.clear();
    else this.cache.delete(prefix);
  }

  private async fetch(prefixes: string[], known: Map<string, MappingItem | undefined>): Promise<void> {
    const batch = this.fetchMappings(prefixes);
    for (const prefix of prefixes) {
      const one = batch.then((found) => found.get(prefix));
      // A rejection is reported once, through `batch` below; this copy must not surface as unhandled.
      one.catch(() => undefined);
      this.inFlight.set(prefix, one);
    }
    try {
      const found = await batch;
      for (const prefix of prefixes) {
        const mapping = found.get(prefix);
        this.cache.set(prefix, mapping);
        known.set(prefix, mapping);
      }
    } finally {
      for (const prefix of prefixes) this.inFlight.delete(prefix);
    }
  }
}
