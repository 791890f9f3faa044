/**
 * Mapping prefixes: the keys of the mappings table. A prefix is compared with the candidate prefixes of an object
 * key (see candidate-prefixes.ts), so both must be normalized the same way: no leading '/', runs of '/' collapsed,
 * and always ending at a segment boundary ('/').
 */

/**
 * S3 keys are at most 1024 bytes of UTF-8; a longer prefix could never match a key.
 *
 * @example
 * new TextEncoder().encode(prefix).length <= MAX_PREFIX_BYTES;
 */
export const MAX_PREFIX_BYTES = 1024;

/**
 * The rule a rejected prefix broke; stable strings the admin API returns to its callers.
 *
 * @example
 * const rule: PrefixRule = 'dot-segment';
 */
export type PrefixRule = 'not-a-string' | 'empty' | 'too-long' | 'control-character' | 'invalid-unicode' | 'dot-segment';

/**
 * A prefix that cannot be a mapping key. `rule` says which rule it broke; the message names the rule too.
 *
 * @example
 * try { normalizePrefix('a/../b'); } catch (e) { if (e instanceof InvalidPrefixError) e.rule; } // → 'dot-segment'
 */
export class InvalidPrefixError extends Error {
  readonly rule: PrefixRule;
  readonly prefix: unknown;
  constructor(rule: PrefixRule, prefix: unknown, message: string, options?: ErrorOptions) {
    super(`${message} (rule: ${rule})`, options);
    this.name = 'InvalidPrefixError';
    this.rule = rule;
    this.prefix = prefix;
  }
}

/**
 * The outcome of {@link validatePrefix}: the normalized prefix, or the rule it broke.
 *
 * @example
 * const result: PrefixValidation = { ok: false, rule: 'empty', message: 'prefix must not be empty …' };
 */
export type PrefixValidation =
  | { ok: true; prefix: string }
  | { ok: false; rule: PrefixRule; message: string };

// C0 controls, DEL and C1 controls: invisible in consoles and logs, so a mapping holding one could never be read
// back or typed by an operator.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rule refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8 = new TextEncoder();

/**
 * Checks and normalizes a mapping prefix without throwing: the admin API reports the broken rule to its caller.
 *
 * Normalization strips leading slashes, collapses every run of slashes into one and appends a trailing '/',
 * so `models/a` and `/models//a/` name the same mapping. Rejected: non-strings, an empty prefix (after
 * normalization, so '/' and '//' are empty too), control characters, lone UTF-16 surrogates, a '..' segment,
 * and more than 1024 bytes of UTF-8.
 *
 * @example
 * validatePrefix('/models//a');      // → { ok: true, prefix: 'models/a/' }
 * validatePrefix('models/../b/');    // → { ok: false, rule: 'dot-segment', message: 'prefix must not contain a ".." segment …' }
 */
export function validatePrefix(input: unknown): PrefixValidation {
  if (typeof input !== 'string') {
    return { ok: false, rule: 'not-a-string', message: `prefix must be a string, got ${describe(input)}` };
  }
  if (CONTROL.test(input)) {
    const at = input.search(CONTROL);
    const code = input.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, rule: 'control-character', message: `prefix must not contain control characters (U+${code} at index ${at})` };
  }
  if (LONE_SURROGATE.test(input)) {
    return { ok: false, rule: 'invalid-unicode', message: 'prefix must be valid Unicode (it holds a lone UTF-16 surrogate)' };
  }
  const collapsed = input.replace(/\/+/g, '/').replace(/^\//, '');
  if (collapsed === '') {
    return { ok: false, rule: 'empty', message: 'prefix must not be empty (a catch-all mapping is not allowed)' };
  }
  const prefix = collapsed.endsWith('/') ? collapsed : `${collapsed}/`;
  if (prefix.split('/').includes('..')) {
    return { ok: false, rule: 'dot-segment', message: 'prefix must not contain a ".." segment: S3 does not resolve it, so it would only ever match a literal ".." folder' };
  }
  const bytes = utf8.encode(prefix).length;
  if (bytes > MAX_PREFIX_BYTES) {
    return { ok: false, rule: 'too-long', message: `prefix must be at most ${MAX_PREFIX_BYTES} bytes of UTF-8 after normalization, got ${bytes}` };
  }
  return { ok: true, prefix };
}

/**
 * Normalizes a mapping prefix, throwing {@link InvalidPrefixError} (which names the broken rule) when it is invalid.
 *
 * @example
 * normalizePrefix('captures//my-endpoint'); // → 'captures/my-endpoint/'
 * normalizePrefix('');                      // throws InvalidPrefixError: prefix must not be empty … (rule: empty)
 */
export function normalizePrefix(input: unknown): string {
  const result = validatePrefix(input);
  if (!result.ok) throw new InvalidPrefixError(result.rule, input, result.message);
  return result.prefix;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
