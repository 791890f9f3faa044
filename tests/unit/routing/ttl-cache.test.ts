import { describe, expect, it } from '@jest/globals';
import { TtlCache } from '../../../src/routing/ttl-cache.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('TtlCache', () => {
  it('misses a key it was never given', () => {
    expect(new TtlCache<string>().get('x')).toEqual({ hit: false });
  });

  it.each([
    ['a value', 'model-a'],
    ['absence (a negative entry)', undefined],
  ])('serves %s until the TTL has passed, then misses', (_case, value) => {
    const c = clock(1_000);
    const cache = new TtlCache<string>({ ttlMs: 60_000, now: c.now });
    cache.set('p/', value);
    c.t = 1_000 + 59_999;
    expect(cache.get('p/')).toEqual({ hit: true, value });
    c.t = 1_000 + 60_000;
    expect(cache.get('p/')).toEqual({ hit: false });
  });

  it('defaults to a 60 s TTL', () => {
    const c = clock();
    const cache = new TtlCache<number>({ now: c.now });
    cache.set('k', 1);
    c.t = 59_999;
    expect(cache.get('k').hit).toBe(true);
    c.t = 60_000;
    expect(cache.get('k').hit).toBe(false);
  });

  it('restarts the TTL when a key is set again', () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 10, now: c.now });
    cache.set('k', 1);
    c.t = 8;
    cache.set('k', 2);
    c.t = 15;
    expect(cache.get('k')).toEqual({ hit: true, value: 2 });
  });

  it('caches nothing when the TTL is 0', () => {
    const cache = new TtlCache<number>({ ttlMs: 0 });
    cache.set('k', 1);
    expect(cache.get('k')).toEqual({ hit: false });
    expect(cache.size).toBe(0);
  });

  it('evicts expired entries first when full, then the oldest', () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 100, maxEntries: 3, now: c.now });
    cache.set('old-1', 1);
    cache.set('old-2', 2);
    c.t = 50;
    cache.set('fresh', 3);
    c.t = 120; // old-1 and old-2 expired, fresh has not
    cache.set('new', 4);
    expect(cache.size).toBe(2);
    expect(cache.get('fresh')).toEqual({ hit: true, value: 3 });
    cache.set('newer', 5);
    cache.set('newest', 6); // full with nothing expired: the oldest (fresh) goes
    expect(cache.size).toBe(3);
    expect(cache.get('fresh')).toEqual({ hit: false });
    expect(cache.get('newest')).toEqual({ hit: true, value: 6 });
  });

  it('forgets one key or all of them on request', () => {
    const cache = new TtlCache<number>();
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a').hit).toBe(false);
    expect(cache.get('b').hit).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it.each([
    [{ ttlMs: -1 }],
    [{ ttlMs: Number.NaN }],
    [{ maxEntries: 0 }],
    [{ maxEntries: 1.5 }],
  ])('refuses the invalid options %j', (options) => {
    expect(() => new TtlCache(options)).toThrow(RangeError);
  });
});
