import { describe, expect, it } from '@jest/globals';
import { assertAllowedHost, assertModelId, isLoopback, parseAllowlist, uploadUrl } from '../../../src/arthur/index.js';
import { ConfigurationError } from '../../../src/errors.js';

const ALLOW = parseAllowlist('app.arthur.ai, *.arthur.example.com, 127.0.0.1, localhost, ::1');

describe('assertAllowedHost', () => {
  it.each([
    ['https host listed exactly', 'https://app.arthur.ai'],
    ['https host listed, with a trailing slash and a port', 'https://app.arthur.ai:8443/'],
    ['host in another case', 'https://APP.Arthur.AI'],
    ['fully qualified name with a trailing dot', 'https://app.arthur.ai./'],
    ['subdomain under a wildcard', 'https://eu.arthur.example.com'],
    ['deeper subdomain under a wildcard', 'https://a.b.arthur.example.com'],
    ['path prefix (reverse proxy)', 'https://app.arthur.ai/arthur/'],
    ['http on 127.0.0.1 (local stack)', 'http://127.0.0.1:4584'],
    ['http on localhost', 'http://localhost:4584'],
    ['http on ::1', 'http://[::1]:4584'],
  ])('accepts %s', (_label, host) => {
    expect(() => assertAllowedHost(host, ALLOW)).not.toThrow();
  });

  it.each([
    ['a host not listed', 'https://evil.example.net', /not in the allowlist/],
    ['the apex of a wildcard entry', 'https://arthur.example.com', /not in the allowlist/],
    ['a look-alike suffix', 'https://evilarthur.example.com', /not in the allowlist/],
    ['a listed name as a prefix of another domain', 'https://app.arthur.ai.evil.net', /not in the allowlist/],
    ['plain http off loopback, even when listed', 'http://app.arthur.ai', /plain http/],
    ['plain http on a private address', 'http://10.0.0.5', /plain http/],
    ['http on loopback that is not listed', 'http://127.0.0.2:80', /not in the allowlist/],
    ['another scheme', 'ftp://app.arthur.ai', /must use https/],
    ['credentials in the URL', 'https://user:pw@app.arthur.ai', /credentials/],
    ['a query string', 'https://app.arthur.ai/?x=1', /query/],
    ['not a URL', 'app.arthur.ai', /not an absolute URL/],
    ['an empty string', '', /not an absolute URL/],
  ])('rejects %s with ConfigurationError', (_label, host, message) => {
    expect(() => assertAllowedHost(host, ALLOW)).toThrow(ConfigurationError);
    expect(() => assertAllowedHost(host, ALLOW)).toThrow(message);
  });

  it('rejects every host when the allowlist is empty, saying which variable to set', () => {
    expect(() => assertAllowedHost('https://app.arthur.ai', [])).toThrow(/ARTHUR_HOST_ALLOWLIST/);
  });

  it('matches a list that did not go through parseAllowlist the same way', () => {
    expect(() => assertAllowedHost('https://app.arthur.ai', ['APP.Arthur.AI.'])).not.toThrow();
    expect(() => assertAllowedHost('http://[::1]:1', ['::1'])).not.toThrow();
    expect(() => assertAllowedHost('https://x.arthur.ai', ['*.Arthur.AI'])).not.toThrow();
  });

  it('returns the URL without a trailing slash, so paths join cleanly', () => {
    expect(assertAllowedHost('https://app.arthur.ai/arthur/', ALLOW).href).toBe('https://app.arthur.ai/arthur');
  });
});

describe('parseAllowlist', () => {
  it('trims, lower-cases, drops empty entries and brackets IPv6', () => {
    expect(parseAllowlist(' App.Arthur.AI ,, *.Example.COM,::1 , 127.0.0.1')).toEqual([
      'app.arthur.ai',
      '*.example.com',
      '[::1]',
      '127.0.0.1',
    ]);
  });

  it.each([['https://app.arthur.ai'], ['app.arthur.ai:443'], ['app.arthur.ai/api'], ['*'], ['a.*.com'], ['*.[::1]']])(
    'refuses the malformed entry %s, so a typo fails the cold start',
    (entry) => {
      expect(() => parseAllowlist(entry)).toThrow(ConfigurationError);
    },
  );
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.12.0.9', true],
    ['localhost', true],
    ['[::1]', true],
    ['10.0.0.1', false],
    ['127.example.com', false],
    ['0.0.0.0', false],
  ])('%s → %s', (hostname, expected) => {
    expect(isLoopback(hostname)).toBe(expected);
  });
});

describe('model IDs and the upload URL', () => {
  it.each([['5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40'], ['5A3B7C1E-93F0-4C55-9A0E-2B1F8A7D6C40']])('accepts the UUID %s', (id) => {
    expect(assertModelId(id)).toBe(id);
  });

  it.each([['my-model'], ['../../admin'], ['5a3b7c1e93f04c559a0e2b1f8a7d6c40'], [''], [undefined]])('rejects %p', (id) => {
    expect(() => assertModelId(id)).toThrow(ConfigurationError);
  });

  it('builds the integration path under the host, keeping a path prefix', () => {
    const base = assertAllowedHost('https://app.arthur.ai/arthur', ALLOW);
    expect(uploadUrl(base, '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40').href).toBe(
      'https://app.arthur.ai/arthur/api/v3/models/5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40/inferences/integrations/sagemaker_data_capture',
    );
  });

  it('encodes path parts, whatever reaches it', () => {
    const url = uploadUrl(new URL('https://app.arthur.ai'), 'a/b?c');
    expect(url.pathname).toBe('/api/v3/models/a%2Fb%3Fc/inferences/integrations/sagemaker_data_capture');
  });
});
