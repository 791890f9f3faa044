/**
 * One page of a paginated API: its items and the token of the next page (absent, undefined or '' on the last).
 *
 * @example
 * const page: Page<string> = { items: ['a', 'b'], next: 'token-2' };
 */
export interface Page<T> {
  items: readonly T[];
  next?: string;
}

/**
 * Every item of every page, fetching a page only when the previous one is consumed; starts at `first` (a token a
 * caller was handed), or at the beginning. Stop early with `break`: no further page is fetched.
 *
 * @example
 * for await (const execution of everyPage((nextToken) => listPage(nextToken))) console.log(execution.name);
 */
export async function* everyPage<T>(fetchPage: (token: string | undefined) => Promise<Page<T>>, first?: string): AsyncGenerator<T, void, undefined> {
  let token = first;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.next || undefined;
  } while (token);
}

/**
 * Every item of every page, collected.
 *
 * @example
 * const mappings = await allPages((cursor) => store.listMappings({ cursor }).then((p) => ({ items: p.items, next: p.cursor })));
 */
export async function allPages<T>(fetchPage: (token: string | undefined) => Promise<Page<T>>, first?: string): Promise<T[]> {
  const out: T[] = [];
  for await (const item of everyPage(fetchPage, first)) out.push(item);
  return out;
}
