import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { ArthurReceiver } from '../../../local/arthur/index.js';
import type { Part, UploadPartEvent } from '../../../src/contracts.js';
import { putManifest } from '../../support/part-manifest.js';
import { applyEnv, RIG_BUCKET, RIG_KEY, RIG_MODEL, startUploadRig, type UploadRig } from '../../support/upload-rig.js';
import { captureOutput } from '../../support/capture-output.js';

/**
 * The composition root as Lambda runs it: configuration from the environment, real SDK clients pointed at the
 * emulators through the SDK's standard endpoint variables, no test hooks in the handler.
 */

const BUCKET = RIG_BUCKET;
const MODEL = RIG_MODEL;
const KEY = RIG_KEY;
const TOKEN = 'handler-token-1a2b3c4d5e6f';

let rig: UploadRig;
let arthur: ArthurReceiver;
let inferences = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  rig = await startUploadRig({ token: TOKEN, seed: 21, records: 10 });
  ({ arthur, inferences } = rig);
});
afterAll(() => rig.close());
afterEach(() => {
  process.env = { ...savedEnv };
  jest.resetModules();
});

function configure(overrides: Record<string, string | undefined> = {}): void {
  applyEnv(rig.env(overrides));
}

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let event: UploadPartEvent;

beforeAll(async () => {
  // A real manifest in S3, as the validator writes it: the handler reads its part with a ranged GET.
  const part: Part = { bucket: BUCKET, key: KEY, index: 0, records: 10, inferences, bytes: 0 };
  const manifest = await putManifest(rig.s3.client(), BUCKET, 'captures/handler-test', [part]);
  event = { index: 0, manifest, request: { bucket: BUCKET, key: KEY, size: 0, modelId: MODEL, mappingPrefix: 'ep/' } };
});

describe('upload handler', () => {
  it('uploads a part with the configured host and secret', async () => {
    configure();
    const { handler } = await import('../../../functions/upload/handler.js');
    const output = captureOutput();
    try {
      const result = await handler(event, context);
      expect(result).toMatchObject({ partIndex: 0, status: 207, success: inferences, failure: 0 });
      expect(arthur.received(MODEL)).toHaveLength(inferences);
      const lines = output.json().filter((l) => l._aws === undefined);
      expect(lines).toEqual([expect.objectContaining({ level: 'INFO', function: 'upload', service: 'capture-router', modelId: MODEL, bucket: BUCKET, key: KEY })]);
      expect(lines[0]!.executionName).toEqual(expect.stringContaining('00-01-123-abcd'));
      expect(output.text()).not.toContain(TOKEN);
    } finally {
      output.restore();
    }
  });

  it('rethrows the typed error for the workflow and logs it as one JSON line', async () => {
    configure();
    const { handler } = await import('../../../functions/upload/handler.js');
    const output = captureOutput();
    try {
      arthur.setFaults({ status: 502 });
      await expect(handler(event, context)).rejects.toMatchObject({ name: 'ArthurUnavailableError' });
      const line = output.json().find((l) => l.message === 'upload failed');
      expect(line).toMatchObject({ level: 'ERROR', errorName: 'ArthurUnavailableError', status: 502, modelId: MODEL, key: KEY });
      expect(output.text()).not.toContain(TOKEN);
    } finally {
      output.restore();
    }
  });

  it.each([['ARTHUR_HOST'], ['ARTHUR_TOKEN_SECRET_ARN'], ['ARTHUR_HOST_ALLOWLIST']])('fails the cold start naming %s when it is missing', async (name) => {
    configure({ [name]: undefined });
    await expect(import('../../../functions/upload/handler.js')).rejects.toThrow(name);
  });

  it.each([
    ['a default host outside the allowlist', { ARTHUR_HOST: 'https://app.arthur.ai' }, /not in the allowlist/],
    ['a timeout that is not a number', { ARTHUR_TIMEOUT_MS: '30s' }, /ARTHUR_TIMEOUT_MS/],
    ['a malformed allowlist', { ARTHUR_HOST_ALLOWLIST: 'https://app.arthur.ai/' }, /allowlist entry/],
  ])('fails the cold start on %s', async (_label, overrides, message) => {
    configure(overrides);
    await expect(import('../../../functions/upload/handler.js')).rejects.toThrow(message);
  });
});
