import { describe, expect, it } from '@jest/globals';
import type { MappingItem } from '../../../src/contracts.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';

function mapping(prefix: string, modelId: string, enabled = true): MappingItem {
  return { prefix, modelId, enabled, createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:00:00.000Z' };
}

/** An in-memory table that records every batch it is asked for. */
function table(items: MappingItem[]) {
  const rows = new Map(items.map((item) => [item.prefix, item]));
  const batches: string[][] = [];
  let failNext = false;
  const fetch = async (prefixes: readonly string[]) => {
    batches.push([...prefixes]);
    await new Promise((resolve) => setImmediate(resolve));
    if (failNext) {
      failNext = false;
      throw new Error('table unavailable');
    }
    return new Map(prefixes.flatMap((p) => (rows.has(p) ? [[p, rows.get(p)!] as const] : [])));
  };
  return { rows, batches, fetch, failOnce: () => {
      failNext = true;
    },
  };
}

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

const KEY = (hour: string, file: string) => `captures/churn/AllTraffic/2024/05/01/${hour}/${file}.jsonl`;

describe('MappingResolver', () => {
  it('reads every candidate prefix of a key in one batch and returns the longest match', async () => {
    const t = table([mapping('captures/', 'all'), mapping('captures/churn/', 'churn')]);
    const resolver = new MappingResolver(t.fetch);
    const result = await resolver.resolve(KEY('13', 'f1'));
    expect(result.match).toEqual({ prefix: 'captures/churn/', mapping: t.rows.get('captures/churn/') });
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]).toHaveLength(7);
    expect(result.fetched).toBe(7);
  });

  it('serves the other keys of the same folder from the cache, negative answers included', async () => {
    const t = table([mapping('captures/churn/', 'churn')]);
    const resolver = new MappingResolver(t.fetch);
    for (let i = 0; i < 50; i += 1) {
      const result = await resolver.resolve(KEY('13', `file-${i}`));
      expect(result.match?.mapping.modelId).toBe('churn');
    }
    expect(t.batches).toHaveLength(1);
  });

  it('asks only for the prefixes it does not know yet when a new folder appears', async () => {
    const t = table([mapping('captures/churn/', 'churn')]);
    const resolver = new MappingResolver(t.fetch);
    await resolver.resolve(KEY('13', 'a'));
    const next = await resolver.resolve(KEY('14', 'b'));
    expect(t.batches[1]).toEqual(['captures/churn/AllTraffic/2024/05/01/14/']);
    expect(next.fetched).toBe(1);
    expect(next.match?.prefix).toBe('captures/churn/');
  });

  it('remembers that a key has no mapping, and reads again once the TTL has passed', async () => {
    const c = clock();
    const t = table([]);
    const resolver = new MappingResolver(t.fetch, { ttlMs: 60_000, now: c.now });
    expect((await resolver.resolve('unmapped/x/a.jsonl')).match).toBeUndefined();
    expect((await resolver.resolve('unmapped/x/b.jsonl')).match).toBeUndefined();
    expect(t.batches).toHaveLength(1);

    t.rows.set('unmapped/', mapping('unmapped/', 'late'));
    c.t = 59_999;
    expect((await resolver.resolve('unmapped/x/c.jsonl')).match).toBeUndefined();
    c.t = 60_000;
    expect((await resolver.resolve('unmapped/x/d.jsonl')).match?.mapping.modelId).toBe('late');
    expect(t.batches).toHaveLength(2);
  });

  it('notices a deleted mapping once the TTL has passed', async () => {
    const c = clock();
    const t = table([mapping('m/', 'gone-soon')]);
    const resolver = new MappingResolver(t.fetch, { ttlMs: 1_000, now: c.now });
    expect((await resolver.resolve('m/a.jsonl')).match).toBeDefined();
    t.rows.delete('m/');
    expect((await resolver.resolve('m/b.jsonl')).match).toBeDefined();
    c.t = 1_000;
    expect((await resolver.resolve('m/c.jsonl')).match).toBeUndefined();
  });

  it('reads the store for every key when the TTL is 0', async () => {
    const t = table([mapping('m/', 'x')]);
    const resolver = new MappingResolver(t.fetch, { ttlMs: 0 });
    await resolver.resolve('m/a.jsonl');
    await resolver.resolve('m/b.jsonl');
    expect(t.batches).toHaveLength(2);
  });

  it('shares one in-flight read between concurrent keys of one folder', async () => {
    const t = table([mapping('captures/churn/', 'churn')]);
    const resolver = new MappingResolver(t.fetch);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => resolver.resolve(KEY('13', `f${i}`))));
    expect(results.every((r) => r.match?.mapping.modelId === 'churn')).toBe(true);
    expect(t.batches).toHaveLength(1);
  });

  it('returns a disabled longest match rather than falling back to a broader mapping', async () => {
    const t = table([mapping('models/', 'all'), mapping('models/a/', 'a', false)]);
    const resolver = new MappingResolver(t.fetch);
    expect((await resolver.resolve('models/a/x.jsonl')).match).toMatchObject({ prefix: 'models/a/', mapping: { enabled: false } });
    expect((await resolver.resolve('models/ab/x.jsonl')).match).toMatchObject({ prefix: 'models/', mapping: { modelId: 'all' } });
  });

  it('rejects when the store fails, caches nothing, and succeeds on the next call', async () => {
    const t = table([mapping('m/', 'x')]);
    const resolver = new MappingResolver(t.fetch);
    t.failOnce();
    const concurrent = resolver.resolve('m/b.jsonl');
    await expect(resolver.resolve('m/a.jsonl')).rejects.toThrow('table unavailable');
    await expect(concurrent).rejects.toThrow('table unavailable');
    expect((await resolver.resolve('m/a.jsonl')).match?.mapping.modelId).toBe('x');
    expect(t.batches).toHaveLength(2);
  });

  it('resolves a key at the bucket root to nothing without reading the store', async () => {
    const t = table([]);
    const resolver = new MappingResolver(t.fetch);
    expect(await resolver.resolve('root.jsonl')).toEqual({ normalizedKey: 'root.jsonl', candidates: [], fetched: 0 });
    expect(t.batches).toHaveLength(0);
  });

  it('forgets cached answers when invalidated', async () => {
    const t = table([]);
    const resolver = new MappingResolver(t.fetch);
    await resolver.resolve('m/a.jsonl');
    t.rows.set('m/', mapping('m/', 'new'));
    resolver.invalidate('m/');
    expect((await resolver.resolve('m/a.jsonl')).match?.mapping.modelId).toBe('new');
  });
});
