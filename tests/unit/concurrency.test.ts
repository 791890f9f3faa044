import { describe, expect, it } from '@jest/globals';
import { forEachLimit, mapLimit } from '../../src/concurrency.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('keeps the results in input order whatever order the calls end in', async () => {
    const out = await mapLimit([30, 10, 20], 3, async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms * 2;
    });
    expect(out).toEqual([60, 20, 40]);
  });

  it('never has more than `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    await forEachLimit(Array.from({ length: 20 }, (_, i) => i), 4, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
    });
    expect(most).toBe(4);
  });

  it('starts no item after the first failure, lets those in flight settle, then rejects with the first error', async () => {
    const begun: number[] = [];
    const settled: number[] = [];
    const error = await mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      begun.push(i);
      await tick();
      settled.push(i);
      if (i === 1) throw new Error('first');
      if (i === 2) throw new Error('second');
      return i;
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'first' });
    expect(begun).toEqual([0, 1, 2]);
    expect(settled).toEqual(begun);
  });

  it('resolves to an empty list for no items, and treats a limit below 1 as 1', async () => {
    expect(await mapLimit([], 8, async () => 1)).toEqual([]);
    expect(await mapLimit([1, 2], 0, async (x) => x)).toEqual([1, 2]);
  });
});
