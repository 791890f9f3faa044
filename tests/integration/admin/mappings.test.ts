import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminHandler } from '../../../functions/admin/app.js';
import { S3CaptureLister } from '../../../src/aws/capture-lister.js';
import { BUCKET, MODEL_A, MODEL_B, MODEL_C, startAdminHarness, type AdminHarness } from '../../support/admin-harness.js';
import { ROOT } from '../../support/cloudformation.js';
import { noLog, noMetrics } from '../../../src/observability/telemetry.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const path = (prefix: string) => `/mappings/${encodeURIComponent(prefix)}`;

describe('mappings CRUD over HTTP', () => {
  it('creates (201), reads, updates (200), lists and deletes (204) a mapping, then answers 404', async () => {
    const created = await h.api('PUT', '/mappings', {
      body: { prefix: '/captures//fraud', modelId: MODEL_A, description: 'fraud model', arthurHost: 'https://arthur.example.com' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe('/mappings/captures%2Ffraud%2F');
    expect(created.body.mapping).toMatchObject({
      prefix: 'captures/fraud/', // normalized as the router matches keys
      modelId: MODEL_A,
      enabled: true,
      description: 'fraud model',
      arthurHost: 'https://arthur.example.com',
      version: 1,
    });

    const read = await h.api('GET', path('captures/fraud/'));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body.mapping);
    // The raw (unencoded) form reaches the same mapping: the route is greedy.
    expect((await h.api('GET', '/mappings/captures/fraud/')).body).toEqual(created.body.mapping);

    const updated = await h.api('PUT', '/mappings', { body: { prefix: 'captures/fraud/', modelId: MODEL_B, enabled: false } });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body.mapping).toMatchObject({ prefix: 'captures/fraud/', modelId: MODEL_B, enabled: false, version: 2 });
    expect(updated.body.mapping.description).toBeUndefined(); // a PUT replaces: fields left out are removed
    expect(updated.body.mapping.createdAt).toBe(created.body.mapping.createdAt);

    const listed = await h.api('GET', '/mappings');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [updated.body.mapping] });

    const deleted = await h.api('DELETE', path('captures/fraud/'));
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await h.api('GET', path('captures/fraud/'))).body.error).toMatchObject({ status: 404, field: 'prefix', rule: 'not-found' });
    expect((await h.api('DELETE', path('captures/fraud/'))).status).toBe(404);
  });

  it('refuses a write over a version the caller did not read with 412, and accepts the current one', async () => {
    await h.api('PUT', '/mappings', { body: { prefix: 'captures/fraud/', modelId: MODEL_A } });
    await h.api('PUT', '/mappings', { body: { prefix: 'captures/fraud/', modelId: MODEL_B } }); // someone else: version 2

    const stale = await h.api('PUT', '/mappings', { body: { prefix: 'captures/fraud/', modelId: MODEL_C }, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ field: 'If-Match', rule: 'version-conflict' });
    expect(stale.body.error.message).toMatch(/no longer at version 1/);
    expect((await h.store.getMapping('captures/fraud/'))?.modelId).toBe(MODEL_B);

    const current = await h.api('PUT', '/mappings', { body: { prefix: 'captures/fraud/', modelId: MODEL_C }, headers: { 'If-Match': '"2"' } });
    expect(current.status).toBe(200);
    expect(current.body.mapping).toMatchObject({ modelId: MODEL_C, version: 3 });
  });

  it('creates only when asked with If-None-Match: *, and says so with 412 when the mapping exists', async () => {
    const first = await h.api('PUT', '/mappings', { body: { prefix: 'a/', modelId: MODEL_A }, headers: { 'If-None-Match': '*' } });
    expect(first.status).toBe(201);
    const second = await h.api('PUT', '/mappings', { body: { prefix: 'a/', modelId: MODEL_B }, headers: { 'If-None-Match': '*' } });
    expect(second.status).toBe(412);
    expect(second.body.error.message).toMatch(/already exists/);
  });

  it('shows which nested mappings a new mapping shadows and which shadow it', async () => {
    await h.api('PUT', '/mappings', { body: { prefix: 'models/', modelId: MODEL_A } });
    await h.api('PUT', '/mappings', { body: { prefix: 'models/a/v2/', modelId: MODEL_C } });
    await h.api('PUT', '/mappings', { body: { prefix: 'models/ab/', modelId: MODEL_C } }); // a sibling by segments, not nested

    const response = await h.api('PUT', '/mappings', { body: { prefix: 'models/a/', modelId: MODEL_B } });

    expect(response.status).toBe(201);
    expect(response.body.shadows).toEqual([{ prefix: 'models/', modelId: MODEL_A, enabled: true }]);
    expect(response.body.shadowedBy).toEqual([{ prefix: 'models/a/v2/', modelId: MODEL_C, enabled: true }]);
  });

  it('pages through every mapping with nextToken, each exactly once', async () => {
    const prefixes = Array.from({ length: 23 }, (_, i) => `captures/ep-${String(i).padStart(2, '0')}/`);
    for (const prefix of prefixes) await h.store.putMapping({ prefix, modelId: MODEL_A });

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=5${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`;
      const page = await h.api('GET', `/mappings${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.items.map((m: { prefix: string }) => m.prefix));
      nextToken = page.body.nextToken;
      pages += 1;
    } while (nextToken);

    expect(pages).toBeGreaterThanOrEqual(5);
    expect(seen.sort()).toEqual(prefixes);
  });

  it('keeps prefixes with spaces, plus signs and non-ASCII letters intact through the URL', async () => {
    const prefix = 'captures/my endpoint+v2/modèle/';
    await h.api('PUT', '/mappings', { body: { prefix, modelId: MODEL_A } });
    const read = await h.api('GET', path(prefix));
    expect(read.status).toBe(200);
    expect(read.body.prefix).toBe(prefix);
    expect((await h.api('DELETE', path(prefix))).status).toBe(204);
  });

  it('accepts a per-mapping token secret named under the stack’s mapping secret prefix', async () => {
    const tokenSecretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:capture-router/fraud-token-AbCdEf';
    const response = await h.api('PUT', '/mappings', { body: { prefix: 'a/', modelId: MODEL_A, tokenSecretArn, arthurHost: 'https://eu.arthur.ai' } });
    expect(response.status).toBe(201);
    expect(response.body.mapping).toMatchObject({ tokenSecretArn, arthurHost: 'https://eu.arthur.ai' });
  });

  it('keeps a per-mapping Arthur organization ID, and refuses one that is not a UUID', async () => {
    const organizationId = '3c5e7a9b-1d2f-4a6b-8c0d-2e4f6a8b0c1d';
    const response = await h.api('PUT', '/mappings', { body: { prefix: 'org/', modelId: MODEL_A, organizationId } });
    expect(response.status).toBe(201);
    expect((await h.api('GET', path('org/'))).body).toMatchObject({ organizationId });
    expect((await h.api('PUT', '/mappings', { body: { prefix: 'org2/', modelId: MODEL_A, organizationId: 'acme' } })).status).toBe(400);
  });

  it('keeps a ground-truth mapping with its attributes in order; putting it again without them makes it a capture mapping', async () => {
    const body = { prefix: 'labels/fraud/', modelId: MODEL_A, kind: 'groundTruth', groundTruthAttributes: ['is_fraud', 'is_legit'] };
    const created = await h.api('PUT', '/mappings', { body });
    expect(created.status).toBe(201);
    expect(created.body.mapping).toMatchObject({ kind: 'groundTruth', groundTruthAttributes: ['is_fraud', 'is_legit'] });
    expect((await h.api('GET', path('labels/fraud/'))).body).toMatchObject({ kind: 'groundTruth', groundTruthAttributes: ['is_fraud', 'is_legit'] });
    expect((await h.api('GET', '/mappings')).body.items).toEqual([expect.objectContaining({ prefix: 'labels/fraud/', kind: 'groundTruth' })]);
    const replaced = await h.api('PUT', '/mappings', { body: { prefix: 'labels/fraud/', modelId: MODEL_A } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.mapping).not.toHaveProperty('kind');
    expect(replaced.body.mapping).not.toHaveProperty('groundTruthAttributes');
  });

  it.each([
    ['groundTruth without attributes', { kind: 'groundTruth' }, 'groundTruthAttributes'],
    ['attributes without the groundTruth kind', { groundTruthAttributes: ['label'] }, 'groundTruthAttributes'],
    ['attributes on a capture mapping', { kind: 'capture', groundTruthAttributes: ['label'] }, 'groundTruthAttributes'],
    ['an empty attribute list', { kind: 'groundTruth', groundTruthAttributes: [] }, 'groundTruthAttributes'],
    ['a repeated attribute', { kind: 'groundTruth', groundTruthAttributes: ['a', 'a'] }, 'groundTruthAttributes'],
    ['an unknown kind', { kind: 'labels', groundTruthAttributes: ['a'] }, 'kind'],
  ])('refuses %s (400 naming the field)', async (_name, extra, field) => {
    const response = await h.api('PUT', '/mappings', { body: { prefix: 'labels/x/', modelId: MODEL_A, ...extra } });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain(field);
    expect((await h.api('GET', path('labels/x/'))).status).toBe(404);
  });

  it('accepts the HTTP API v2 event the README gives to `serverless invoke -f admin`', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const data = /serverless invoke[^\n]* -f admin --data '([\s\S]*?)'\n/.exec(readme)?.[1];
    expect(data).toBeDefined();
    const handler = createAdminHandler({
      store: h.store,
      starter: h.starter,
      lister: new S3CaptureLister(h.s3Client, BUCKET),
      bucket: BUCKET,
      allowlist: ['app.arthur.ai'],
      log: noLog,
      metrics: noMetrics,
    });
    const result = (await handler(JSON.parse(data!), {} as never)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).mapping).toMatchObject({ prefix: 'datacapture/fraud-endpoint/', modelId: MODEL_A, version: 1 });
  });
});
