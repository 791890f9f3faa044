import { describe, expect, it } from '@jest/globals';
import { decodeBase64Text } from '../../../src/capture/index.js';
import { decodePlainBase64 } from '../../../src/capture/payload.js';

/**
 * decodeBase64Text takes a one-pass path for plain padded base64 and a checked path for everything else; both
 * must give what a strict reading gives: the alphabet, optional whitespace, at most two '=' at the end.
 */
const strict = (data: string): string | 'error' => {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) return 'error';
  const compact = data.replace(/\s+/g, '');
  if (compact.length % 4 === 1) return 'error';
  // The same decoder decodeBase64Text uses for this charset (WHATWG's "latin1" is windows-1252, total on bytes).
  return new TextDecoder('latin1', { fatal: true }).decode(Buffer.from(compact, 'base64'));
};
const ours = (data: string): string | 'error' => {
  try {
    return decodeBase64Text(data, 'latin1');
  } catch {
    return 'error';
  }
};

describe('decodeBase64Text', () => {
  it.each([
    ['padded', 'aGVsbG8=', 'hello'],
    ['unpadded', 'aGVsbG8', 'hello'],
    ['with line breaks', 'aGVs\nbG8=\n', 'hello'],
    ['two pad characters', 'aGk=', 'hi'],
  ])('decodes %s base64', (_name, data, text) => {
    expect(decodeBase64Text(data)).toBe(text);
  });

  it.each([
    ['base64url characters', 'aGk-aGk_'],
    ['a pad in the middle', 'aGk=aGk='],
    ['three pads', 'aG==='],
    ['a character outside the alphabet', 'aGVs*G8='],
    ['a truncated quantum', 'aGVsb'],
  ])('refuses %s', (_name, data) => {
    expect(decodePlainBase64(data)).toBeUndefined();
    expect(() => decodeBase64Text(data)).toThrow(/base64/);
  });

  it('agrees with the strict reading on 30,000 random strings of base64, pads, whitespace and stray characters', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const extras = ['=', '=', '=', ' ', '\n', '-', '_', '*', '.'];
    let seed = 99;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const mismatches: string[] = [];
    let onePass = 0;
    for (let i = 0; i < 30_000; i++) {
      const length = 1 + Math.floor(random() * 16);
      let data = '';
      for (let k = 0; k < length; k++) data += random() < 0.8 ? alphabet[Math.floor(random() * 64)] : extras[Math.floor(random() * extras.length)];
      // Half of them end in valid padding, so the one-pass path is taken often.
      if (i % 2 === 0) data = Buffer.from(data).toString('base64');
      // What the one-pass path decides alone must be the strict reading's bytes.
      const plain = decodePlainBase64(data);
      if (plain !== undefined) onePass++;
      const plainWrong = plain !== undefined && new TextDecoder('latin1', { fatal: true }).decode(plain) !== strict(data);
      if ((plainWrong || ours(data) !== strict(data)) && mismatches.length < 5) mismatches.push(JSON.stringify(data));
    }
    expect(mismatches).toEqual([]);
    expect(onePass).toBeGreaterThan(10_000);
  });
});
