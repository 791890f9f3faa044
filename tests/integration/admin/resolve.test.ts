import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { routeEvent } from '../../../functions/router/route-event.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import { BUCKET, MODEL_A, MODEL_B, MODEL_C, startAdminHarness, type AdminHarness } from '../../support/admin-harness.js';
import { objectCreatedEvent } from '../../support/s3-event.js';
import { noLog, noMetrics } from '../../../src/observability/telemetry.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const KEYS = [
  'models/a/v2/2024/05/01/13/05-31-123-4f1c2d3e.jsonl',
  'models/a/v1/2024/05/01/13/f.jsonl',
  'models/ab/2024/05/01/13/f.jsonl',
  'models//a//v2/2024/05/01/13/f.jsonl',
  'models/paused/AllTraffic/2024/05/01/13/f.jsonl',
  'elsewhere/ep/AllTraffic/2024/05/01/13/f.jsonl',
  'models/a/my endpoint/a+b/café.jsonl',
];

describe('GET /resolve', () => {
  it('agrees with what the router actually does for the same keys: mapping, execution name and input', async () => {
    await h.store.putMapping({ prefix: 'models/', modelId: MODEL_A });
    await h.store.putMapping({ prefix: 'models/a/', modelId: MODEL_B, arthurHost: 'https://arthur.example.com' });
    await h.store.putMapping({ prefix: 'models/a/v2/', modelId: MODEL_C });
    await h.store.putMapping({ prefix: 'models/paused/', modelId: MODEL_C, enabled: false });
    const specs = KEYS.map((key, i) => ({ key, size: 100 + i, eTag: createHash('md5').update(key).digest('hex') }));

    // The router, as its handler wires it, against the same table and the same Step Functions endpoint.
    await routeEvent(objectCreatedEvent(...specs), {
      resolver: new MappingResolver((prefixes) => h.store.getMappings(prefixes)),
      starter: h.starter,
      log: noLog,
      metrics: noMetrics,
    });
    const started = new Map(h.sfn.executions.map((e) => [JSON.parse(e.input).key as string, { name: e.name, input: JSON.parse(e.input) }]));

    for (const spec of specs) {
      const response = await h.api('GET', `/resolve?key=${encodeURIComponent(spec.key)}&etag=${spec.eTag}&size=${spec.size}`);
      expect(response.status).toBe(200);
      const routed = started.get(spec.key);
      if (response.body.decision === 'start') {
        expect({ key: spec.key, ...response.body.execution }).toEqual({ key: spec.key, ...routed });
      } else {
        expect({ key: spec.key, started: routed }).toEqual({ key: spec.key, started: undefined });
      }
    }
    expect(h.sfn.executions).toHaveLength(5); // every key but the disabled and the unmatched one
  });

  it('shows the candidates, the longest match and why nothing would start', async () => {
    await h.store.putMapping({ prefix: 'models/', modelId: MODEL_A });
    await h.store.putMapping({ prefix: 'models/paused/', modelId: MODEL_C, enabled: false });

    const disabled = await h.api('GET', `/resolve?key=${encodeURIComponent('models/paused/ep/f.jsonl')}`);
    expect(disabled.body).toMatchObject({
      normalizedKey: 'models/paused/ep/f.jsonl',
      candidates: ['models/paused/ep/', 'models/paused/', 'models/'],
      match: { prefix: 'models/paused/', mapping: { modelId: MODEL_C, enabled: false } },
      decision: 'mapping-disabled',
    });
    const unmatched = await h.api('GET', `/resolve?key=${encodeURIComponent('other/f.jsonl')}`);
    expect(unmatched.body).toMatchObject({ candidates: ['other/'], decision: 'no-mapping' });
    expect(unmatched.body.match).toBeUndefined();
    expect(unmatched.body.execution).toBeUndefined();
  });

  it('names the execution after the stored object’s ETag when the object exists', async () => {
    await h.store.putMapping({ prefix: 'models/', modelId: MODEL_A });
    const key = 'models/ep/AllTraffic/2024/05/01/13/05-31-123-abc.jsonl';
    const content = '{"captureData":{}}\n';
    await h.s3.put(BUCKET, key, content);
    const etag = createHash('md5').update(content).digest('hex');

    const response = await h.api('GET', `/resolve?key=${encodeURIComponent(key)}`);

    expect(response.body.object).toEqual({ found: true, etag, size: content.length, source: 'bucket' });
    expect(response.body.execution.input).toMatchObject({ bucket: BUCKET, key, etag, size: content.length, modelId: MODEL_A });
    await routeEvent(objectCreatedEvent({ key, eTag: etag, size: content.length }), {
      resolver: new MappingResolver((prefixes) => h.store.getMappings(prefixes)),
      starter: h.starter,
      log: noLog,
      metrics: noMetrics,
    });
    expect(h.sfn.executions.map((e) => e.name)).toEqual([response.body.execution.name]);
  });
});
