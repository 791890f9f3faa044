/** UploadPart after a token rotation: Arthur's 401 on a cached token reads the secret once more, and tries once more. */
import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { ArthurApi, UploadCaptureRequest } from '../../../src/arthur/api.js';
import { ArthurAuthError } from '../../../src/errors.js';
import { uploadPart, type UploadPartDeps } from '../../../functions/upload/upload-part.js';
import type { UploadPartEvent } from '../../../src/contracts.js';
import { manifestFor, memoryManifestDeps } from '../../support/part-manifest.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:capture-router/arthur-token-AbCdEf';
const RECORD = JSON.stringify({
  captureData: {
    endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '1,2', encoding: 'CSV' },
    endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: '0.9', encoding: 'CSV' },
  },
  eventMetadata: { eventId: 'e-1', inferenceTime: '2026-11-25T10:00:00Z' },
  eventVersion: '0',
});
const EVENT: UploadPartEvent = {
  index: 0,
  manifest: manifestFor({ bucket: 'datacapture', key: 'ep/AllTraffic/2026/11/25/10/00-00-000-x.jsonl', index: 0, records: 1, inferences: 1, bytes: RECORD.length }),
  request: { bucket: 'datacapture', key: 'ep/AllTraffic/2026/11/25/10/00-00-000-x.jsonl', size: RECORD.length, modelId: '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e', mappingPrefix: 'ep/' },
  retryCount: 0,
} as UploadPartEvent;

/** A token store that rotated: the cache still holds `old` until invalidated; Arthur takes only `new`. */
function rig(options: { invalidate: boolean; arthurTakes: string }) {
  let cached = 'old';
  const tokensSent: string[] = [];
  const invalidated: string[] = [];
  const arthur: ArthurApi = {
    async uploadCapture(request: UploadCaptureRequest) {
      tokensSent.push(request.token);
      request.body.resume();
      if (request.token !== options.arthurTakes) throw new ArthurAuthError('Arthur refused the token (401)');
      return { status: 207, counts: { success: 1, failure: 0, total: 1 }, shape: 'sagemaker', failures: [], failuresListed: 0, bytesSent: RECORD.length, durationMs: 1 };
    },
    async lookupInferences() {
      throw new Error('no lookup on a first attempt');
    },
  };
  const deps: UploadPartDeps = {
    openPart: async () => ({ body: Readable.from([`${RECORD}\n`]) }),
    ...memoryManifestDeps,
    getToken: async () => cached,
    ...(options.invalidate
      ? {
          invalidateToken: (arn: string) => {
            invalidated.push(arn);
            cached = 'new';
          },
        }
      : {}),
    arthur,
    defaultHost: 'https://app.arthur.ai',
    defaultSecretArn: SECRET,
    allowlist: ['app.arthur.ai'],
    timeoutMs: 1000,
  } as UploadPartDeps;
  return { deps, tokensSent, invalidated };
}

describe('UploadPart and a rotated token', () => {
  it('reads the token again after a 401 and delivers with the new one, in the same attempt', async () => {
    const r = rig({ invalidate: true, arthurTakes: 'new' });
    const result = await uploadPart(EVENT, r.deps);
    expect(result).toMatchObject({ success: 1, failure: 0 });
    expect(r.tokensSent).toEqual(['old', 'new']);
    expect(r.invalidated).toEqual([SECRET]);
  });

  it('fails with ArthurAuthError after one refresh when the new token is refused too (the workflow records it)', async () => {
    const r = rig({ invalidate: true, arthurTakes: 'neither' });
    await expect(uploadPart(EVENT, r.deps)).rejects.toMatchObject({ name: 'ArthurAuthError' });
    expect(r.tokensSent).toEqual(['old', 'new']);
  });

  it('does not try again without a way to drop the cached token (a token given by a function)', async () => {
    const r = rig({ invalidate: false, arthurTakes: 'new' });
    await expect(uploadPart(EVENT, r.deps)).rejects.toMatchObject({ name: 'ArthurAuthError' });
    expect(r.tokensSent).toEqual(['old']);
  });
});
