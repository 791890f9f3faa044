/**
 * The ingest workflow end to end: statemachines/ingest.asl.yml itself on aws-local-stepfunctions, its tasks bound
 * to the real use cases (ValidateCapture, UploadPart), S3 on s3rver, the ingestions table on dynalite, the token in
 * a Secrets Manager stub, and Arthur played by the project's receiver. Retry waits are zeroed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { checkCaptureFile as validateFile } from '../../src/capture/index.js';
import type { ValidateDeps } from '../../functions/validate/validate-capture.js';
import { validateFile as validateTask } from '../../functions/validate/validate-file.js';
import { createManifestReader, createOutcomeWriter } from '../../src/aws/part-manifest-store.js';
import { uploadPart, type UploadPartDeps } from '../../functions/upload/upload-part.js';
import { createArtifactStore } from '../../src/aws/artifact-store.js';
import { createObjectSource } from '../../src/aws/object-source.js';
import { createTokenProvider } from '../../src/aws/token-provider.js';
import { HttpArthurApi } from '../../src/arthur/index.js';
import type { Part, UploadPartEvent, WorkflowInput } from '../../src/contracts.js';
import { startArthurReceiver, type ArthurReceiver } from '../../local/arthur/index.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { startS3rver, type S3rverServer } from '../support/s3rver-server.js';
import { startSecretsManagerStub, type SecretsManagerStub } from '../support/secrets-manager-stub.js';
import { eventsOf, startWorkflowHarness, statesEntered, type IngestTasks, type WorkflowHarness } from '../support/workflow-harness.js';

const FIX = 'tests/fixtures/captures';
const MODEL = '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e';
const TOKEN = 'arthur-test-token-5b2f9e';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:capture-router/arthur-AbCdEf';

let harness: WorkflowHarness;
let s3rver: S3rverServer;
let s3: S3Client;
let receiver: ArthurReceiver;
let secrets: SecretsManagerStub;
let tasks: IngestTasks;
/** Every UploadPart event, with the part it read from the manifest. */
let uploadCalls: Array<UploadPartEvent & { part: Part }>;

beforeAll(async () => {
  [harness, s3rver, receiver, secrets] = await Promise.all([
    startWorkflowHarness(),
    startS3rver(),
    startArthurReceiver({ token: TOKEN }),
    startSecretsManagerStub({ [SECRET_ARN]: TOKEN }),
  ]);
  s3 = s3rver.client();
  await s3rver.createBucket('datacapture');
  await s3rver.createBucket('artifacts');
  const validateDeps: ValidateDeps = {
    openObject: createObjectSource(s3),
    putArtifact: createArtifactStore(s3, 'artifacts'),
    artifactsBucket: 'artifacts',
    limits: { maxBytes: 16 * 1024, maxRecords: 40 },
  };
  const uploadDeps: UploadPartDeps = {
    openPart: createObjectSource(s3),
    readPart: createManifestReader(s3),
    writeOutcome: createOutcomeWriter(s3),
    getToken: createTokenProvider(new SecretsManagerClient({ endpoint: secrets.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })),
    arthur: new HttpArthurApi(),
    defaultHost: receiver.url,
    defaultSecretArn: SECRET_ARN,
    allowlist: ['127.0.0.1'],
    timeoutMs: 2000,
  };
  tasks = {
    ValidateCapture: (input: WorkflowInput) => validateTask(input, validateDeps),
    UploadPart: async (event: UploadPartEvent) => {
      uploadCalls.push({ ...event, part: await uploadDeps.readPart(event.manifest, event.index) });
      return uploadPart(event, uploadDeps);
    },
  };
});
afterAll(async () => Promise.all([harness.close(), s3rver.close(), receiver.close(), secrets.close()]));
beforeEach(() => {
  receiver.reset();
  uploadCalls = [];
});

let files = 0;
async function put(body: string | Buffer): Promise<WorkflowInput> {
  const key = `fraud-endpoint/AllTraffic/2026/11/24/10/00-${String(++files).padStart(2, '0')}-000-scenario.jsonl`;
  await s3rver.put('datacapture', key, body);
  return { bucket: 'datacapture', key, size: Buffer.byteLength(body), modelId: MODEL, mappingPrefix: 'fraud-endpoint/', etag: `"etag-${files}"` };
}
const idsAt = async (path: string) => (await validateFile(path, { collectPartnerIds: true })).partnerInferenceIds!;
const receivedIds = () => receiver.received(MODEL).map((r) => r.partnerInferenceId).sort();

describe('ingest workflow with the real tasks', () => {
  it('happy path: a clean file is uploaded as it is and recorded UPLOADED', async () => {
    const input = await put(readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(uploadCalls.map((c) => c.part.key)).toEqual([input.key]);
    // What a Standard workflow bills: 5 state transitions for a clean single-part file (7 before).
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'CheckOutcome', 'RecordUploaded']);
    expect(receivedIds()).toEqual((await idsAt(`${FIX}/csv-fraud-scores.jsonl`)).sort());
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'UPLOADED', modelId: MODEL, records: 3, inferences: 3, rejected: 0, executionName: run.name });
  });

  it('base64: the decoded part is what Arthur receives', async () => {
    const input = await put(readFileSync(`${FIX}/base64-csv-and-json.jsonl`));
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(uploadCalls[0].part.bucket).toBe('artifacts');
    expect(receiver.received(MODEL).map((r) => r.input)).toEqual(['42,1,0.5', '17,0,0.9', { text_len: 120, lang: 'en' }]);
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'UPLOADED', inferences: 3 });
  });

  it('mixed file: good records uploaded, bad ones quarantined, recorded PARTIAL with the quarantine key', async () => {
    const input = await put(readFileSync(`${FIX}/mixed-bad-records.jsonl`));
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(receivedIds()).toEqual(['94a6d5a1-e3c2-4194-86fc-a2b3c4d5e6f7']);
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'CheckOutcome', 'RecordPartial']);
    const item = await harness.ingestion('datacapture', input.key);
    expect(item).toMatchObject({ status: 'PARTIAL', records: 5, inferences: 1, rejected: 4 });
    const quarantine = await (await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: item!.quarantineKey! }))).Body!.transformToString();
    expect(quarantine.trim().split('\n').map((l) => JSON.parse(l).code)).toEqual(['UNSUPPORTED_ENCODING', 'BAD_JSON_SHAPE', 'COUNT_MISMATCH', 'DUPLICATE_PARTNER_ID']);
  });

  it('all invalid: recorded REJECTED, nothing uploaded, the execution fails with CaptureRejectedError', async () => {
    const gen = new CaptureGenerator({ seed: 3 });
    const input = await put(`${gen.line('badTime').text}\n${gen.line('xml').text}\n`);
    const run = await harness.run(tasks, input);
    expect(run).toMatchObject({ status: 'FAILED', error: 'CaptureRejectedError' });
    expect(uploadCalls).toHaveLength(0);
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'RecordRejectedFile', 'CaptureRejected']);
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'REJECTED', error: 'CaptureRejectedError', cause: expect.stringContaining('BAD_INFERENCE_TIME') });
  });

  it('a large file is cut into parts; every inference arrives once', async () => {
    const gen = new CaptureGenerator({ seed: 21, mix: ['csv', 'batch', 'json1', 'json2'] });
    const text = `${Array.from({ length: 150 }, () => gen.line().text).join('\n')}\n`;
    const input = await put(text);
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(uploadCalls.length).toBeGreaterThan(3);
    // 4 transitions and one per part (6 and one per part before).
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', ...uploadCalls.map(() => 'UploadPart'), 'CheckOutcome', 'RecordUploaded']);
    const expected = (await validateFile((await import('node:stream')).Readable.from([text]), { collectPartnerIds: true })).partnerInferenceIds!;
    expect(receivedIds()).toEqual([...expected].sort());
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'UPLOADED', partCount: uploadCalls.length });
  });

  it('429 three times, then 207: retried three times and UPLOADED', async () => {
    const input = await put(readFileSync(`${FIX}/json-features-probabilities.jsonl`));
    receiver.setFaults({ status: 429, count: 3 });
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(eventsOf(run, 'StateRetried', 'UploadPart')).toHaveLength(3);
    expect(receiver.stats().uploads[MODEL]).toBe(4);
    expect(receivedIds()).toHaveLength(3);
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'UPLOADED' });
  });

  it('5xx forever: FAILED after the retries, with the error name', async () => {
    const input = await put(readFileSync(`${FIX}/json-features-probabilities.jsonl`));
    receiver.setFaults({ status: 503, count: 100 });
    const run = await harness.run(tasks, input);
    expect(run).toMatchObject({ status: 'FAILED', error: 'ArthurUnavailableError' });
    expect(eventsOf(run, 'StateRetried', 'UploadPart')).toHaveLength(5);
    // A retry is not a state entered again; the Fail state carries the error to the console.
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'RecordFailed', 'IngestFailed']);
    expect(receivedIds()).toHaveLength(0);
    expect(await harness.ingestion('datacapture', input.key)).toMatchObject({ status: 'FAILED', error: 'ArthurUnavailableError' });
  });

  it('401: FAILED at once, never retried, and the token is nowhere in the record', async () => {
    const input = await put(readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
    receiver.setFaults({ status: 401, count: 1 });
    const run = await harness.run(tasks, input);
    expect(run).toMatchObject({ status: 'FAILED', error: 'ArthurAuthError' });
    expect(eventsOf(run, 'StateRetried')).toHaveLength(0);
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'RecordFailed', 'IngestFailed']);
    const item = await harness.ingestion('datacapture', input.key);
    expect(item).toMatchObject({ status: 'FAILED', error: 'ArthurAuthError' });
    expect(JSON.stringify(item)).not.toContain(TOKEN);
    expect(JSON.stringify(run.events)).not.toContain(TOKEN);
  });

  it('a part failing after another was accepted: only the failed part is sent again', async () => {
    const gen = new CaptureGenerator({ seed: 8, mix: ['csv'] });
    const input = await put(`${Array.from({ length: 60 }, () => gen.line().text).join('\n')}\n`);
    // The first upload is accepted, the second answers 503 once; MaxConcurrency 2 makes the order of the two
    // first uploads free, so the test checks the outcome rather than which part met the fault.
    receiver.setFaults([{}, { status: 503 }]);
    const run = await harness.run(tasks, input);
    expect(run.status).toBe('SUCCEEDED');
    const byPart = new Map<number, number>();
    for (const call of uploadCalls) byPart.set(call.part.index, (byPart.get(call.part.index) ?? 0) + 1);
    expect([...byPart.values()].sort()).toEqual([1, 2]);
    expect(receivedIds()).toHaveLength(60);
    expect(new Set(receivedIds()).size).toBe(60);
  });
});

it('visits the states of the happy path in order, ending at the record state', async () => {
  const input = await put(readFileSync(`${FIX}/csv-fraud-scores.jsonl`));
  const run = await harness.run(tasks, input);
  expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'CheckOutcome', 'RecordUploaded']);
  expect(eventsOf(run, 'ExecutionSucceeded')).toHaveLength(1);
});
