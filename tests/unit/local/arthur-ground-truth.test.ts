import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GroundTruthStore,
  handleGroundTruthList,
  handleGroundTruthPatch,
  matchGroundTruthPatch,
} from '../../../local/arthur-ground-truth.js';
import { HttpGroundTruthApi } from '../../../src/arthur/ground-truth-api.js';
import { GroundTruthBatcher, groundTruthTimestamp, type GroundTruthBatch, type GroundTruthItem } from '../../../src/capture/index.js';

const MODEL = '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40';
const TS = '2024-01-19T19:00:00Z';
const item = (id: string, data: Record<string, unknown> = { label: 1 }, ts: unknown = TS) => ({ partner_inference_id: id, ground_truth_timestamp: ts, ground_truth_data: data });
const captured = new Set(['e-1', 'e-2_0', 'e-2_1']);
const known = (id: string) => captured.has(id);

describe('handleGroundTruthPatch', () => {
  it('stores the labels of captured inferences and refuses the others with a 404 result, one result per item in order', () => {
    const store = new GroundTruthStore();
    const answer = handleGroundTruthPatch({ modelId: MODEL, body: [item('e-1'), item('ghost'), item('e-2_0', { label: 'cat' })], knownPartnerIds: known, store });
    expect(answer).toEqual({
      status: 207,
      body: {
        counts: { success: 2, failure: 1, total: 3 },
        results: [
          { message: 'success', status: 200 },
          { message: 'no inference with partner_inference_id "ghost"', status: 404 },
          { message: 'success', status: 200 },
        ],
      },
    });
    expect(store.listGroundTruth(MODEL.toUpperCase())).toEqual([
      { partnerInferenceId: 'e-1', groundTruthTimestamp: TS, groundTruthData: { label: 1 } },
      { partnerInferenceId: 'e-2_0', groundTruthTimestamp: TS, groundTruthData: { label: 'cat' } },
    ]);
  });

  it.each([
    ['an item that is not an object', 'x', /not an object/],
    ['no partner ID', { ground_truth_timestamp: TS, ground_truth_data: { label: 1 } }, /partner_inference_id/],
    ['a timestamp without a zone', item('e-1', { label: 1 }, '2024-01-19T19:00:00'), /not an ISO-8601 instant/],
    ['ground truth that is a list', item('e-1', [1] as unknown as Record<string, unknown>), /is an array, not an object/],
    ['empty ground truth', item('e-1', {}), /empty/],
    ['a null value', item('e-1', { label: null }), /label is null/],
  ])('answers %s with a 400 result for that item only', (_name, bad, message) => {
    const answer = handleGroundTruthPatch({ modelId: MODEL, body: [bad, item('e-1')], knownPartnerIds: known, store: new GroundTruthStore() });
    const body = answer.body as { counts: unknown; results: Array<{ message: string; status: number }> };
    expect(body.counts).toEqual({ success: 1, failure: 1, total: 2 });
    expect(body.results[0].status).toBe(400);
    expect(body.results[0].message).toMatch(message);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an object', { partner_inference_id: 'e-1' }, /is an object; send a JSON list/],
    ['an empty list', [], /empty list/],
  ])('refuses a body that is %s with 400', (_name, body, detail) => {
    const answer = handleGroundTruthPatch({ modelId: MODEL, body, knownPartnerIds: known, store: new GroundTruthStore() });
    expect(answer.status).toBe(400);
    expect((answer.body as { detail: string }).detail).toMatch(detail);
  });

  it('replaces the label of an ID labelled again, and lists by model', () => {
    const store = new GroundTruthStore();
    handleGroundTruthPatch({ modelId: MODEL, body: JSON.stringify([item('e-1', { label: 0 })]), knownPartnerIds: known, store });
    handleGroundTruthPatch({ modelId: MODEL, body: Buffer.from(JSON.stringify([item('e-1', { label: 1 })])), knownPartnerIds: known, store });
    handleGroundTruthPatch({ modelId: 'other', body: [item('e-1')], knownPartnerIds: known, store });
    expect(handleGroundTruthList(store, new URLSearchParams(`model=${MODEL}`))).toEqual({
      status: 200,
      body: [{ partnerInferenceId: 'e-1', groundTruthTimestamp: TS, groundTruthData: { label: 1 } }],
    });
    expect((handleGroundTruthList(store, new URLSearchParams('')).body as unknown[]).length).toBe(2);
  });

  it('matches only PATCH on the inferences path', () => {
    expect(matchGroundTruthPatch('PATCH', `/api/v3/models/${MODEL}/inferences`)).toBe(MODEL);
    expect(matchGroundTruthPatch('POST', `/api/v3/models/${MODEL}/inferences`)).toBeUndefined();
    expect(matchGroundTruthPatch('PATCH', `/api/v3/models/${MODEL}/inferences/integrations/sagemaker_data_capture`)).toBeUndefined();
  });
});

describe('a label file, end to end through the client and the stand-in', () => {
  const store = new GroundTruthStore();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const modelId = matchGroundTruthPatch(req.method, new URL(req.url ?? '/', 'http://x').pathname);
      const answer = modelId ? handleGroundTruthPatch({ modelId, body: Buffer.concat(chunks), knownPartnerIds: known, store }) : { status: 404, body: {} };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  const api = new HttpGroundTruthApi();
  afterAll(async () => {
    api.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('labels exactly the captured partner IDs (_0/_1 for the two-row record), typed, and names the refused one', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = [
      '{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"e-1"},"eventVersion":"0"}',
      '{"groundTruthData":{"data":"0\\ncat","encoding":"CSV"},"eventMetadata":{"eventId":"e-2"},"eventVersion":"0"}',
      '{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"never-captured"},"eventVersion":"0"}',
    ].join('\n');
    const batcher = new GroundTruthBatcher({ attributes: ['label'], groundTruthTimestamp: groundTruthTimestamp('labels/ep/2024/01/19/19/gt.jsonl', new Date()) });
    batcher.rejected.resume();
    const batches: GroundTruthBatch[] = [];
    await pipeline(Readable.from([file]), batcher, new Writable({ objectMode: true, write: (b: GroundTruthBatch, _e, cb) => {
        batches.push(b);
        cb();
      } }));
    const items = JSON.parse(batches[0].body.toString()) as GroundTruthItem[];
    const result = await api.updateGroundTruth({ host, modelId: MODEL, token: 't', items, timeoutMs: 5_000 });
    expect(result.refused.map((r) => [r.partnerInferenceId, r.status])).toEqual([['never-captured', 404]]);
    expect(result.accepted).toBe(3);
    expect(store.listGroundTruth(MODEL)).toEqual([
      { partnerInferenceId: 'e-1', groundTruthTimestamp: TS, groundTruthData: { label: 1 } },
      { partnerInferenceId: 'e-2_0', groundTruthTimestamp: TS, groundTruthData: { label: 0 } },
      { partnerInferenceId: 'e-2_1', groundTruthTimestamp: TS, groundTruthData: { label: 'cat' } },
    ]);
  });
});
