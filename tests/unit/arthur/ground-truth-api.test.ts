import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { groundTruthUrl, HttpGroundTruthApi, readAnswer, type GroundTruthUpdateRequest } from '../../../src/arthur/ground-truth-api.js';
import type { GroundTruthItem } from '../../../src/capture/index.js';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  ConfigurationError,
} from '../../../src/errors.js';
import { answerAfterBody, bodyOf, startScriptedServer, type ScriptedServer } from '../../support/scripted-server.js';

const MODEL = '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40';
const TOKEN = 'tok_live_9f8e7d6c5b4a39281706';
const TS = '2024-01-19T19:00:00Z';
const ITEMS: GroundTruthItem[] = [
  { partner_inference_id: 'e-1', ground_truth_timestamp: TS, ground_truth_data: { label: 1 } },
  { partner_inference_id: 'e-2_0', ground_truth_timestamp: TS, ground_truth_data: { label: 0 } },
  { partner_inference_id: 'never-captured', ground_truth_timestamp: TS, ground_truth_data: { label: 'cat' } },
];

const api = new HttpGroundTruthApi();
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => api.close());

const request = (host: string, overrides: Partial<GroundTruthUpdateRequest> = {}): GroundTruthUpdateRequest => ({
  host,
  modelId: MODEL,
  token: TOKEN,
  items: ITEMS,
  timeoutMs: 5_000,
  ...overrides,
});

const ok = { message: 'success', status: 200 };
const answer207 = (results: unknown[], counts?: unknown) => JSON.stringify({ counts, results });

describe('HttpGroundTruthApi.updateGroundTruth', () => {
  it('PATCHes the JSON list to /api/v3/models/{id}/inferences with the raw token and the organization', async () => {
    let seen: { method?: string; url?: string; headers: Record<string, unknown>; body: unknown } | undefined;
    server = await startScriptedServer(async (req, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse((await bodyOf(req)).toString()) };
      res.writeHead(207, { 'content-type': 'application/json' }).end(answer207([ok, ok, ok], { success: 3, failure: 0, total: 3 }));
    });
    const result = await api.updateGroundTruth(request(server.url, { organizationId: 'org-1' }));
    expect(seen).toMatchObject({
      method: 'PATCH',
      url: `/api/v3/models/${MODEL}/inferences`,
      headers: { authorization: TOKEN, 'content-type': 'application/json', 'arthur-organization-id': 'org-1' },
      body: ITEMS,
    });
    expect(result).toMatchObject({ status: 207, accepted: 3, refused: [], unattributed: 0, discrepancies: [] });
    expect(result.bytesSent).toBe(Buffer.byteLength(JSON.stringify(ITEMS)));
  });

  it('maps a refused result back to its partner ID by position', async () => {
    const refusal = { message: 'no inference with partner_inference_id never-captured', status: 404 };
    server = await startScriptedServer(answerAfterBody(207, answer207([ok, ok, refusal], { success: 2, failure: 1, total: 3 })));
    const result = await api.updateGroundTruth(request(server.url));
    expect(result).toMatchObject({ accepted: 2, unattributed: 0, discrepancies: [] });
    expect(result.refused).toEqual([{ index: 2, partnerInferenceId: 'never-captured', status: 404, message: refusal.message }]);
  });

  it('reports counts that disagree with the results, trusting the results for who was refused', async () => {
    server = await startScriptedServer(answerAfterBody(207, answer207([ok, { message: 'bad', status: 400 }, ok], { success: 3, failure: 0, total: 3 })));
    const result = await api.updateGroundTruth(request(server.url));
    expect(result.refused.map((r) => r.partnerInferenceId)).toEqual(['e-2_0']);
    expect(result.discrepancies).toEqual(['counts.failure is 0 but 1 results failed']);
  });

  it('leaves failures that no result names unattributed', async () => {
    server = await startScriptedServer(answerAfterBody(207, answer207([ok], { success: 1, failure: 2, total: 3 })));
    const result = await api.updateGroundTruth(request(server.url));
    expect(result).toMatchObject({ accepted: 1, refused: [], unattributed: 2 });
    expect(result.discrepancies).toContain('Arthur answered 1 results for 3 items');
  });

  it.each([
    [401, ArthurAuthError, 'ArthurAuthError'],
    [403, ArthurAuthError, 'ArthurAuthError'],
    [402, ArthurRejectedError, 'ArthurRejectedError'],
    [404, ArthurModelNotFoundError, 'ArthurModelNotFoundError'],
    [400, ArthurRejectedError, 'ArthurRejectedError'],
    [413, ArthurRejectedError, 'ArthurRejectedError'],
    [429, ArthurThrottledError, 'ArthurThrottledError'],
    [500, ArthurUnavailableError, 'ArthurUnavailableError'],
    [503, ArthurUnavailableError, 'ArthurUnavailableError'],
    [302, ConfigurationError, 'ConfigurationError'],
  ])('answers HTTP %i with %p (name %s, what the ASL matches)', async (status, type, name) => {
    server = await startScriptedServer(answerAfterBody(status, JSON.stringify({ detail: `echo ${TOKEN}` }), { 'retry-after': '7' }));
    const err = await api.updateGroundTruth(request(server.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).name).toBe(name);
    expect((err as Error).message).not.toContain(TOKEN);
    if (status === 429) expect((err as ArthurThrottledError).retryAfterSeconds).toBe(7);
  });

  it('times out as ArthurUnavailableError (retried)', async () => {
    server = await startScriptedServer(() => undefined); // never answers
    const err = await api.updateGroundTruth(request(server.url, { timeoutMs: 200 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/within 200 ms/);
  });

  it('turns a reset connection into ArthurUnavailableError', async () => {
    server = await startScriptedServer((req) => {
      req.socket.destroy();
    });
    await expect(api.updateGroundTruth(request(server.url))).rejects.toBeInstanceOf(ArthurUnavailableError);
  });

  it('stops when aborted', async () => {
    server = await startScriptedServer(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await api.updateGroundTruth(request(server.url, { signal: controller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/aborted/);
  });

  it('sends nothing for a bad host, a model ID that is no UUID, or an empty batch', async () => {
    await expect(api.updateGroundTruth(request('ftp://arthur.example'))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(api.updateGroundTruth(request('not a url'))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(api.updateGroundTruth(request('https://arthur.example', { modelId: '../x' }))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(api.updateGroundTruth(request('https://arthur.example', { items: [] }))).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('groundTruthUrl and readAnswer', () => {
  it('PATCHes /ground_truth instead when asked (ground-truth-write tokens)', () => {
    expect(groundTruthUrl('https://arthur.example', MODEL, 'ground_truth').pathname).toBe(`/api/v3/models/${MODEL}/ground_truth`);
  });

  it('keeps a base path of the host', () => {
    expect(groundTruthUrl('https://arthur.example/tenant/', MODEL).href).toBe(`https://arthur.example/tenant/api/v3/models/${MODEL}/inferences`);
  });

  it.each([
    ['no results but counts: failures unattributed', '{"counts":{"success":2,"failure":1,"total":3}}', { accepted: 2, unattributed: 1 }, ['the answer lists no results']],
    ['not JSON: all taken, nothing known', 'OK', { accepted: 3, unattributed: 0 }, ['the answer is not JSON']],
    ['results with status_code, as older answers spell it', answer207([ok, { status_code: 422, message: 'x' }, ok]), { accepted: 2, unattributed: 0 }, []],
  ])('%s', (_name, text, expected, discrepancies) => {
    const result = readAnswer(207, text, true, ITEMS);
    expect(result).toMatchObject(expected);
    expect(result.discrepancies).toEqual(discrepancies);
  });
});
