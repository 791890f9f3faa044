import { describe, expect, it } from '@jest/globals';
import { decodeS3EventKey, encodeS3EventKey } from '../../../src/routing/decode-key.js';

describe('decodeS3EventKey', () => {
  it.each([
    ['a key without escapes unchanged', 'captures/ep/AllTraffic/file.jsonl', 'captures/ep/AllTraffic/file.jsonl'],
    ['"+" as a space', 'captures/my+endpoint/file.jsonl', 'captures/my endpoint/file.jsonl'],
    ['"%2B" as a literal plus', 'captures/a%2Bb/file.jsonl', 'captures/a+b/file.jsonl'],
    ['"%2b" (lower-case hex) as a literal plus', 'captures/a%2bb/file.jsonl', 'captures/a+b/file.jsonl'],
    ['"%20" as a space', 'captures/my%20endpoint/file.jsonl', 'captures/my endpoint/file.jsonl'],
    ['"+" and "%2B" side by side', 'a+%2B+b.jsonl', 'a + b.jsonl'],
    ['a two-byte UTF-8 character', 'captures/caf%C3%A9/file.jsonl', 'captures/café/file.jsonl'],
    ['a three-byte UTF-8 character', 'captures/%E6%A8%A1%E5%9E%8B/file.jsonl', 'captures/模型/file.jsonl'],
    ['a four-byte UTF-8 character (astral plane)', 'captures/%F0%9F%9A%80/file.jsonl', 'captures/🚀/file.jsonl'],
    ['an escaped slash and percent', 'a%2Fb%25c.jsonl', 'a/b%c.jsonl'],
    ['S3-style escapes of reserved characters', 'x%3Dy%26z%3F%23.jsonl', 'x=y&z?#.jsonl'],
    ['an empty key', '', ''],
  ])('decodes %s', (_case, encoded, decoded) => {
    expect(decodeS3EventKey(encoded)).toEqual({ key: decoded, malformed: [] });
  });

  it.each([
    ['a lone "%" at the end', 'captures/100%', 'captures/100%', ['%']],
    ['"%" followed by one hex digit', 'captures/%A.jsonl', 'captures/%A.jsonl', ['%']],
    ['"%" followed by non-hex characters', 'captures/%ZZ/file.jsonl', 'captures/%ZZ/file.jsonl', ['%']],
    ['a stray continuation byte', 'a%80b.jsonl', 'a%80b.jsonl', ['%80']],
    ['a truncated multi-byte sequence, then valid text', 'caf%C3.jsonl', 'caf%C3.jsonl', ['%C3']],
    ['a truncated sequence followed by a valid escape', '%E6%A8%41.jsonl', '%E6%A8A.jsonl', ['%E6', '%A8']],
    ['an overlong encoding of "/"', '%C0%AF.jsonl', '%C0%AF.jsonl', ['%C0', '%AF']],
    ['an encoded UTF-16 surrogate', '%ED%A0%80.jsonl', '%ED%A0%80.jsonl', ['%ED', '%A0', '%80']],
    ['a byte that is never UTF-8', '%FF+x.jsonl', '%FF x.jsonl', ['%FF']],
    ['a bad escape between good ones', 'caf%C3%A9%ZZ%2B.jsonl', 'café%ZZ+.jsonl', ['%']],
  ])('keeps the raw text of %s and reports it', (_case, encoded, decoded, malformed) => {
    expect(decodeS3EventKey(encoded)).toEqual({ key: decoded, malformed });
  });

  it('never throws, whatever the input', () => {
    for (const encoded of ['%', '%%', '%%%41', '+%+', '%E2%82', '%F4%90%80%80', '%%C3%A9']) {
      expect(() => decodeS3EventKey(encoded)).not.toThrow();
    }
  });

  it('round-trips any key encoded the way S3 event notifications encode it', () => {
    const keys = ['captures/a b+c/ü 模型 🚀/%41.jsonl', 'x/~!*()\'-_.jsonl', 'tab\tand\nnewline.jsonl'];
    for (const key of keys) {
      const encoded = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
      expect(decodeS3EventKey(encoded)).toEqual({ key, malformed: [] });
    }
  });
});

describe('encodeS3EventKey', () => {
  it.each([
    ['captures/my endpoint/a+b/café.jsonl', 'captures/my+endpoint/a%2Bb/caf%C3%A9.jsonl'],
    ["x/(1)!'~*-_.jsonl", 'x/%281%29%21%27~*-_.jsonl'],
    ['模型/🚀.jsonl', '%E6%A8%A1%E5%9E%8B/%F0%9F%9A%80.jsonl'],
    ['100%/a=b&c.jsonl', '100%25/a%3Db%26c.jsonl'],
  ])('encodes %j as S3 notifications do', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
    expect(decodeS3EventKey(encoded)).toEqual({ key, malformed: [] });
  });
});
