/**
 * The receiver's ground-truth PATCH as mounted in local/arthur (not only the handler): Arthur's caller checks, the
 * join to the partner IDs it accepted as inferences, injected faults, GET /__ground_truth and reset.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { HttpArthurApi } from '../../../src/arthur/index.js';
import { HttpGroundTruthApi } from '../../../src/arthur/ground-truth-api.js';
import { ArthurAuthError, ArthurModelNotFoundError, ArthurUnavailableError } from '../../../src/errors.js';
import { startArthurReceiver, type ArthurReceiver } from '../../../local/arthur/index.js';

const TOKEN = 'receiver-gt-token-0001';
const MODEL = '0b8f6a52-7d1e-4c3a-9f60-1e2d3c4b5a69';
const UNKNOWN = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
const capture = JSON.stringify({
  captureData: { endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '1,2', encoding: 'CSV' }, endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: '0.5', encoding: 'CSV' } },
  eventMetadata: { eventId: 'held-1', inferenceTime: '2024-01-19T19:27:57Z' },
  eventVersion: '0',
});
const item = (id: string, label: number | string) => ({ partner_inference_id: id, ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { label } });

let receiver: ArthurReceiver;
const uploads = new HttpArthurApi();
const gt = new HttpGroundTruthApi();
const update = (items: ReturnType<typeof item>[], overrides: Partial<Parameters<HttpGroundTruthApi['updateGroundTruth']>[0]> = {}) =>
  gt.updateGroundTruth({ host: receiver.url, modelId: MODEL, token: TOKEN, items, timeoutMs: 5_000, ...overrides });

beforeAll(async () => {
  receiver = await startArthurReceiver({ token: TOKEN, models: [MODEL] });
});
afterAll(async () => {
  uploads.close();
  gt.close();
  await receiver.close();
});
beforeEach(async () => {
  receiver.reset();
  await uploads.uploadCapture({ host: receiver.url, modelId: MODEL, token: TOKEN, body: Readable.from([Buffer.from(`${capture}\n`)]), fileName: 'c.jsonl', timeoutMs: 5_000 });
});

describe('the receiver ground-truth PATCH', () => {
  it('keeps the label of a held inference and refuses one for an ID it never received (a 404 result for that item)', async () => {
    const result = await update([item('held-1', 1), item('never', 0)]);
    expect(result).toMatchObject({ status: 207, counts: { success: 1, failure: 1, total: 2 }, accepted: 1, unattributed: 0 });
    expect(result.refused).toEqual([{ index: 1, partnerInferenceId: 'never', status: 404, message: 'no inference with partner_inference_id "never"' }]);
    const listed = await (await fetch(`${receiver.url}/__ground_truth?model=${MODEL}`)).json();
    expect(listed).toEqual([{ partnerInferenceId: 'held-1', groundTruthTimestamp: '2024-01-19T19:00:00Z', groundTruthData: { label: 1 } }]);
  });

  it("checks the caller as Arthur does: the token (401), the model (404)", async () => {
    await expect(update([item('held-1', 1)], { token: 'wrong' })).rejects.toBeInstanceOf(ArthurAuthError);
    await expect(update([item('held-1', 1)], { modelId: UNKNOWN })).rejects.toBeInstanceOf(ArthurModelNotFoundError);
    expect(receiver.groundTruth()).toEqual([]);
  });

  it('answers injected faults first, and reset forgets the ground truth', async () => {
    receiver.setFaults({ status: 503 });
    await expect(update([item('held-1', 1)])).rejects.toBeInstanceOf(ArthurUnavailableError);
    await update([item('held-1', 'yes')]);
    expect(receiver.groundTruth(MODEL)).toEqual([{ partnerInferenceId: 'held-1', groundTruthTimestamp: '2024-01-19T19:00:00Z', groundTruthData: { label: 'yes' } }]);
    receiver.reset();
    expect(await (await fetch(`${receiver.url}/__ground_truth`)).json()).toEqual([]);
  });
});
