import { describe, expect, it } from '@jest/globals';
import { allPages, everyPage, type Page } from '../../src/pagination.js';

function pages(...contents: string[][]) {
  const asked: Array<string | undefined> = [];
  const fetchPage = async (token: string | undefined): Promise<Page<string>> => {
    asked.push(token);
    const index = token === undefined ? 0 : Number(token);
    return { items: contents[index]!, ...(index + 1 < contents.length ? { next: String(index + 1) } : {}) };
  };
  return { fetchPage, asked };
}

describe('everyPage', () => {
  it('yields every item of every page, in order, following the tokens', async () => {
    const p = pages(['a', 'b'], [], ['c']);
    expect(await allPages(p.fetchPage)).toEqual(['a', 'b', 'c']);
    expect(p.asked).toEqual([undefined, '1', '2']);
  });

  it('starts at a token the caller was handed', async () => {
    const p = pages(['a'], ['b'], ['c']);
    expect(await allPages(p.fetchPage, '1')).toEqual(['b', 'c']);
  });

  it('fetches no further page once the caller stops', async () => {
    const p = pages(['a', 'b'], ['c'], ['d']);
    for await (const item of everyPage(p.fetchPage)) if (item === 'b') break;
    expect(p.asked).toEqual([undefined]);
  });

  it('ends on an empty next token', async () => {
    expect(await allPages(async () => ({ items: [1], next: '' }))).toEqual([1]);
  });
});
