import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { uploadPart, type UploadPartDeps } from '../../../functions/upload/upload-part.js';
import { startArthurReceiver, type ArthurReceiver } from '../../../local/arthur/index.js';
import { CaptureGenerator } from '../../../local/capture-generator.js';
import { HttpArthurApi, parseAllowlist, type ArthurApi } from '../../../src/arthur/index.js';
import { CaptureChecker } from '../../../src/capture/index.js';
import { createObjectSource } from '../../../src/aws/object-source.js';
import { createTokenProvider } from '../../../src/aws/token-provider.js';
import type { Part, UploadPartEvent } from '../../../src/contracts.js';
import { manifestFor, memoryManifestDeps, writtenOutcomes } from '../../support/part-manifest.js';
import {
  ArthurAuthError,
  ArthurUnavailableError,
  CaptureUnreadableError,
  ConfigurationError,
} from '../../../src/errors.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';
import { answerAfterBody, startScriptedServer } from '../../support/scripted-server.js';
import { startSecretsManagerStub, type SecretsManagerStub } from '../../support/secrets-manager-stub.js';

const BUCKET = 'datacapture';
const MODEL = '3e0c1a9b-5f2d-4e8a-b7c6-d5e4f3a2b1c0';
const DEFAULT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:arthur-default-AbCdEf';
const TEAM_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:arthur-team-b-GhIjKl';
const TOKEN = 'default-token-5d1f0c9e8b7a';
const TEAM_TOKEN = 'team-b-token-3a2b1c0d9e8f';

let s3: S3rverServer;
let secrets: SecretsManagerStub;
let arthur: ArthurReceiver;
let teamArthur: ArthurReceiver;
const api = new HttpArthurApi();
const file = { key: 'models/churn/ep/AllTraffic/2026/11/24/12/00-01-123-6f1e.jsonl', text: '', inferences: 0 };

beforeAll(async () => {
  [s3, secrets, arthur, teamArthur] = await Promise.all([
    startS3rver(),
    startSecretsManagerStub({ [DEFAULT_ARN]: TOKEN, [TEAM_ARN]: JSON.stringify({ token: TEAM_TOKEN }) }),
    startArthurReceiver({ token: TOKEN }),
    startArthurReceiver({ token: TEAM_TOKEN }),
  ]);
  await s3.createBucket(BUCKET);
  const generator = new CaptureGenerator({ seed: 11 });
  for (let i = 0; i < 60; i++) {
    const line = generator.line();
    file.text += `${line.text}\n`;
    file.inferences += line.inferences;
  }
  await s3.put(BUCKET, file.key, file.text);
});
afterAll(async () => {
  api.close();
  await Promise.all([s3.close(), secrets.close(), arthur.close(), teamArthur.close()]);
});
beforeEach(() => {
  arthur.reset();
  teamArthur.reset();
  secrets.calls.length = 0;
});

function event(request: Partial<UploadPartEvent['request']> = {}, part: Partial<Part> = {}): UploadPartEvent {
  const only: Part = { bucket: BUCKET, key: file.key, index: 0, records: 60, inferences: file.inferences, bytes: file.text.length, ...part };
  return {
    index: only.index,
    manifest: manifestFor(only),
    request: { bucket: BUCKET, key: file.key, size: file.text.length, modelId: MODEL, mappingPrefix: 'models/churn/', ...request },
  };
}

function deps(overrides: Partial<UploadPartDeps> = {}): UploadPartDeps & { logs: unknown[] } {
  const logs: unknown[] = [];
  return {
    openPart: createObjectSource(s3.client()),
    ...memoryManifestDeps,
    getToken: createTokenProvider(secrets.client()),
    arthur: api,
    defaultHost: arthur.url,
    defaultSecretArn: DEFAULT_ARN,
    allowlist: parseAllowlist('127.0.0.1, localhost'),
    timeoutMs: 10_000,
    log: (level, message, fields) => logs.push({ level, message, ...fields }),
    logs,
    ...overrides,
  };
}

describe('UploadPart', () => {
  it('streams the part from S3 to Arthur and returns Arthur\'s counts', async () => {
    const d = deps();
    const e = event();
    const result = await uploadPart(e, d);
    expect(result).toEqual({
      partIndex: 0, status: 207, inferences: file.inferences, success: file.inferences, failure: 0, alreadyPresent: 0, total: file.inferences,
      refused: { count: 0, ids: [], unnamed: 0, messages: [] }, lookup: 'not needed', countsCheck: 'ok',
    });
    // Arthur's whole answer is kept beside the manifest: the workflow's state keeps two counts of it.
    expect(writtenOutcomes.get(`${e.manifest.key}#0`)).toEqual(result);
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
    expect(secrets.calls).toEqual([DEFAULT_ARN]);
    expect(d.logs).toEqual([expect.objectContaining({ level: 'info', modelId: MODEL, key: file.key, success: file.inferences, bytes: file.text.length })]);
    expect(JSON.stringify(d.logs)).not.toContain(TOKEN);
  });

  it('uses the mapping\'s host and secret when the request overrides them', async () => {
    const teamHost = teamArthur.url.replace('127.0.0.1', 'localhost');
    const result = await uploadPart(event({ arthurHost: teamHost, tokenSecretArn: TEAM_ARN }), deps());
    expect(result.success).toBe(file.inferences);
    expect(teamArthur.received(MODEL)).toHaveLength(file.inferences);
    expect(arthur.stats().total).toBe(0);
    expect(secrets.calls).toEqual([TEAM_ARN]);
  });

  it('treats empty overrides as none', async () => {
    await uploadPart(event({ arthurHost: '', tokenSecretArn: '' }), deps());
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
  });

  it.each([
    ['a host outside the allowlist', { arthurHost: 'https://collector.evil.example' }, /not in the allowlist/],
    ['plain http off loopback', { arthurHost: 'http://app.arthur.ai' }, /plain http/],
    ['a model ID that is not a UUID', { modelId: 'churn-model' }, /not a UUID/],
  ])('refuses %s with ConfigurationError before the token is read', async (_label, request, message) => {
    await expect(uploadPart(event(request), deps())).rejects.toThrow(ConfigurationError);
    await expect(uploadPart(event(request), deps())).rejects.toThrow(message);
    expect(secrets.calls).toEqual([]);
    expect(arthur.stats().total).toBe(0);
  });

  it('refuses an event without a part index or manifest, pointing at the state machine', async () => {
    await expect(uploadPart({ request: event().request } as unknown as UploadPartEvent, deps())).rejects.toThrow(/ItemSelector/);
    await expect(uploadPart({ ...event(), index: -1 }, deps())).rejects.toThrow(ConfigurationError);
    expect(arthur.stats().total).toBe(0);
  });

  it('a manifest S3 cannot read past its retries → StorageUnavailableError (retried), nothing sent', async () => {
    const failing = deps({ readPart: async () => Promise.reject(Object.assign(new Error('slow down'), { name: 'SlowDown' })) });
    await expect(uploadPart(event(), failing)).rejects.toMatchObject({ name: 'StorageUnavailableError', message: expect.stringMatching(/part 0 of the manifest/) });
    expect(arthur.stats().total).toBe(0);
  });

  it('an outcome that cannot be written after Arthur took the part → StorageUnavailableError; the retry counts it present, sends nothing', async () => {
    const e = event();
    const failing = deps({ writeOutcome: async () => Promise.reject(new Error('reset')) });
    await expect(uploadPart(e, failing)).rejects.toMatchObject({ name: 'StorageUnavailableError' });
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
    const retried = await uploadPart({ ...e, retryCount: 1 }, deps());
    expect(retried).toMatchObject({ success: 0, failure: 0, alreadyPresent: file.inferences });
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
    expect(writtenOutcomes.get(`${e.manifest.key}#0`)).toEqual(retried);
  });

  it('a part missing from S3 → CaptureUnreadableError, nothing sent', async () => {
    await expect(uploadPart(event({}, { key: 'models/churn/gone.jsonl' }), deps())).rejects.toThrow(CaptureUnreadableError);
    expect(arthur.stats().total).toBe(0);
  });

  it('a wrong token → ArthurAuthError (not retried by the workflow), without the token in the message', async () => {
    secrets.setSecret(TEAM_ARN, 'revoked-token-7f7f7f7f');
    try {
      const err = (await uploadPart(event({ tokenSecretArn: TEAM_ARN }), deps()).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(ArthurAuthError);
      expect(err.message).not.toContain('revoked-token-7f7f7f7f');
    } finally {
      secrets.setSecret(TEAM_ARN, JSON.stringify({ token: TEAM_TOKEN }));
    }
  });

  it('an Arthur outage → ArthurUnavailableError; the retry sends the part once and Arthur holds it once', async () => {
    arthur.setFaults({ status: 503 });
    const d = deps();
    await expect(uploadPart(event(), d)).rejects.toThrow(ArthurUnavailableError);
    const retried = await uploadPart(event(), d);
    expect(retried.success).toBe(file.inferences);
    expect(arthur.stats().uploads[MODEL]).toBe(2);
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
    // One token read for both attempts: the cache.
    expect(secrets.calls).toEqual([DEFAULT_ARN]);
  });

  it('a part sent twice on first attempts (another file carried the IDs) shows as failures, not as new inferences', async () => {
    await uploadPart(event(), deps());
    const again = await uploadPart({ ...event(), retryCount: 0 }, deps());
    expect(again).toMatchObject({ success: 0, failure: file.inferences, alreadyPresent: 0, total: file.inferences });
    expect(again.failureSample).toHaveLength(5);
    expect(again.refused).toMatchObject({ count: file.inferences, ids: allIds(file.text), messages: [expect.stringMatching(/already exists/)] });
  });

  it('a retried attempt counts the IDs Arthur already holds as already present, not as failures', async () => {
    await uploadPart(event(), deps());
    const points: Array<[string, number]> = [];
    const d = deps({ metrics: { add: (name, _unit, value) => points.push([name, value]) } });
    const retried = await uploadPart({ ...event(), retryCount: 1 }, d);
    // The lookup found every ID in Arthur: nothing was sent again.
    expect(retried).toEqual({
      partIndex: 0, status: 200, inferences: file.inferences, success: 0, failure: 0, alreadyPresent: file.inferences, total: file.inferences,
      refused: { count: 0, ids: [], unnamed: 0, messages: [] }, lookup: `${file.inferences} of ${file.inferences} held`, countsCheck: 'ok',
    });
    expect(arthur.received(MODEL)).toHaveLength(file.inferences);
    expect(arthur.stats().uploads[MODEL]).toBe(1);
    expect(arthur.stats().lookups[MODEL]).toBe(file.inferences);
    expect(d.logs).toEqual([
      expect.objectContaining({ level: 'info', message: expect.stringMatching(/earlier attempt/), retryCount: 1, alreadyPresent: file.inferences, failure: 0 }),
    ]);
    expect(points).toEqual(
      expect.arrayContaining([
        ['InferencesFailed', 0],
        ['InferencesAlreadyPresent', file.inferences],
      ]),
    );
  });

  it('a retried attempt still reports Arthur\'s other refusals as failures, sampled without the already present ones', async () => {
    // First attempt: Arthur takes all but 3. The retry: those 3 are new to Arthur, one of them is refused.
    arthur.setFaults({ partialFailures: 3 });
    await uploadPart(event(), deps());
    arthur.setFaults({ partialFailures: 1 });
    const retried = await uploadPart({ ...event(), retryCount: 2 }, deps());
    expect(retried).toMatchObject({ success: 2, failure: 1, alreadyPresent: file.inferences - 3, total: file.inferences });
    expect(retried.failureSample).toEqual([expect.objectContaining({ message: 'injected fault: inference not ingested' })]);
    expect(arthur.received(MODEL)).toHaveLength(file.inferences - 1);
  });

  it('a retry sends only what the lookup says Arthur lacks', async () => {
    // The first attempt's answer is "lost": Arthur took all but 3 (refused, so not held).
    arthur.setFaults({ partialFailures: 3 });
    await uploadPart(event(), deps());
    const before = arthur.received(MODEL).length;
    const retried = await uploadPart({ ...event(), retryCount: 1 }, deps());
    expect(retried).toMatchObject({ success: 3, failure: 0, alreadyPresent: file.inferences - 3, total: file.inferences, lookup: `${file.inferences - 3} of ${file.inferences} held` });
    expect(arthur.received(MODEL)).toHaveLength(before + 3);
    expect(new Set(arthur.received(MODEL).map((i) => i.partnerInferenceId)).size).toBe(file.inferences);
  });

  it('names the partner IDs Arthur refused, from its eventId + index answer, with its messages', async () => {
    arthur.setFaults({ partialFailures: 2 });
    const result = await uploadPart(event(), deps());
    const kept = new Set(arthur.received(MODEL).map((i) => i.partnerInferenceId));
    const all = allIds(file.text);
    const refusedIds = all.filter((id) => !kept.has(id));
    expect(refusedIds).toHaveLength(2);
    expect(result).toMatchObject({ failure: 2, countsCheck: 'ok', refused: { count: 2, ids: refusedIds, unnamed: 0, messages: ['injected fault: inference not ingested'] } });
    expect(result.failureSample).toEqual(refusedIds.map((id) => expect.objectContaining({ partnerInferenceId: id })));
  });

  it('bounds the refused IDs at 100 and keeps the count exact', async () => {
    const big = { key: 'models/churn/big.jsonl', text: '' };
    const generator = new CaptureGenerator({ seed: 12, mix: ['csv'] });
    let inferences = 0;
    while (inferences < 150) {
      const line = generator.line();
      big.text += `${line.text}\n`;
      inferences += line.inferences;
    }
    await s3.put(BUCKET, big.key, big.text);
    const part = { key: big.key, inferences, bytes: big.text.length, records: big.text.split('\n').length - 1 };
    await uploadPart(event({}, part), deps());
    const again = await uploadPart(event({}, part), deps());
    expect(again.refused.count).toBe(inferences);
    expect(again.refused.ids).toEqual(allIds(big.text).slice(0, 100));
    expect(again.refused.messages).toEqual(['an inference with this partner_inference_id already exists']);
  });

  it('where the lookup cannot answer, says so and falls back to Arthur\'s "already exists" refusals', async () => {
    await uploadPart(event(), deps());
    const blind: ArthurApi = { uploadCapture: (r) => api.uploadCapture(r), lookupInferences: async () => ({ status: 'unauthorized', detail: 'the lookup was refused (HTTP 403)' }) };
    const retried = await uploadPart({ ...event(), retryCount: 1 }, deps({ arthur: blind }));
    expect(retried).toMatchObject({ status: 207, success: 0, failure: 0, alreadyPresent: file.inferences, lookup: 'unauthorized: the lookup was refused (HTTP 403)' });
    expect(arthur.stats().uploads[MODEL]).toBe(2);
  });

  it('sends the organization ID, a mapping\'s over the stack\'s', async () => {
    const ORG = '4a6c8e0f-2b4d-4f6a-8c0e-1a3b5c7d9e0f';
    const orgArthur = await startArthurReceiver({ token: TOKEN, organizationId: ORG });
    try {
      await expect(uploadPart(event({ arthurHost: orgArthur.url }), deps())).rejects.toThrow(ArthurAuthError);
      expect((await uploadPart(event({ arthurHost: orgArthur.url }), deps({ organizationId: ORG }))).success).toBe(file.inferences);
      orgArthur.reset();
      const mapped = await uploadPart(event({ arthurHost: orgArthur.url, organizationId: ORG }), deps({ organizationId: '00000000-0000-4000-8000-000000000000' }));
      expect(mapped.success).toBe(file.inferences);
    } finally {
      await orgArthur.close();
    }
  });

  it.each([-1, 1.5, '1'])('refuses a retryCount of %p with ConfigurationError, before anything is sent', async (retryCount) => {
    await expect(uploadPart({ ...event(), retryCount } as unknown as UploadPartEvent, deps())).rejects.toThrow(/retryCount/);
    await expect(uploadPart({ ...event(), retryCount } as unknown as UploadPartEvent, deps())).rejects.toThrow(ConfigurationError);
    expect(arthur.stats().total).toBe(0);
  });

  it('checks Arthur\'s counts against what was sent: a mismatch is logged and recorded, never silently trusted', async () => {
    const liar = await startScriptedServer(answerAfterBody(207, JSON.stringify({ counts: { success: 5, failure: 0, total: 5 }, failures: [] })));
    try {
      const d = deps({ defaultHost: liar.url });
      const result = await uploadPart(event(), d);
      expect(result.countsCheck).toBe(`mismatch: total 5 for ${file.inferences} inferences sent`);
      expect(d.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/counts disagree/), countsCheck: result.countsCheck }));
    } finally {
      await liar.close();
    }
  });

  it('traces a generic answer (one result per inference, in order) back to partner IDs by position', async () => {
    const ids = allIds(file.text);
    const results = ids.map((_, i) => (i === 7 ? { message: 'bad value', status: 422 } : { message: 'success', status: 200 }));
    const generic = await startScriptedServer(answerAfterBody(207, JSON.stringify({ counts: { success: ids.length - 1, failure: 1, total: ids.length }, results })));
    try {
      const result = await uploadPart(event(), deps({ defaultHost: generic.url }));
      expect(result).toMatchObject({ failure: 1, countsCheck: 'ok', refused: { count: 1, ids: [ids[7]], unnamed: 0, messages: ['bad value'] } });
    } finally {
      await generic.close();
    }
  });

  it('counts a failure it cannot trace (an eventId the part does not hold) as refused, unnamed', async () => {
    const odd = await startScriptedServer(
      answerAfterBody(207, JSON.stringify({ counts: { success: file.inferences - 1, failure: 1, total: file.inferences }, failures: [{ message: 'x', status: 400, event_id: 'not-in-part', inference_index_in_event: 0 }] })),
    );
    try {
      const result = await uploadPart(event(), deps({ defaultHost: odd.url }));
      expect(result.refused).toEqual({ count: 1, ids: [], unnamed: 1, messages: ['x'] });
    } finally {
      await odd.close();
    }
  });

  it('a 2xx without counts counts every inference of the part as a success', async () => {
    const silent = await startScriptedServer(answerAfterBody(207, ''));
    try {
      const result = await uploadPart(event(), deps({ defaultHost: silent.url }));
      expect(result).toMatchObject({ status: 207, success: file.inferences, failure: 0, alreadyPresent: 0, total: file.inferences });
      expect(result.failureSample).toBeUndefined();
    } finally {
      await silent.close();
    }
  });
});

/** The partner IDs of a capture text, in order, as the capture core computes them. */
function allIds(text: string): string[] {
  const checker = new CaptureChecker();
  return text.split('\n').filter((l) => l.trim() !== '').flatMap((line, i) => {
    const r = checker.check(line, i + 1);
    return r.ok ? r.partnerInferenceIds : [];
  });
}
