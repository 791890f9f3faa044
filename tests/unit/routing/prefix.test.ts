import { describe, expect, it } from '@jest/globals';
import { InvalidPrefixError, MAX_PREFIX_BYTES, normalizePrefix, validatePrefix } from '../../../src/routing/prefix.js';

describe('normalizePrefix', () => {
  it.each([
    ['models/a/', 'models/a/'],
    ['models/a', 'models/a/'],
    ['/models/a', 'models/a/'],
    ['///models/a', 'models/a/'],
    ['models//a', 'models/a/'],
    ['models///a////', 'models/a/'],
    ['a', 'a/'],
    ['captures/my endpoint/', 'captures/my endpoint/'],
    ['captures/a+b/', 'captures/a+b/'],
    ['captures/modèle/模型/', 'captures/modèle/模型/'],
    ['models/./a', 'models/./a/'],
    ['models/...a/', 'models/...a/'],
    ['models/a..b/', 'models/a..b/'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizePrefix(input)).toBe(expected);
    expect(validatePrefix(input)).toEqual({ ok: true, prefix: expected });
  });

  it('is idempotent', () => {
    for (const input of ['/a//b', 'a/b/', 'x']) expect(normalizePrefix(normalizePrefix(input))).toBe(normalizePrefix(input));
  });

  it.each([
    ['an empty string', '', 'empty'],
    ['a lone slash', '/', 'empty'],
    ['slashes only', '////', 'empty'],
    ['a ".." segment in the middle', 'models/../a/', 'dot-segment'],
    ['a leading ".." segment', '../models/', 'dot-segment'],
    ['a trailing ".." segment without a slash', 'models/..', 'dot-segment'],
    ['a ".." segment hidden by a double slash', 'models//..//a', 'dot-segment'],
    ['a NUL character', 'models/a\u0000b/', 'control-character'],
    ['a tab', 'models/a\tb/', 'control-character'],
    ['a newline', 'models/a\n', 'control-character'],
    ['DEL', 'models/\u007f/', 'control-character'],
    ['a C1 control character', 'models/\u0085/', 'control-character'],
    ['a lone high surrogate', 'models/\ud83d/', 'invalid-unicode'],
    ['a lone low surrogate', 'models/\ude80/', 'invalid-unicode'],
    ['1025 bytes', 'a'.repeat(MAX_PREFIX_BYTES), 'too-long'],
    ['1026 bytes of two-byte characters', 'é'.repeat(513), 'too-long'],
    ['a number', 42, 'not-a-string'],
    ['null', null, 'not-a-string'],
    ['undefined', undefined, 'not-a-string'],
  ])('rejects %s with rule %s', (_case, input, rule) => {
    const result = validatePrefix(input);
    expect(result).toMatchObject({ ok: false, rule });
    expect(() => normalizePrefix(input)).toThrow(InvalidPrefixError);
    try {
      normalizePrefix(input);
    } catch (error) {
      expect(error).toMatchObject({ name: 'InvalidPrefixError', rule });
      expect((error as Error).message).toContain(`rule: ${rule}`);
    }
  });

  it('accepts exactly 1024 bytes after the trailing slash is added', () => {
    expect(normalizePrefix('a'.repeat(MAX_PREFIX_BYTES - 1))).toHaveLength(MAX_PREFIX_BYTES);
  });

  it('says where the control character is', () => {
    expect(validatePrefix('ab\u0007')).toMatchObject({ ok: false, message: expect.stringContaining('U+0007 at index 2') });
  });
});
