/**
 * Object keys as S3 event notifications carry them: form-URL-encoded, so `+` is a space, a literal `+` arrives as
 * `%2B`, and every other reserved or non-ASCII byte as `%xx` (UTF-8, one escape per byte).
 */

/**
 * A decoded key, plus what could not be decoded (kept verbatim rather than guessed).
 *
 * @example
 * const decoded: DecodedKey = { key: 'captures/a b/x%ZZ.jsonl', malformed: ['%'] };
 */
export interface DecodedKey {
  /** The key as stored in S3, except for any escape listed in `malformed`, which is kept as it arrived. */
  key: string;
  /**
   * The raw escapes that were not valid (a `%` without two hex digits, or bytes that are not UTF-8), in order.
   * Empty for every key real S3 sends; non-empty means the key probably does not name a real object.
   */
  malformed: string[];
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an S3 event notification key without ever throwing.
 *
 * `decodeURIComponent` throws on the first bad escape and loses the whole key; here each bad escape is kept as
 * raw text and reported, so one odd key cannot take down the other records of the event.
 *
 * @example
 * decodeS3EventKey('captures/my+endpoint/a%2Bb/caf%C3%A9.jsonl');
 * // → { key: 'captures/my endpoint/a+b/café.jsonl', malformed: [] }
 * decodeS3EventKey('captures/100%/x.jsonl');
 * // → { key: 'captures/100%/x.jsonl', malformed: ['%'] }
 */
export function decodeS3EventKey(encoded: string): DecodedKey {
  if (!encoded.includes('%') && !encoded.includes('+')) return { key: encoded, malformed: [] };

  const malformed: string[] = [];
  let out = '';
  let i = 0;
  while (i < encoded.length) {
    const ch = encoded[i];
    if (ch === '+') {
      out += ' ';
      i += 1;
    } else if (ch !== '%') {
      out += ch;
      i += 1;
    } else {
      // Gather the whole run of %xx escapes: a multi-byte character spans several of them.
      const bytes: number[] = [];
      let j = i;
      while (j < encoded.length && encoded[j] === '%' && HEX.test(encoded.slice(j + 1, j + 3))) {
        bytes.push(parseInt(encoded.slice(j + 1, j + 3), 16));
        j += 3;
      }
      if (bytes.length === 0) {
        // A lone '%' (or '%' followed by non-hex): keep it literally.
        malformed.push('%');
        out += '%';
        i += 1;
      } else {
        out += decodeUtf8Run(bytes, malformed);
        i = j;
      }
    }
  }
  return { key: out, malformed };
}

/** Decodes valid UTF-8 sequences of a run of escaped bytes; an invalid byte is kept as its `%XX` escape. */
function decodeUtf8Run(bytes: number[], malformed: string[]): string {
  let out = '';
  let k = 0;
  while (k < bytes.length) {
    const length = utf8SequenceLength(bytes[k]);
    const sequence = length > 0 && k + length <= bytes.length ? tryDecode(bytes.slice(k, k + length)) : undefined;
    if (sequence !== undefined) {
      out += sequence;
      k += length;
    } else {
      const raw = `%${bytes[k].toString(16).toUpperCase().padStart(2, '0')}`;
      malformed.push(raw);
      out += raw;
      k += 1;
    }
  }
  return out;
}

function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0; // continuation byte, overlong lead (C0/C1) or beyond U+10FFFF
}

function tryDecode(sequence: number[]): string | undefined {
  // The fatal decoder also rejects what the lead byte alone cannot: overlong forms, surrogates, > U+10FFFF.
  try {
    return strictUtf8.decode(Uint8Array.from(sequence));
  } catch {
    return undefined;
  }
}

/**
 * Encodes a key the way S3 event notifications carry it: UTF-8 percent-encoding of everything but letters,
 * digits, `-_.*~` and `/`, and `+` for a space. The local stack needs it because s3rver's events carry raw keys.
 *
 * @example
 * encodeS3EventKey('captures/my endpoint/a+b/café.jsonl'); // → 'captures/my+endpoint/a%2Bb/caf%C3%A9.jsonl'
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
