/**
 * The prefixes under which a mapping for an object key could be stored. Matching is by whole segments, so the
 * lookup is a handful of exact reads (one BatchGetItem) instead of a scan, and `models/a/` never catches
 * `models/ab/…`.
 */

/**
 * Normalizes an object key for matching: strips leading slashes and collapses every run of slashes.
 *
 * Only for matching: the workflow must read the object under its real key, which keeps its slashes.
 * SageMaker writes `{dest}//{endpoint}/…` when the configured destination ends with '/', a known pitfall.
 *
 * @example
 * normalizeKey('/captures//ep/AllTraffic/file.jsonl'); // → 'captures/ep/AllTraffic/file.jsonl'
 */
export function normalizeKey(key: string): string {
  return key.replace(/\/+/g, '/').replace(/^\//, '');
}

/**
 * Every segment-boundary prefix of a key, longest first, without the file name; the key is normalized first.
 *
 * Longest first because the longest existing mapping wins: the first hit in this order is the answer.
 *
 * @example
 * candidatePrefixes('captures//ep/AllTraffic/2024/file.jsonl');
 * // → ['captures/ep/AllTraffic/2024/', 'captures/ep/AllTraffic/', 'captures/ep/', 'captures/']
 * candidatePrefixes('file.jsonl'); // → []
 */
export function candidatePrefixes(key: string): string[] {
  const normalized = normalizeKey(key);
  const prefixes: string[] = [];
  for (let end = normalized.lastIndexOf('/'); end > 0; end = normalized.lastIndexOf('/', end - 1)) {
    prefixes.push(normalized.slice(0, end + 1));
  }
  return prefixes;
}

/**
 * Picks the mapping of the longest candidate prefix that has one.
 *
 * `candidates` must be longest first, as {@link candidatePrefixes} returns them. A disabled mapping still wins:
 * disabling a nested prefix silences that subtree rather than handing its files to a broader mapping.
 *
 * @example
 * const found = new Map([['models/', 'all'], ['models/a/', 'model-a']]);
 * longestMatch(candidatePrefixes('models/a/x.jsonl'), (p) => found.get(p));  // → { prefix: 'models/a/', value: 'model-a' }
 * longestMatch(candidatePrefixes('models/ab/x.jsonl'), (p) => found.get(p)); // → { prefix: 'models/', value: 'all' }
 */
export function longestMatch<T>(
  candidates: readonly string[],
  lookup: (prefix: string) => T | undefined,
): { prefix: string; value: T } | undefined {
  for (const prefix of candidates) {
    const value = lookup(prefix);
    if (value !== undefined) return { prefix, value };
  }
  return undefined;
}
