/**
 * ValidateCapture and UploadPart for a ground-truth mapping (docs/ground-truth.md, wiring steps 3 and 5), on
 * in-memory ports: the label file becomes JSON batches plus a quarantine object; a batch becomes one ground-truth
 * update whose refusals are reported as a capture part's are.
 */
import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { uploadPart, type UploadPartDeps } from '../../../functions/upload/upload-part.js';
import { validateGroundTruth } from '../../../functions/validate/validate-ground-truth.js';
import type { ValidateDeps } from '../../../functions/validate/validate-capture.js';
import type { GroundTruthApi, GroundTruthUpdateRequest } from '../../../src/arthur/ground-truth-api.js';
import type { GroundTruthItem } from '../../../src/capture/index.js';
import type { UploadPartEvent, WorkflowInput } from '../../../src/contracts.js';
import { CaptureRejectedError } from '../../../src/errors.js';
import { manifestFor, memoryManifestDeps } from '../../support/part-manifest.js';

const MODEL = '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40';
const label = (data: string, eventId: string, encoding = 'CSV') => JSON.stringify({ groundTruthData: { data, encoding }, eventMetadata: { eventId }, eventVersion: '0' });
const input = (key: string): WorkflowInput => ({
  bucket: 'datacapture', key, etag: '"e"', size: 0, modelId: MODEL, mappingPrefix: 'labels/', kind: 'groundTruth', groundTruthAttributes: ['is_fraud', 'is_legit'],
});

function validateDeps(text: string, lastModified = new Date('2025-03-04T05:06:07.890Z')) {
  const written = new Map<string, { body: Buffer; type: string }>();
  const deps: ValidateDeps = {
    openObject: async () => ({ body: Readable.from([Buffer.from(text)]), lastModified }),
    putArtifact: async (key, body, type) => void written.set(key, { body: Buffer.from(body as Buffer), type: type ?? '' }),
    artifactsBucket: 'artifacts',
    limits: { maxBytes: 1 << 20, maxRecords: 10_000 },
  };
  return { deps, written };
}

describe('validateGroundTruth', () => {
  it('writes the labels as a JSON batch part, timestamped by the hour partition, and the rejected records to the quarantine', async () => {
    const text = [label('1,0', 'e-1'), label('0,1\n1,0', 'e-2'), label('1', 'e-3'), label('0,1', 'e-1')].join('\n');
    const { deps, written } = validateDeps(text);
    const result = await validateGroundTruth(input('labels/2024/01/19/19/labels.jsonl'), deps);
    expect(result).toMatchObject({ records: 4, inferences: 3, rejected: 2, normalized: true, quarantineBucket: 'artifacts' });
    expect(result.errorSample!.map((e) => [e.line, e.code])).toEqual([[3, 'GT_COLUMN_COUNT'], [4, 'GT_DUPLICATE_PARTNER_ID']]);
    expect(result.parts).toEqual([{ bucket: 'artifacts', key: expect.stringMatching(/\/ground-truth-00000\.json$/), index: 0, records: 0, inferences: 3, bytes: expect.any(Number) }]);
    const part = written.get(result.parts[0]!.key)!;
    expect(part.type).toBe('application/json');
    expect(JSON.parse(part.body.toString())).toEqual([
      { partner_inference_id: 'e-1', ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { is_fraud: 1, is_legit: 0 } },
      { partner_inference_id: 'e-2_0', ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { is_fraud: 0, is_legit: 1 } },
      { partner_inference_id: 'e-2_1', ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { is_fraud: 1, is_legit: 0 } },
    ]);
    const quarantine = written.get(result.quarantineKey!)!.body.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantine.map((q) => [q.line, q.code, q.record])).toEqual([[3, 'GT_COLUMN_COUNT', label('1', 'e-3')], [4, 'GT_DUPLICATE_PARTNER_ID', label('0,1', 'e-1')]]);
  });

  it("takes the object's LastModified when the key has no hour partition", async () => {
    const { deps, written } = validateDeps(label('1,0', 'e-1'));
    const result = await validateGroundTruth(input('labels/flat.jsonl'), deps);
    expect(JSON.parse(written.get(result.parts[0]!.key)!.body.toString())[0].ground_truth_timestamp).toBe('2025-03-04T05:06:07Z');
  });

  it('rejects a capture file (no label at all) after writing the quarantine, naming WRONG_RECORD_KIND', async () => {
    const capture = JSON.stringify({ captureData: { endpointInput: { data: '1', encoding: 'CSV' } }, eventMetadata: { eventId: 'x' } });
    const { deps, written } = validateDeps(`${capture}\n`);
    const err = (await validateGroundTruth(input('labels/2024/01/19/19/c.jsonl'), deps).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(CaptureRejectedError);
    expect(err.message).toMatch(/line 1 WRONG_RECORD_KIND: .*expects ground-truth records/);
    expect([...written.keys()]).toEqual([expect.stringMatching(/c\.rejected\.jsonl$/)]);
  });
});

describe('uploadPart for a ground-truth batch', () => {
  const items: GroundTruthItem[] = [
    { partner_inference_id: 'e-1', ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { is_fraud: 1, is_legit: 0 } },
    { partner_inference_id: 'gone', ground_truth_timestamp: '2024-01-19T19:00:00Z', ground_truth_data: { is_fraud: 0, is_legit: 1 } },
  ];
  const event = (retryCount = 0): UploadPartEvent => ({
    index: 0,
    manifest: manifestFor({ bucket: 'artifacts', key: 'captures/m/labels/gt-00000.json', index: 0, records: 0, inferences: 2, bytes: 10 }),
    request: input('labels/2024/01/19/19/labels.jsonl'),
    retryCount,
  });
  function deps(api: GroundTruthApi): UploadPartDeps {
    return {
      openPart: async () => ({ body: Readable.from([Buffer.from(JSON.stringify(items))]) }),
      ...memoryManifestDeps,
      getToken: async () => 'token-1',
      arthur: { uploadCapture: async () => { throw new Error('a ground-truth batch must not be uploaded as a capture'); } } as unknown as UploadPartDeps['arthur'],
      groundTruth: api,
      defaultHost: 'https://arthur.example.com',
      defaultSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t',
      allowlist: ['arthur.example.com'],
      timeoutMs: 5_000,
    };
  }

  it("PATCHes the batch's items and reports Arthur's refusal as the part's failure, naming the partner ID", async () => {
    const sent: GroundTruthUpdateRequest[] = [];
    const api: GroundTruthApi = {
      updateGroundTruth: async (request) => {
        sent.push(request);
        return { status: 207, counts: { success: 1, failure: 1, total: 2 }, accepted: 1, refused: [{ index: 1, partnerInferenceId: 'gone', status: 404, message: 'no inference with partner_inference_id "gone"' }], unattributed: 0, discrepancies: [], bytesSent: 100, durationMs: 3 };
      },
    };
    for (const retryCount of [0, 2]) {
      const result = await uploadPart(event(retryCount), deps(api));
      expect(result).toEqual({
        partIndex: 0, status: 207, inferences: 2, success: 1, failure: 1, alreadyPresent: 0, total: 2,
        refused: { count: 1, ids: ['gone'], unnamed: 0, messages: ['no inference with partner_inference_id "gone"'] },
        lookup: 'not needed', countsCheck: 'ok',
        failureSample: [{ partner_inference_id: 'gone', status: 404, message: 'no inference with partner_inference_id "gone"' }],
      });
    }
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ host: 'https://arthur.example.com/', modelId: MODEL, token: 'token-1', items });
  });

  it('counts failures no result names as refused but unnamed, and says the answer disagreed', async () => {
    const api: GroundTruthApi = {
      updateGroundTruth: async () => ({ status: 207, counts: { success: 1, failure: 1, total: 2 }, accepted: 1, refused: [], unattributed: 1, discrepancies: ['1 result for 2 items'], bytesSent: 1, durationMs: 1 }),
    };
    const result = await uploadPart(event(), deps(api));
    expect(result).toMatchObject({ failure: 1, refused: { count: 1, ids: [], unnamed: 1 }, countsCheck: 'mismatch: 1 result for 2 items' });
  });

  it("passes on the client's typed errors for the workflow to retry or catch", async () => {
    const unavailable = Object.assign(new Error('Arthur did not answer'), { name: 'ArthurUnavailableError' });
    const api: GroundTruthApi = { updateGroundTruth: async () => { throw unavailable; } };
    await expect(uploadPart(event(), deps(api))).rejects.toBe(unavailable);
  });
});
