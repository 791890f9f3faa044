/**
 * Bounded concurrency: at most `limit` calls of `fn` in flight, items taken in order.
 *
 * First-failure semantics: once a call rejects, no further item is started; the calls already in flight settle,
 * then the promise rejects with the first error. A caller that must try every item (the router, which counts
 * each record) catches inside `fn`.
 *
 * @example
 * const sizes = await mapLimit(keys, 8, async (key) => (await head(key)).size);
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        out[index] = await fn(items[index] as T, index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (failed) throw failure;
  return out;
}

/**
 * {@link mapLimit} for side effects only.
 *
 * @example
 * await forEachLimit(objects, 8, (object) => routeObject(object, deps));
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  await mapLimit(items, limit, fn);
}
