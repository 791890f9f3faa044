/**
 * Arthur-side fault matrix through the whole local stack (S3 event → router → Step Functions → UploadPart →
 * receiver): each fault injected at the receiver, each with its expected terminal state, the number of uploads
 * Arthur saw, and what Arthur kept. Retry waits are zeroed; the attempt counts are the ASL's own MaxAttempts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { checkCaptureFile } from '../../src/capture/index.js';
import type { FaultSpec } from '../../local/arthur/index.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { attempts, captureKey, modelId, record, startReliabilityStack, type ReliabilityStack } from './support.js';
import { outcomesOf } from '../support/part-manifest.js';

const UPLOAD_TIMEOUT_MS = 400;
let r: ReliabilityStack;
let scenarioNo = 0;

beforeAll(async () => {
  // Parts of at most 40 records, so that a 100-record file is cut into three parts (the multi-part rows).
  r = await startReliabilityStack({ uploadTimeoutMs: UPLOAD_TIMEOUT_MS, partLimits: { maxBytes: 1024 * 1024, maxRecords: 40 } });
});

afterAll(async () => {
  // Whatever failed above, no fault path may have written the token anywhere a person or a log store can read.
  if (r) expect(await r.findSecret(r.stack.arthurToken)).toBeUndefined();
  await r?.close();
});

interface Outcome {
  status?: string;
  error?: string;
  attempts: number;
  sent: number;
  received: string[];
  expected: string[];
  item: Record<string, unknown> | undefined;
  ms: number;
}

/** One file under its own mapping (own model ID), the faults armed, then everything run to its end. */
async function runScenario(name: string, faults: FaultSpec[] | undefined, records = 6): Promise<Outcome> {
  const n = ++scenarioNo;
  const model = modelId(0x100 + n);
  const prefix = `matrix/scenario-${n}/`;
  await r.stack.putMapping(prefix, model);
  const gen = new CaptureGenerator({ seed: 1000 + n, mix: ['csv', 'json1', 'json2'] });
  const text = `${Array.from({ length: records }, () => gen.line().text).join('\n')}\n`;
  const expected = (await checkCaptureFile(Readable.from([text]), { collectPartnerIds: true })).partnerInferenceIds!;
  r.stack.receiver!.setFaults(faults ?? []);
  const key = captureKey(prefix, n);
  const started = performance.now();
  await r.put(key, text);
  await r.stack.waitForIdle();
  const ms = Math.round(performance.now() - started);
  r.stack.receiver!.setFaults([]);
  const item = (await r.ingestions()).get(`${r.stack.captureBucket}/${key}`);
  const execution = r.stack.sfn.executions().find((e) => JSON.parse(e.input).key === key);
  const received = r.stack.receiver!.received(model).map((i) => i.partnerInferenceId);
  const outcome: Outcome = {
    status: item?.status,
    error: item?.error ?? execution?.run?.error,
    attempts: attempts(r.stack, model),
    sent: expected.length,
    received,
    expected,
    item: item as unknown as Record<string, unknown>,
    ms,
  };
  record(`fault: ${name}`, { status: outcome.status, error: outcome.error ?? null, attempts: outcome.attempts, inferences: outcome.sent, received: received.length, ms });
  return outcome;
}

const sorted = (xs: string[]) => [...xs].sort();

describe('Arthur faults: terminal state and attempt count', () => {
  it('429 three times, then 207: UPLOADED after 4 attempts, every inference once', async () => {
    const o = await runScenario('429 x3 then OK', [{ status: 429, count: 3, retryAfter: 0 }]);
    expect({ status: o.status, attempts: o.attempts }).toEqual({ status: 'UPLOADED', attempts: 4 });
    expect(sorted(o.received)).toEqual(sorted(o.expected));
  });

  it('503 for longer than the retry budget: FAILED ArthurUnavailableError after 6 attempts (1 + MaxAttempts 5), nothing kept', async () => {
    const o = await runScenario('503 beyond the retry budget', [{ status: 503, count: 50 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurUnavailableError', attempts: 6, received: 0 });
    expect(String(o.item?.cause)).toContain('503');
  });

  it('connection reset once: retried, UPLOADED after 2 attempts', async () => {
    const o = await runScenario('connection reset x1', [{ status: 0 }]);
    expect({ status: o.status, attempts: o.attempts }).toEqual({ status: 'UPLOADED', attempts: 2 });
    expect(sorted(o.received)).toEqual(sorted(o.expected));
  });

  it('connection reset on every attempt: FAILED ArthurUnavailableError after 6 attempts', async () => {
    const o = await runScenario('connection reset beyond the retry budget', [{ status: 0, count: 50 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurUnavailableError', attempts: 6, received: 0 });
  });

  it(`an answer slower than the request timeout (${UPLOAD_TIMEOUT_MS} ms): retried; each inference reaches Arthur once`, async () => {
    // The receiver waits before it reads the body; the client gives up first, so the slow attempt is never committed.
    const o = await runScenario('response slower than the request timeout', [{ delayMs: UPLOAD_TIMEOUT_MS * 3 }]);
    expect(o.attempts).toBe(2);
    expect(o.status).toBe('UPLOADED');
    expect(sorted(o.received)).toEqual(sorted(o.expected));
  });

  it('401: the token read again once (2 attempts in one invocation, as deployed), then FAILED ArthurAuthError, never retried', async () => {
    const reads = () => r.stack.secretsManager.stats().GetSecretValue?.calls ?? 0;
    const before = reads();
    const o = await runScenario('401', [{ status: 401, count: 10 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurAuthError', attempts: 2, received: 0 });
    // The 401 dropped the cached token: UploadPart read the secret once more before its second attempt.
    expect(reads() - before).toBe(1);
  });

  it('402 (the Arthur plan or payment): FAILED ArthurPaymentRequiredError at once (1 attempt), never retried', async () => {
    const o = await runScenario('402 plan or payment', [{ status: 402, count: 10 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurPaymentRequiredError', attempts: 1, received: 0 });
  });

  it('404 (unknown model): FAILED ArthurModelNotFoundError (1 attempt)', async () => {
    const o = await runScenario('404 unknown model', [{ status: 404, count: 10 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurModelNotFoundError', attempts: 1, received: 0 });
  });

  it('413: FAILED ArthurRejectedError (1 attempt)', async () => {
    const o = await runScenario('413', [{ status: 413, count: 10 }]);
    expect({ status: o.status, error: o.error, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'FAILED', error: 'ArthurRejectedError', attempts: 1, received: 0 });
  });

  it('207 with 2 failed results: PARTIAL (1 attempt, never re-sent), the failures counted in the record', async () => {
    const o = await runScenario('207 with partial failures', [{ partialFailures: 2 }]);
    expect({ status: o.status, attempts: o.attempts, received: o.received.length }).toEqual({ status: 'PARTIAL', attempts: 1, received: o.sent - 2 });
    expect(o.item?.partCounts).toBe('[[2,0]]');
    const parts = await outcomesOf(r.s3, o.item);
    expect(parts.reduce((n, p) => n + p.failure, 0)).toBe(2);
    expect(parts.reduce((n, p) => n + p.success, 0)).toBe(o.sent - 2);
    // The part's outcome names the partner IDs Arthur refused (traced from its eventId + index answer) and its message.
    const refused = parts.flatMap((p) => p.refused.ids);
    expect(sorted(refused)).toEqual(sorted(o.expected.filter((id) => !o.received.includes(id))));
    expect(parts.flatMap((p) => p.refused.messages)).toContain('injected fault: inference not ingested');
  });

  it('a part failing (503 once) after another part was accepted: only that part is re-sent; UPLOADED, every inference once', async () => {
    // {delayMs: 0} lets one upload through untouched; the next one meets the 503.
    const o = await runScenario('a part failing after another was accepted (transient)', [{ delayMs: 0 }, { status: 503 }], 100);
    const parts = Number(o.item?.partCount);
    expect(parts).toBeGreaterThanOrEqual(3);
    expect({ status: o.status, attempts: o.attempts }).toEqual({ status: 'UPLOADED', attempts: parts + 1 });
    expect(o.received).toHaveLength(new Set(o.received).size);
    expect(sorted(o.received)).toEqual(sorted(o.expected));
  });

  it('a part refused (401) after another part was accepted: FAILED; what Arthur took stays, nothing twice', async () => {
    const o = await runScenario('a part failing after another was accepted (permanent)', [{ delayMs: 0 }, { status: 401, count: 10 }], 100);
    expect({ status: o.status, error: o.error }).toEqual({ status: 'FAILED', error: 'ArthurAuthError' });
    expect(o.received.length).toBeGreaterThan(0);
    expect(o.received.length).toBeLessThan(o.sent);
    expect(o.received).toHaveLength(new Set(o.received).size);
    expect(o.expected).toEqual(expect.arrayContaining(o.received));
    // The Map's other iteration may still be uploading when the execution has failed (a Lambda already invoked
    // runs to its end in AWS too): what Arthur holds can grow after FAILED is recorded — never with a duplicate.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = r.stack.receiver!.received(modelId(0x100 + scenarioNo)).map((i) => i.partnerInferenceId);
    expect(later).toHaveLength(new Set(later).size);
    record('fault: a part failing after another was accepted (permanent), 300 ms later', { receivedAtFailed: o.received.length, receivedLater: later.length, inferences: o.sent });
  });
});
