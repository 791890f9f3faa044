import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { HttpArthurApi, multipartEnvelope, type UploadCaptureRequest } from '../../../src/arthur/index.js';
import { ArthurAuthError, ArthurModelNotFoundError, ArthurRejectedError, ArthurThrottledError, ArthurUnavailableError } from '../../../src/errors.js';
import { startArthurReceiver, type ArthurReceiver, type ReceivedInference } from '../../../local/arthur/index.js';
import { CaptureGenerator, type Kind } from '../../../local/capture-generator.js';

const TOKEN = 'receiver-test-token-0001';
const MODEL = '0b8f6a52-7d1e-4c3a-9f60-1e2d3c4b5a69';
const OTHER = '6c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const UNKNOWN = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let receiver: ArthurReceiver;
const api = new HttpArthurApi();

beforeAll(async () => {
  receiver = await startArthurReceiver({ token: TOKEN, models: [MODEL, OTHER], maxBodyBytes: 2 * 1024 * 1024 });
});
afterAll(async () => {
  api.close();
  await receiver.close();
});
beforeEach(() => receiver.reset());

/** A capture file from the shared generator, with the inference count it was built with. */
function capture(seed: number, records: number, mix?: Kind[]): { text: string; inferences: number } {
  const generator = new CaptureGenerator({ seed, mix, inferenceIdRate: 0.5 });
  let text = '';
  let inferences = 0;
  for (let i = 0; i < records; i++) {
    const line = generator.line();
    text += `${line.text}\n`;
    inferences += line.inferences;
  }
  return { text, inferences };
}

function upload(text: string, overrides: Partial<UploadCaptureRequest> = {}) {
  return api.uploadCapture({
    host: receiver.url,
    modelId: MODEL,
    token: TOKEN,
    body: Readable.from([Buffer.from(text)]),
    contentLength: Buffer.byteLength(text),
    fileName: 'capture.jsonl',
    timeoutMs: 10_000,
    ...overrides,
  });
}

async function control(path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${receiver.url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** A raw multipart POST, for the shapes the client never sends. */
async function rawPost(body: Buffer | string, headers: Record<string, string>, modelId = MODEL) {
  const res = await fetch(`${receiver.url}/api/v3/models/${modelId}/inferences/integrations/sagemaker_data_capture`, {
    method: 'POST',
    headers: { authorization: TOKEN, ...headers },
    body,
  });
  return { status: res.status, json: (await res.json()) as { message?: string } };
}

describe('the ingestion endpoint', () => {
  it('answers 207 with counts, keeps every inference, and lists them per model', async () => {
    const { text, inferences } = capture(1, 40);
    const result = await upload(text);
    expect(result.status).toBe(207);
    expect(result.counts).toEqual({ success: inferences, failure: 0, total: inferences });

    const kept = receiver.received(MODEL);
    expect(kept).toHaveLength(inferences);
    expect(new Set(kept.map((i) => i.partnerInferenceId)).size).toBe(inferences);
    expect(kept[0]).toEqual({
      partnerInferenceId: expect.any(String),
      modelId: MODEL,
      inferenceTime: expect.stringMatching(/^2026-/),
      input: expect.anything(),
      output: expect.anything(),
    });
    const listed = await control(`/__received?model=${MODEL}`);
    expect(listed.json as ReceivedInference[]).toEqual(kept);
    expect(await control(`/__received?model=${OTHER}`)).toEqual({ status: 200, json: [] });
  });

  it("answers in arthur-client's SageMakerDataResponse shape: counts and failures, no results, no partner IDs", async () => {
    const good = capture(14, 2, ['csv']);
    await upload(good.text);
    const envelope = multipartEnvelope('inference_data', 'c.jsonl', 'bnd');
    const res = await rawPost(Buffer.concat([envelope.head, Buffer.from(good.text), envelope.tail]), { 'content-type': 'multipart/form-data; boundary=bnd' });
    expect(res.status).toBe(207);
    const body = res.json as unknown as { counts: unknown; failures: unknown[] };
    expect(Object.keys(body).sort()).toEqual(['counts', 'failures']);
    expect(body.counts).toEqual({ success: 0, failure: good.inferences, total: good.inferences });
    expect(body.failures[0]).toEqual({ message: expect.stringMatching(/already exists/), status: 400, event_id: expect.any(String), inference_index_in_event: 0 });
  });

  it('gives each row of a batch record its own partner id, suffixed _0, _1', async () => {
    const { text, inferences } = capture(2, 1, ['batch']);
    await upload(text);
    const ids = receiver.received(MODEL).map((i) => i.partnerInferenceId);
    expect(ids).toHaveLength(inferences);
    expect(ids.every((id, index) => id.endsWith(`_${index}`))).toBe(true);
  });

  it('lists rejected records as failure results with line and code, and keeps the valid ones', async () => {
    const good = capture(3, 5, ['csv']);
    const bad = capture(4, 1, ['badTime']);
    const result = await upload(`${good.text}\n${bad.text}`);
    expect(result.counts).toEqual({ success: good.inferences, failure: 1, total: good.inferences + 1 });
    expect(result.shape).toBe('sagemaker');
    expect(result.failures).toEqual([{ message: expect.stringMatching(/^line 7: BAD_INFERENCE_TIME/), status: 400, eventId: expect.any(String) }]);
    expect(receiver.received(MODEL)).toHaveLength(good.inferences);
  });

  it('refuses a second upload of the same inferences: Arthur\'s inferences are immutable', async () => {
    const { text, inferences } = capture(5, 20);
    await upload(text);
    const again = await upload(text);
    expect(again.counts).toEqual({ success: 0, failure: inferences, total: inferences });
    // One failure per refused inference, naming its record's eventId and its index there (no partner ID).
    expect(again.failures).toHaveLength(inferences);
    expect(again.failures[0]).toEqual({ message: expect.stringMatching(/already exists/), status: 400, eventId: expect.any(String), indexInEvent: 0 });
    expect(receiver.received(MODEL)).toHaveLength(inferences);
    // Another model holds its own inferences.
    expect((await upload(text, { modelId: OTHER })).counts?.success).toBe(inferences);
  });

  it.each([
    ['a wrong token', 'not-the-token'],
    ['an empty token', ''],
  ])('answers 401 to %s', async (_label, token) => {
    await expect(upload(capture(6, 2).text, { token })).rejects.toThrow(ArthurAuthError);
    expect(receiver.received()).toEqual([]);
  });

  it('answers 401 when there is no Authorization header', async () => {
    const res = await fetch(`${receiver.url}/api/v3/models/${MODEL}/inferences/integrations/sagemaker_data_capture`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(401);
  });

  it.each([
    ['a model ID that is not a UUID', 'my-model'],
    ['a UUID that is not a known model', UNKNOWN],
  ])('answers 404 to %s', async (_label, modelId) => {
    const res = await rawPost('x', { 'content-type': 'text/plain' }, modelId);
    expect(res.status).toBe(404);
  });

  it('reports the unknown model through the client as ArthurModelNotFoundError', async () => {
    await expect(upload(capture(7, 1).text, { modelId: UNKNOWN })).rejects.toThrow(ArthurModelNotFoundError);
  });
});

describe('the form', () => {
  const file = capture(8, 3).text;
  const envelope = (field: string) => multipartEnvelope(field, 'c.jsonl', 'bnd');
  const form = (field: string) => Buffer.concat([envelope(field).head, Buffer.from(file), envelope(field).tail]);
  const type = { 'content-type': 'multipart/form-data; boundary=bnd' };

  it('takes the file as inference_data, whatever the client library', async () => {
    const res = await rawPost(form('inference_data'), type);
    expect(res.status).toBe(207);
  });

  it.each([
    ['another field name', () => form('file'), type, /unexpected form field "file"/],
    ['a body that is not multipart', () => Buffer.from(file), { 'content-type': 'application/jsonl' }, /multipart\/form-data/],
    ['a truncated body (no closing boundary)', () => form('inference_data').subarray(0, -12), type, /closing boundary/],
    ['an inference_data with no records', () => Buffer.concat([envelope('inference_data').head, Buffer.from('\n\n'), envelope('inference_data').tail]), type, /no records/],
    ['two parts, inference_data and another', () => Buffer.concat([form('inference_data').subarray(0, -4), Buffer.from('\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--bnd--\r\n')]), type, /unexpected form field "x"/],
  ])('answers 400 to %s, keeping nothing', async (_label, body, headers, message) => {
    const res = await rawPost(body(), headers);
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(message);
    expect(receiver.received()).toEqual([]);
  });

  it('answers 413 to a body over the limit, declared up front', async () => {
    const big = capture(9, 4000).text;
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const err = await upload(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurRejectedError);
    expect((err as ArthurRejectedError).status).toBe(413);
  });

  it('keeps nothing from an upload the client abandons half-way, and stays up', async () => {
    const { text } = capture(12, 1500);
    const half = Buffer.from(text).subarray(0, Math.floor(text.length / 2));
    // The body stops producing half-way (a stalled source); the client's deadline then abandons the request.
    const body = new Readable({ read() {} });
    body.push(half);
    const err = await upload('', { body, contentLength: Buffer.byteLength(text), timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received()).toEqual([]);
    expect((await upload(capture(13, 2).text)).status).toBe(207);
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const big = capture(9, 4000).text;
    const err = await upload(big, { contentLength: undefined }).catch((e: unknown) => e);
    expect((err as ArthurRejectedError).status).toBe(413);
    expect(receiver.received()).toEqual([]);
  });
});

describe('faults', () => {
  const text = capture(10, 3).text;

  it('fails the next `count` uploads with the status, then takes them again; /__stats counts every attempt', async () => {
    expect(await control('/__faults', { status: 503, count: 2 })).toEqual({ status: 200, json: { pending: 2 } });
    await expect(upload(text)).rejects.toThrow(ArthurUnavailableError);
    await expect(upload(text)).rejects.toThrow(ArthurUnavailableError);
    expect((await upload(text)).status).toBe(207);
    expect((await control('/__stats')).json).toEqual({ uploads: { [MODEL]: 3 }, accepted: { [MODEL]: 1 }, lookups: {}, total: 3 });
  });

  it('sends Retry-After with an injected 429', async () => {
    await control('/__faults', { status: 429, retryAfter: 9 });
    const err = (await upload(text).catch((e: unknown) => e)) as ArthurThrottledError;
    expect(err).toBeInstanceOf(ArthurThrottledError);
    expect(err.retryAfterSeconds).toBe(9);
  });

  it.each([[{ status: 0 }], [{ reset: 'connection' }]])('resets the connection for %p', async (spec) => {
    await control('/__faults', spec);
    const err = await upload(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((await upload(text)).status).toBe(207);
  });

  it('delays the answer by delayMs (a slow Arthur: the client times out)', async () => {
    await control('/__faults', { delayMs: 400 });
    await expect(upload(text, { timeoutMs: 150 })).rejects.toThrow(/did not answer within 150 ms/);
  });

  it('applies a sequence given as an array, in order', async () => {
    receiver.setFaults([{ status: 500 }, { status: 429 }]);
    await expect(upload(text)).rejects.toThrow(ArthurUnavailableError);
    await expect(upload(text)).rejects.toThrow(ArthurThrottledError);
    expect((await upload(text)).status).toBe(207);
  });

  it('reset: true clears pending faults, received inferences and stats', async () => {
    await upload(text);
    await control('/__faults', { status: 500, count: 5 });
    await control('/__faults', { reset: true });
    expect(receiver.received()).toEqual([]);
    expect((await control('/__stats')).json).toEqual({ uploads: {}, accepted: {}, lookups: {}, total: 0 });
    expect((await upload(text)).status).toBe(207);
  });

  it('refuses a fault spec that is not JSON or not a status', async () => {
    const res = await fetch(`${receiver.url}/__faults`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
    expect((await control('/__faults', { status: 42 })).status).toBe(400);
  });
});

describe('the inference lookup', () => {
  const lookup = (id: string, headers: Record<string, string> = { authorization: TOKEN }, modelId = MODEL) =>
    fetch(`${receiver.url}/api/v3/models/${modelId}/inferences/query/${encodeURIComponent(id)}`, { headers });

  it('answers 200 with the inference it holds and 404 for one it does not, per model', async () => {
    await upload(capture(15, 3).text);
    const [first] = receiver.received(MODEL);
    const held = await lookup(first!.partnerInferenceId);
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ partner_inference_id: first!.partnerInferenceId, inference_timestamp: first!.inferenceTime });
    expect((await lookup('never-sent')).status).toBe(404);
    expect((await lookup(first!.partnerInferenceId, { authorization: TOKEN }, OTHER)).status).toBe(404);
    expect(receiver.stats().lookups).toEqual({ [MODEL]: 2, [OTHER]: 1 });
  });

  it('requires the raw token', async () => {
    expect((await lookup('x', {})).status).toBe(401);
    expect((await lookup('x', { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
  });

  it("through the client: which of a part's IDs the model holds", async () => {
    await upload(capture(16, 2).text);
    const ids = receiver.received(MODEL).map((i) => i.partnerInferenceId);
    const outcome = await api.lookupInferences({ host: receiver.url, modelId: MODEL, token: TOKEN, partnerInferenceIds: [...ids, 'other-id'], timeoutMs: 5_000 });
    expect(outcome).toEqual({ status: 'ok', held: new Set(ids), checked: ids.length + 1 });
  });
});

describe('an organization', () => {
  const ORG = '2f4e6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b';
  let orgReceiver: ArthurReceiver;
  beforeAll(async () => {
    orgReceiver = await startArthurReceiver({ token: TOKEN, organizationId: ORG });
  });
  afterAll(() => orgReceiver.close());
  const send = (organizationId?: string) =>
    api.uploadCapture({ host: orgReceiver.url, modelId: MODEL, token: TOKEN, organizationId, body: Readable.from([Buffer.from(capture(17, 2).text)]), fileName: 'c.jsonl', timeoutMs: 10_000 });

  it('is required with every request when the receiver has one, and must be that one', async () => {
    await expect(send()).rejects.toThrow(/organization ID/);
    await expect(send('00000000-0000-4000-8000-000000000000')).rejects.toThrow(ArthurAuthError);
    expect((await send(ORG)).status).toBe(207);
  });

  it('is accepted, not checked, by a receiver without one', async () => {
    expect((await upload(capture(18, 2).text, { organizationId: ORG })).status).toBe(207);
  });
});
