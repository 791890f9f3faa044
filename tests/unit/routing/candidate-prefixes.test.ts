import { describe, expect, it } from '@jest/globals';
import { candidatePrefixes, longestMatch, normalizeKey } from '../../../src/routing/candidate-prefixes.js';
import { normalizePrefix } from '../../../src/routing/prefix.js';

describe('normalizeKey', () => {
  it.each([
    ['captures/ep/file.jsonl', 'captures/ep/file.jsonl'],
    ['/captures/ep/file.jsonl', 'captures/ep/file.jsonl'],
    ['captures//ep///file.jsonl', 'captures/ep/file.jsonl'],
    ['//captures//ep//file.jsonl', 'captures/ep/file.jsonl'],
    ['file.jsonl', 'file.jsonl'],
    ['captures/my endpoint/a+b/file.jsonl', 'captures/my endpoint/a+b/file.jsonl'],
  ])('normalizes %j to %j', (key, expected) => {
    expect(normalizeKey(key)).toBe(expected);
  });
});

describe('candidatePrefixes', () => {
  it.each([
    [
      'a SageMaker capture key, longest first',
      'captures/churn/AllTraffic/2024/05/01/13/05-31-123-uuid.jsonl',
      [
        'captures/churn/AllTraffic/2024/05/01/13/',
        'captures/churn/AllTraffic/2024/05/01/',
        'captures/churn/AllTraffic/2024/05/',
        'captures/churn/AllTraffic/2024/',
        'captures/churn/AllTraffic/',
        'captures/churn/',
        'captures/',
      ],
    ],
    ['a key with double slashes, collapsed', 'captures//churn/x.jsonl', ['captures/churn/', 'captures/']],
    ['a key with a leading slash', '/a/b/c.jsonl', ['a/b/', 'a/']],
    ['a key at the bucket root', 'file.jsonl', []],
    ['a key whose file name contains dots', 'a/b.c/d.e.jsonl', ['a/b.c/', 'a/']],
    ['a "folder" key ending in a slash', 'a/b/', ['a/b/', 'a/']],
  ])('lists %s', (_case, key, expected) => {
    expect(candidatePrefixes(key)).toEqual(expected);
  });

  it('never includes the file name, so a mapping named like the file cannot match', () => {
    expect(candidatePrefixes('models/a')).toEqual(['models/']);
  });

  it('produces prefixes in the same form as normalized mapping prefixes', () => {
    for (const candidate of candidatePrefixes('//x//y z//ü/file.jsonl')) expect(normalizePrefix(candidate)).toBe(candidate);
  });
});

describe('longestMatch', () => {
  const mappings = new Map([
    ['models/', 'all-models'],
    ['models/a/', 'model-a'],
    ['models/a/v2/', 'model-a-v2'],
    ['captures/my endpoint/', 'spaced'],
  ]);
  const match = (key: string) => longestMatch(candidatePrefixes(key), (prefix) => mappings.get(prefix));

  it.each([
    ['models/a/ matches its own files', 'models/a/file.jsonl', 'models/a/', 'model-a'],
    ['models/a/ does not catch models/ab/ (which falls back to models/)', 'models/ab/file.jsonl', 'models/', 'all-models'],
    ['models/a/ does not catch models/a-b/', 'models/a-b/file.jsonl', 'models/', 'all-models'],
    ['the longest of nested prefixes wins', 'models/a/v2/2024/05/file.jsonl', 'models/a/v2/', 'model-a-v2'],
    ['a nested prefix below the match is not needed', 'models/a/v1/file.jsonl', 'models/a/', 'model-a'],
    ['double slashes in the key still match', 'models//a///v2/file.jsonl', 'models/a/v2/', 'model-a-v2'],
    ['a prefix with a space', 'captures/my endpoint/x.jsonl', 'captures/my endpoint/', 'spaced'],
  ])('%s', (_case, key, prefix, value) => {
    expect(match(key)).toEqual({ prefix, value });
  });

  it.each([
    ['a key outside every prefix', 'other/a/file.jsonl'],
    ['a key equal to a prefix without its slash', 'models'],
    ['a key that only shares characters with a prefix', 'modelsx/a/file.jsonl'],
  ])('finds nothing for %s', (_case, key) => {
    expect(match(key)).toBeUndefined();
  });
});
