import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { routeEvent } from '../../../functions/router/route-event.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import { BUCKET, MODEL_A, MODEL_B, startAdminHarness, type AdminHarness } from '../../support/admin-harness.js';
import { captureKey, objectCreatedEvent } from '../../support/s3-event.js';
import { noLog, noMetrics } from '../../../src/observability/telemetry.js';

let h: AdminHarness;
const HOURS = ['10', '11', '12', '13', '14'];
/** 500 captures of one endpoint, 100 per hour partition 2024/05/01/10…14. */
const files: Array<{ key: string; etag: string; size: number }> = [];

beforeAll(async () => {
  h = await startAdminHarness();
  const puts: Array<Promise<void>> = [];
  for (let n = 0; n < 500; n += 1) {
    const key = captureKey('captures', 'fraud', n, 'AllTraffic', HOURS[Math.floor(n / 100)]);
    const content = `{"n":${n}}\n`;
    files.push({ key, etag: createHash('md5').update(content).digest('hex'), size: content.length });
    puts.push(h.s3.put(BUCKET, key, content));
    if (puts.length >= 25) await Promise.all(puts.splice(0));
  }
  // Neither routed nor counted as captures: a shadow variant nobody mapped, and a file that is not .jsonl.
  await h.s3.put(BUCKET, captureKey('captures', 'fraud', 1, 'Shadow', '11'), '{}\n');
  await h.s3.put(BUCKET, 'captures/fraud/AllTraffic/2024/05/01/11/README.txt', 'notes');
  await Promise.all(puts);
}, 120_000);
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  await h.store.putMapping({ prefix: 'captures/fraud/AllTraffic/', modelId: MODEL_A });
});

/** The router delivers these files first, from real-shaped S3 events. */
async function deliverWithRouter(subset: typeof files): Promise<void> {
  await routeEvent(objectCreatedEvent(...subset.map((f) => ({ key: f.key, eTag: f.etag, size: f.size }))), {
    resolver: new MappingResolver((prefixes) => h.store.getMappings(prefixes)),
    starter: h.starter,
    log: noLog,
      metrics: noMetrics,
    concurrency: 16,
  });
}

const replay = (body: Record<string, unknown>) => h.api('POST', '/replay', { body });

describe('POST /replay', () => {
  it('replays a prefix of 500 files where 200 were already delivered: 300 started, 200 skipped', async () => {
    const delivered = files.filter((_, i) => i % 5 < 2); // 200, spread over every hour
    await deliverWithRouter(delivered);
    const routerNames = new Set(h.sfn.executions.map((e) => e.name));
    expect(routerNames.size).toBe(200);

    const response = await replay({ prefix: 'captures/fraud/' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      prefix: 'captures/fraud/',
      listed: 502,
      started: 300,
      alreadyDelivered: 200,
      unrouted: 1, // the Shadow variant has no mapping
      disabled: 0,
      ignored: 1, // README.txt
      dryRun: false,
      force: false,
    });
    expect(response.body.nextToken).toBeUndefined();
    // Every file now has exactly one execution, under the name the router gives it, with the router's input.
    expect(h.sfn.executions).toHaveLength(500);
    const replayed = h.sfn.executions.filter((e) => !routerNames.has(e.name));
    expect(replayed).toHaveLength(300);
    const input = JSON.parse(replayed[0]!.input);
    const file = files.find((f) => f.key === input.key)!;
    expect(input).toEqual({ bucket: BUCKET, key: file.key, etag: file.etag, size: file.size, modelId: MODEL_A, mappingPrefix: 'captures/fraud/AllTraffic/' });
  });

  it('skips every file on a second replay: the names are deterministic', async () => {
    await replay({ prefix: 'captures/fraud/AllTraffic/' });
    const again = await replay({ prefix: 'captures/fraud/AllTraffic/' });
    expect(again.body).toMatchObject({ listed: 501, started: 0, alreadyDelivered: 500, ignored: 1 });
    expect(h.sfn.executions).toHaveLength(500);
  });

  it('with force, starts delivered files again under names suffixed with the replay id, each page retry-safe', async () => {
    await deliverWithRouter(files.slice(0, 200));
    const first = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/10/', force: true, limit: 60 });
    expect(first.body).toMatchObject({ listed: 60, started: 60, alreadyDelivered: 0, force: true });
    const replayId = first.body.replayId as string;
    expect(replayId).toMatch(/^\d{8}T\d{6}Z$/);

    const second = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/10/', force: true, limit: 60, nextToken: first.body.nextToken });
    expect(second.body).toMatchObject({ listed: 40, started: 40, replayId });
    // A retried page (same token) starts nothing new: its forced names exist already.
    const retried = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/10/', force: true, limit: 60, nextToken: first.body.nextToken });
    expect(retried.body).toMatchObject({ listed: 40, started: 0, alreadyDelivered: 40 });

    const forced = h.sfn.executions.slice(200);
    expect(forced).toHaveLength(100);
    for (const e of forced) {
      expect(e.name.endsWith(`-r${replayId}`)).toBe(true);
      expect(e.name.length).toBeLessThanOrEqual(80);
    }
    const routerNames = new Set(h.sfn.executions.slice(0, 200).map((e) => e.name));
    expect(forced.filter((e) => routerNames.has(e.name))).toEqual([]);
  });

  it('continues with nextToken, bounded per call, until every object was routed exactly once', async () => {
    const pages: Array<Record<string, number>> = [];
    let nextToken: string | undefined;
    do {
      const response = await replay({ prefix: 'captures/fraud/', limit: 120, ...(nextToken ? { nextToken } : {}) });
      expect(response.status).toBe(200);
      expect(response.body.listed).toBeLessThanOrEqual(120);
      pages.push(response.body);
      nextToken = response.body.nextToken;
    } while (nextToken);

    expect(pages.length).toBe(5); // 502 objects at 120 a call
    const total = (field: string) => pages.reduce((sum, p) => sum + p[field]!, 0);
    expect({ listed: total('listed'), started: total('started'), alreadyDelivered: total('alreadyDelivered') }).toEqual({
      listed: 502,
      started: 500,
      alreadyDelivered: 0,
    });
    expect(new Set(h.sfn.executions.map((e) => e.name)).size).toBe(500);
  });

  it('lists only the hour partitions from..to, for every variant under the prefix', async () => {
    await h.store.putMapping({ prefix: 'captures/fraud/Shadow/', modelId: MODEL_B });
    const response = await replay({ prefix: 'captures/fraud/', from: '2024-05-01T11:30:00Z', to: '2024-05-01T13:00:00Z' });
    expect(response.body).toMatchObject({
      listed: 202, // hours 11 and 12 of AllTraffic, plus hour 11's Shadow capture and README.txt
      started: 201,
      ignored: 1,
      hours: { from: '2024-05-01T11:30:00.000Z', to: '2024-05-01T13:00:00.000Z', count: 2, roots: 2 },
    });
    const keys = h.sfn.executions.map((e) => JSON.parse(e.input).key as string);
    expect(keys.every((k) => /\/2024\/05\/01\/1[12]\//.test(k))).toBe(true);
    expect(keys.filter((k) => k.includes('/Shadow/'))).toHaveLength(1);
  });

  it('keeps the end of an open range (from without to) fixed across the pages of one replay', async () => {
    h.setNow(new Date('2024-05-01T16:20:00Z'));
    const first = await replay({ prefix: 'captures/fraud/AllTraffic/', from: '2024-05-01T14:00:00Z', limit: 60 });
    expect(first.body).toMatchObject({ listed: 60, started: 60, hours: { to: '2024-05-01T16:20:00.000Z', count: 3 } });
    const openEnd = first.body.hours.to as string;
    h.setNow(new Date('2024-05-01T17:45:00Z')); // an hour later, new captures may exist: not this replay's
    const second = await replay({ prefix: 'captures/fraud/AllTraffic/', from: '2024-05-01T14:00:00Z', limit: 60, nextToken: first.body.nextToken });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ listed: 40, started: 40, hours: { to: openEnd } });
  });

  it('rejects a nextToken sent with another prefix or other options', async () => {
    const first = await replay({ prefix: 'captures/fraud/', limit: 10 });
    const other = await replay({ prefix: 'captures/', limit: 10, nextToken: first.body.nextToken });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ field: 'nextToken', rule: 'mismatch' });
    const forced = await replay({ prefix: 'captures/fraud/', limit: 10, force: true, nextToken: first.body.nextToken });
    expect(forced.body.error).toMatchObject({ field: 'nextToken', rule: 'mismatch' });
  });

  it('starts nothing in a dry run and shows what it would start', async () => {
    const response = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/14/', dryRun: true });
    expect(response.body).toMatchObject({ listed: 100, started: 0, wouldStart: 100, alreadyDelivered: 0, dryRun: true });
    expect(response.body.sample).toHaveLength(10);
    expect(response.body.sample[0]).toMatchObject({ modelId: MODEL_A, mappingPrefix: 'captures/fraud/AllTraffic/' });
    expect(h.sfn.requests).toHaveLength(0);
  });

  it('answers 503 when StartExecution fails mid-way, and the same request then finishes without duplicates', async () => {
    h.sfn.failNext({ type: 'AccessDeniedException', message: 'not authorized to perform states:StartExecution', count: 1 });
    const failed = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/13/' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
    expect(failed.body.error).toMatchObject({ field: 'replay', rule: 'retry' });
    expect(failed.body.error.message).toMatch(/send the same request again/);
    expect(JSON.stringify(failed.body)).not.toMatch(/arn:aws|not authorized/); // the cause is for the log only
    expect(h.logs.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'ERROR', status: 503, cause: expect.stringContaining('not authorized to perform states:StartExecution') }),
    );

    const retried = await replay({ prefix: 'captures/fraud/AllTraffic/2024/05/01/13/' });
    expect(retried.status).toBe(200);
    expect(retried.body.started + retried.body.alreadyDelivered).toBe(100);
    expect(new Set(h.sfn.executions.map((e) => e.name)).size).toBe(100);
    expect(h.sfn.executions).toHaveLength(100);
  });
});
