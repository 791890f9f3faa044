import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MODEL_A, startAdminHarness, type AdminHarness } from '../../support/admin-harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const valid = { prefix: 'captures/fraud/', modelId: MODEL_A };

describe('PUT /mappings refuses bad input with a 4xx naming the field and the rule', () => {
  it.each([
    ['malformed JSON', { rawBody: '{"prefix": "a/", "modelId": ' }, 400, 'body', 'json', /body must be a well-formed JSON document/],
    ['an empty body', { rawBody: '' }, 400, 'body', 'json', /well-formed JSON/],
    ['a __proto__ key', { rawBody: `{"prefix": "a/", "modelId": "${MODEL_A}", "__proto__": {"admin": true}}` }, 400, '__proto__', 'forbidden-key', /__proto__ is not allowed/],
    ['a JSON array instead of an object', { body: [valid] }, 400, 'body', 'type', /body must be a JSON object/],
    ['a missing prefix', { body: { modelId: MODEL_A } }, 400, 'prefix', 'required', /prefix is required/],
    ['a missing modelId', { body: { prefix: 'a/' } }, 400, 'modelId', 'required', /modelId is required/],
    ['a numeric prefix', { body: { ...valid, prefix: 42 } }, 400, 'prefix', 'type', /prefix must be a string/],
    ['enabled as a string', { body: { ...valid, enabled: 'yes' } }, 400, 'enabled', 'type', /enabled must be true or false/],
    ['an unknown field', { body: { ...valid, modelID: MODEL_A } }, 400, 'modelID', 'unknown-field', /modelID is not a field of this request/],
    ['a prefix with a ".." segment', { body: { ...valid, prefix: 'captures/../secrets/' } }, 400, 'prefix', 'dot-segment', /must not contain a "\.\." segment/],
    ['a prefix with a control character', { body: { ...valid, prefix: 'captures/a\u0007b/' } }, 400, 'prefix', 'control-character', /control characters \(U\+0007/],
    ['a prefix with a newline', { body: { ...valid, prefix: 'captures/a\nb/' } }, 400, 'prefix', 'control-character', /control characters/],
    ['a prefix over 1,024 bytes', { body: { ...valid, prefix: `${'é'.repeat(512)}/` } }, 400, 'prefix', 'too-long', /at most 1024 bytes of UTF-8 after normalization, got 1025/],
    ['an empty prefix', { body: { ...valid, prefix: '//' } }, 400, 'prefix', 'empty', /must not be empty/],
    ['a non-UUID model ID', { body: { ...valid, modelId: 'fraud-model' } }, 400, 'modelId', 'uuid', /modelId must be a UUID/],
    ['a host outside the allowlist', { body: { ...valid, arthurHost: 'https://evil.example.net' } }, 400, 'arthurHost', 'allowlist', /not in the allowlist/],
    ['a plain-http host', { body: { ...valid, arthurHost: 'http://arthur.example.com' } }, 400, 'arthurHost', 'allowlist', /uses plain http/],
    ['a host that is not a URL', { body: { ...valid, arthurHost: 'arthur.example.com' } }, 400, 'arthurHost', 'allowlist', /not an absolute URL/],
    ['a token secret that is not a secret ARN', { body: { ...valid, tokenSecretArn: 'my-token' } }, 400, 'tokenSecretArn', 'pattern', /tokenSecretArn must match/],
    [
      'a token secret outside the mapping secret prefix',
      { body: { ...valid, tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other/token-AbCdEf' } },
      400,
      'tokenSecretArn',
      'secret-prefix',
      /must start with arn:aws:secretsmanager:us-east-1:123456789012:secret:capture-router\//,
    ],
    ['a body over 64 KiB', { body: { ...valid, description: 'x'.repeat(70_000) } }, 413, 'body', 'max-size', /body must be at most 65536 bytes, got 7\d{4}/],
    ['a body that is not JSON-typed', { rawBody: JSON.stringify(valid), headers: { 'Content-Type': 'text/plain' } }, 415, 'Content-Type', 'media-type', /application\/json/],
    ['an If-Match that is not a version', { body: valid, headers: { 'If-Match': 'abc' } }, 400, 'If-Match', 'version', /If-Match must be a mapping version/],
  ])('%s', async (_case, request, status, field, rule, message) => {
    const response = await h.api('PUT', '/mappings', request as never);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.body.error).toMatchObject({ status, field, rule });
    expect(response.body.error.message).toMatch(message);
    expect(response.body.error.message).toContain(`(rule: ${rule})`);
  });

  it('stores nothing when the request is refused', async () => {
    await h.api('PUT', '/mappings', { body: { ...valid, modelId: 'nope' } });
    expect((await h.store.listMappings()).items).toEqual([]);
  });
});

describe('other routes refuse bad input too', () => {
  const rows: Array<[string, string, unknown, number, string, string]> = [
    ['GET', '/mappings?limit=0', undefined, 400, 'limit', 'range'],
    ['GET', '/mappings?limit=ten', undefined, 400, 'limit', 'type'],
    ['GET', '/mappings?nextToken=not-a-cursor', undefined, 400, 'nextToken', 'token'],
    ['GET', '/mappings/captures%2F..%2Fx%2F', undefined, 400, 'prefix', 'dot-segment'],
    ['GET', '/mappings/%E0%A4%A', undefined, 400, 'prefix', 'url-encoding'],
    ['DELETE', '/mappings/a%00b%2F', undefined, 400, 'prefix', 'control-character'],
    ['GET', '/resolve', undefined, 400, 'key', 'required'],
    ['GET', `/resolve?key=${'k'.repeat(1025)}`, undefined, 400, 'key', 'too-long'],
    ['GET', '/resolve?key=a%2Fb.jsonl&size=-1', undefined, 400, 'size', 'type'],
    ['POST', '/replay', {}, 400, 'prefix', 'required'],
    ['POST', '/replay', { prefix: 'a/../b/' }, 400, 'prefix', 'dot-segment'],
    ['POST', '/replay', { prefix: 'a/', from: 'yesterday' }, 400, 'from', 'date-time'],
    ['POST', '/replay', { prefix: 'a/', to: '2026-01-01T00:00:00Z' }, 400, 'from', 'required'],
    ['POST', '/replay', { prefix: 'a/', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 400, 'to', 'after-from'],
    ['POST', '/replay', { prefix: 'a/', from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 400, 'to', 'max-range'],
    ['POST', '/replay', { prefix: 'a/', force: 'yes' }, 400, 'force', 'type'],
    ['POST', '/replay', { prefix: 'a/', limit: 5000 }, 400, 'limit', 'range'],
    ['POST', '/replay', { prefix: 'a/', nextToken: 'garbage' }, 400, 'nextToken', 'token'],
    ['GET', '/nowhere', undefined, 404, 'route', 'not-found'],
    ['PATCH', '/mappings', undefined, 405, 'route', 'method-not-allowed'],
  ];
  const cases = rows.map(([method, path, body, status, field, rule]) => ({
    title: `${method} ${path.length > 60 ? `${path.slice(0, 60)}…` : path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`,
    method, path, body, status, field, rule,
  }));
  it.each(cases)('$title → $status naming $field ($rule)', async ({ method, path, body, status, field, rule }) => {
    const response = await h.api(method, path, body === undefined ? {} : { body });
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ status, field, rule });
    expect(response.body.error.message).toContain(`(rule: ${rule})`);
  });

  it('names the allowed methods in the Allow header of a 405', async () => {
    const response = await h.api('POST', '/mappings');
    expect(response.headers.get('allow')).toBe('PUT, GET');
  });
});

describe('failures that are not the caller’s', () => {
  it('answer a generic 500 and keep the cause in the log only', async () => {
    const broken = await startAdminHarness({
      store: {
        getMappings: async () => new Map(),
        getMapping: async () => {
          throw new Error('ResourceNotFoundException: table mappings-secret-name not found');
        },
        putMapping: async () => {
          throw new Error('unused');
        },
        deleteMapping: async () => undefined,
        listMappings: async () => ({ items: [] }),
      },
    });
    try {
      const response = await broken.api('GET', '/mappings/captures%2Ffraud%2F');
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toMatch(/ResourceNotFound|mappings-secret-name|at /);
      expect(response.body.error).toMatchObject({ status: 500, rule: 'internal' });
      const logged = broken.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged).toEqual([expect.objectContaining({ level: 'ERROR', detail: expect.stringContaining('mappings-secret-name') })]);
    } finally {
      await broken.close();
    }
  });
});
