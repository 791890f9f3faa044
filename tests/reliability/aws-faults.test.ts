/**
 * Faults on the AWS side.
 *  - DynamoDB unavailable while the router looks up the mapping (the whole local stack): the event is retried like
 *    Lambda's async invocation, lands in the DLQ, is redriven (stack.redriveDlq(), the local twin of redriving the
 *    router's SQS DLQ) and delivered exactly once.
 *  - DynamoDB failing when the workflow records the outcome (PutItem): retried by the state's own Retry.
 *  - S3 GetObject failing in ValidateCapture, and middy's TimeoutError in UploadPart: the ASL with the real tasks
 *    (tests/support/workflow-harness.ts), the faults wrapped around them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { checkCaptureFile as validateFile } from '../../src/capture/index.js';
import type { ValidateDeps } from '../../functions/validate/validate-capture.js';
import { validateFile as validateTask } from '../../functions/validate/validate-file.js';
import { createManifestReader, createOutcomeWriter } from '../../src/aws/part-manifest-store.js';
import { outcomesOf as partOutcomes } from '../support/part-manifest.js';
import { uploadPart, type UploadPartDeps } from '../../functions/upload/upload-part.js';
import { createArtifactStore } from '../../src/aws/artifact-store.js';
import { createObjectSource } from '../../src/aws/object-source.js';
import { HttpArthurApi } from '../../src/arthur/index.js';
import type { UploadPartEvent, WorkflowInput } from '../../src/contracts.js';
import { startArthurReceiver, type ArthurReceiver } from '../../local/arthur/index.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { startS3rver, type S3rverServer } from '../support/s3rver-server.js';
import { eventsOf, namedError, startWorkflowHarness, type IngestTasks, type WorkflowHarness } from '../support/workflow-harness.js';
import { attempts, captureKey, modelId, record, startReliabilityStack, type ReliabilityStack } from './support.js';

const TOKEN = 'reliability-aws-faults-token-7c1d';

function captureText(seed: number, records = 5): string {
  const gen = new CaptureGenerator({ seed, mix: ['csv', 'json1', 'batch'] });
  return `${Array.from({ length: records }, () => gen.line().text).join('\n')}\n`;
}
const idsOf = async (text: string) => (await validateFile(Readable.from([text]), { collectPartnerIds: true })).partnerInferenceIds!;
const sorted = (xs: string[]) => [...xs].sort();

describe('DynamoDB faults in the local stack', () => {
  let r: ReliabilityStack;
  let failBatchGet = false;
  let failPutItem = 0;
  const calls: Record<string, number> = {};

  beforeAll(async () => {
    r = await startReliabilityStack({
      dynamodbFault: (command) => {
        calls[command] = (calls[command] ?? 0) + 1;
        if (command === 'BatchGetItemCommand' && failBatchGet) return namedError('ServiceUnavailable', 'DynamoDB is unavailable (injected)');
        if (command === 'PutItemCommand' && failPutItem > 0) {
          failPutItem--;
          return namedError('InternalServerError', 'DynamoDB failed the write (injected)');
        }
        return undefined;
      },
    });
  });
  afterAll(async () => {
    if (r) expect(await r.findSecret(r.stack.arthurToken)).toBeUndefined();
    await r?.close();
  });

  it('unavailable at routing time: retried (3 invocations), then the DLQ, then redriven and delivered once', async () => {
    const model = modelId(0x201);
    await r.stack.putMapping('aws/dynamo-outage/', model);
    const key = captureKey('aws/dynamo-outage/', 1);
    const text = captureText(201);
    failBatchGet = true;
    const before = calls.BatchGetItemCommand ?? 0;
    await r.put(key, text);
    await r.stack.waitForIdle();
    const lookups = (calls.BatchGetItemCommand ?? 0) - before;

    // Nothing started, nothing sent: the event waits in the DLQ with its attempts and the error.
    expect(r.stack.dlq).toHaveLength(1);
    expect(r.stack.dlq[0]).toMatchObject({ attempts: 3, error: { name: 'RouteEventError' } });
    expect(r.stack.dlq[0]!.error.message).toContain('ServiceUnavailable');
    expect(lookups).toBe(3);
    expect(r.stack.sfn.executions()).toHaveLength(0);
    expect(attempts(r.stack, model)).toBe(0);

    // DynamoDB is back: redrive.
    failBatchGet = false;
    const started = performance.now();
    expect(await r.stack.redriveDlq()).toBe(1);
    await r.stack.waitForIdle();
    const redriveMs = Math.round(performance.now() - started);
    expect(r.stack.dlq).toHaveLength(0);
    expect((await r.ingestions()).get(`${r.stack.captureBucket}/${key}`)?.status).toBe('UPLOADED');
    expect(sorted(r.stack.receiver!.received(model).map((i) => i.partnerInferenceId))).toEqual(sorted(await idsOf(text)));

    // Redriving twice (or S3 re-sending the event) delivers nothing more.
    r.stack.deliver(r.stack.notifications.at(-1)!);
    expect(await r.stack.redriveDlq()).toBe(0);
    await r.stack.waitForIdle();
    expect(attempts(r.stack, model)).toBe(1);
    expect(r.stack.routed.at(-1)).toMatchObject({ alreadyDelivered: 1, started: 0 });
    record('aws: DynamoDB unavailable at routing time → DLQ → redrive', { routerInvocations: 3, dlq: 1, redriveMs, uploads: 1, status: 'UPLOADED' });
  });

  it('failing twice when the workflow records the outcome: the PutItem state retries, the file is UPLOADED once', async () => {
    const model = modelId(0x202);
    await r.stack.putMapping('aws/dynamo-record/', model);
    const key = captureKey('aws/dynamo-record/', 2);
    failPutItem = 2;
    await r.put(key, captureText(202));
    await r.stack.waitForIdle();
    expect(failPutItem).toBe(0);
    const execution = r.stack.sfn.executions().find((e) => JSON.parse(e.input).key === key)!;
    expect(execution.status).toBe('SUCCEEDED');
    expect(eventsOf(execution.run!, 'StateRetried', 'RecordUploaded')).toHaveLength(2);
    expect((await r.ingestions()).get(`${r.stack.captureBucket}/${key}`)?.status).toBe('UPLOADED');
    expect(attempts(r.stack, model)).toBe(1);
    record('aws: DynamoDB PutItem failing twice at RecordUploaded', { status: 'UPLOADED', stateRetries: 2, uploads: 1 });
  });
});

describe('S3 and Lambda faults in the workflow (real tasks)', () => {
  const MODEL = modelId(0x300);
  let harness: WorkflowHarness;
  let s3rver: S3rverServer;
  let s3: S3Client;
  let receiver: ArthurReceiver;
  let validateDeps: ValidateDeps;
  let uploadDeps: UploadPartDeps;
  let files = 0;

  beforeAll(async () => {
    [harness, s3rver, receiver] = await Promise.all([startWorkflowHarness(), startS3rver(), startArthurReceiver({ token: TOKEN })]);
    s3 = s3rver.client();
    await s3rver.createBucket('datacapture');
    await s3rver.createBucket('artifacts');
    validateDeps = { openObject: createObjectSource(s3), putArtifact: createArtifactStore(s3, 'artifacts'), artifactsBucket: 'artifacts', limits: { maxBytes: 1 << 20, maxRecords: 1000 } };
    uploadDeps = {
      openPart: createObjectSource(s3),
      readPart: createManifestReader(s3),
      writeOutcome: createOutcomeWriter(s3),
      getToken: async () => TOKEN,
      arthur: new HttpArthurApi(),
      defaultHost: receiver.url,
      defaultSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:capture-router/arthur-token',
      allowlist: ['127.0.0.1'],
      timeoutMs: 2000,
    };
  });
  afterAll(async () => Promise.all([harness?.close(), s3rver?.close(), receiver?.close()]));
  beforeEach(() => receiver.reset());

  /** Arthur's answer per part as UploadPart recorded it beside the manifest, with the record's own counts. */
  const outcomesOf = (item: Parameters<typeof partOutcomes>[1]) => partOutcomes(s3, item);

  async function put(text: string): Promise<WorkflowInput> {
    const key = captureKey('aws/', ++files);
    await s3rver.put('datacapture', key, text);
    return { bucket: 'datacapture', key, size: Buffer.byteLength(text), modelId: MODEL, mappingPrefix: 'aws/', etag: `"aws-${files}"` };
  }

  /** An S3 client whose GetObject answers like S3 under load (503 SlowDown, after the SDK's own retries) `times` times. */
  function failingGetObject(times: number): { deps: ValidateDeps; failures: () => number } {
    let left = times;
    const client = s3rver.client({ maxAttempts: 1 });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && left > 0) {
          left--;
          throw Object.assign(namedError('SlowDown', 'Please reduce your request rate. (injected)'), { $fault: 'server', $metadata: { httpStatusCode: 503 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectGetObjectFault' },
    );
    return { deps: { ...validateDeps, openObject: createObjectSource(client) }, failures: () => times - left };
  }

  it('S3 GetObject failing (503) once in ValidateCapture: retried, then UPLOADED', async () => {
    const text = captureText(301);
    const input = await put(text);
    const fault = failingGetObject(1);
    const tasks: IngestTasks = { ValidateCapture: (i: WorkflowInput) => validateTask(i, fault.deps), UploadPart: (e: UploadPartEvent) => uploadPart(e, uploadDeps) };
    const run = await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    record('aws: S3 GetObject 503 once in ValidateCapture', { status: item?.status, error: item?.error ?? null, validateRetries: eventsOf(run, 'StateRetried', 'ValidateCapture').length });
    expect(fault.failures()).toBe(1);
    expect({ status: item?.status, error: item?.error }).toEqual({ status: 'UPLOADED', error: undefined });
    expect(eventsOf(run, 'StateRetried', 'ValidateCapture')).toHaveLength(1);
    expect(sorted(receiver.received(MODEL).map((i) => i.partnerInferenceId))).toEqual(sorted(await idsOf(text)));
  });

  it('S3 GetObject failing for longer than the retry budget: FAILED StorageUnavailableError after 5 attempts, nothing sent', async () => {
    const input = await put(captureText(302));
    const fault = failingGetObject(100);
    const tasks: IngestTasks = { ValidateCapture: (i: WorkflowInput) => validateTask(i, fault.deps), UploadPart: (e: UploadPartEvent) => uploadPart(e, uploadDeps) };
    const run = await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    record('aws: S3 GetObject 503 beyond the retry budget', { status: item?.status, error: item?.error ?? null, getObjectCalls: fault.failures() });
    expect({ status: item?.status, error: item?.error }).toEqual({ status: 'FAILED', error: 'StorageUnavailableError' });
    expect(fault.failures()).toBe(5);
    expect(run.status).toBe('FAILED');
    expect(receiver.stats().total).toBe(0);
  });

  it('Lambda timeout (middy TimeoutError) in UploadPart before it sent anything: retried, UPLOADED, one upload', async () => {
    const text = captureText(303);
    const input = await put(text);
    let timeouts = 1;
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: (e: UploadPartEvent) => {
        if (timeouts-- > 0) throw namedError('TimeoutError', 'Task timed out (injected, as middy raises it before the Lambda timeout)');
        return uploadPart(e, uploadDeps);
      },
    };
    const run = await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    record('aws: TimeoutError in UploadPart before sending', { status: item?.status, uploadRetries: eventsOf(run, 'StateRetried', 'UploadPart').length, uploads: receiver.stats().total });
    expect(item?.status).toBe('UPLOADED');
    expect(eventsOf(run, 'StateRetried', 'UploadPart')).toHaveLength(1);
    expect(receiver.stats().total).toBe(1);
    expect(sorted(receiver.received(MODEL).map((i) => i.partnerInferenceId))).toEqual(sorted(await idsOf(text)));
  });

  it('Lambda timeout in UploadPart AFTER Arthur took the part: the retry asks Arthur\'s lookup and sends nothing again; Arthur keeps each inference once', async () => {
    const text = captureText(304);
    const input = await put(text);
    let timeouts = 1;
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: async (e: UploadPartEvent) => {
        const result = await uploadPart(e, uploadDeps);
        if (timeouts-- > 0) throw namedError('TimeoutError', 'Task timed out after the upload (injected)');
        return result;
      },
    };
    await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    const ids = receiver.received(MODEL).map((i) => i.partnerInferenceId);
    const parts = await outcomesOf(item);
    record('aws: TimeoutError in UploadPart after Arthur took the part', {
      status: item?.status,
      uploads: receiver.stats().total,
      received: ids.length,
      failure: parts.reduce((n, p) => n + p.failure, 0),
      alreadyPresent: parts.reduce((n, p) => n + (p.alreadyPresent ?? 0), 0),
      lookups: receiver.stats().lookups[MODEL] ?? 0,
    });
    expect(receiver.stats().total).toBe(1);
    expect(receiver.stats().lookups[MODEL]).toBe((await idsOf(text)).length);
    expect(sorted(ids)).toEqual(sorted(await idsOf(text)));
    expect(['UPLOADED', 'PARTIAL']).toContain(item?.status);
  });

  // Was "does not hold" 1 (docs/RELIABILITY.md): the re-sent part's answer lists every inference as "already
  // exists". On a retried attempt UploadPart counts those as delivered (alreadyPresent), not as failures.
  it('… and is recorded UPLOADED, the re-sent inferences counted apart as already present', async () => {
    const text = captureText(305);
    const input = await put(text);
    let timeouts = 1;
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: async (e: UploadPartEvent) => {
        const result = await uploadPart(e, uploadDeps);
        if (timeouts-- > 0) throw namedError('TimeoutError', 'Task timed out after the upload (injected)');
        return result;
      },
    };
    const run = await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    const inferences = (await idsOf(text)).length;
    expect(item?.status).toBe('UPLOADED');
    expect(eventsOf(run, 'StateRetried', 'UploadPart')).toHaveLength(1);
    expect(item?.partCounts).toBe(`[[0,${inferences}]]`);
    expect(await outcomesOf(item)).toEqual([{
      partIndex: 0, status: 200, inferences, success: 0, failure: 0, alreadyPresent: inferences, total: inferences,
      refused: { count: 0, ids: [], unnamed: 0, messages: [] }, lookup: `${inferences} of ${inferences} held`, countsCheck: 'ok',
    }]);
  });

  // Where Arthur's lookup cannot answer (a host without it, a token without read access), the retry falls back to
  // what it did before the lookup: it re-sends the part and counts Arthur's "already exists" refusals as present.
  it('… and where the lookup cannot answer, the retry re-sends the part, recorded UPLOADED with the refusals counted as present', async () => {
    const text = captureText(306);
    const input = await put(text);
    const arthur = new HttpArthurApi();
    const blind = { uploadCapture: arthur.uploadCapture.bind(arthur), lookupInferences: async () => ({ status: 'not-served' as const, detail: 'HTTP 405' }) };
    let timeouts = 1;
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: async (e: UploadPartEvent) => {
        const result = await uploadPart(e, { ...uploadDeps, arthur: blind });
        if (timeouts-- > 0) throw namedError('TimeoutError', 'Task timed out after the upload (injected)');
        return result;
      },
    };
    await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    const inferences = (await idsOf(text)).length;
    record('aws: TimeoutError after Arthur took the part, lookup unavailable', { status: item?.status, uploads: receiver.stats().total, received: receiver.received(MODEL).length });
    expect(receiver.stats().total).toBe(2);
    expect(sorted(receiver.received(MODEL).map((i) => i.partnerInferenceId))).toEqual(sorted(await idsOf(text)));
    expect(item?.status).toBe('UPLOADED');
    expect(item?.partCounts).toBe(`[[0,${inferences}]]`);
    expect(await outcomesOf(item)).toEqual([expect.objectContaining({ status: 207, success: 0, failure: 0, alreadyPresent: inferences, lookup: 'not-served: HTTP 405' })]);
  });

  // The other side of the same rule: on a FIRST attempt, "already exists" means another file carried the partner
  // ID ("does not hold" 7), a refusal that must stay visible as such.
  it('a first attempt refused as "already exists" (the IDs came with another file) stays PARTIAL with failures', async () => {
    const text = captureText(308);
    const first = await put(text);
    await harness.run({ ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps), UploadPart: (e: UploadPartEvent) => uploadPart(e, uploadDeps) }, first);
    const copy = await put(text);
    await harness.run({ ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps), UploadPart: (e: UploadPartEvent) => uploadPart(e, uploadDeps) }, copy);
    const item = await harness.ingestion('datacapture', copy.key);
    const inferences = (await idsOf(text)).length;
    const parts = await outcomesOf(item);
    record('aws: first attempt refused as already existing (IDs of another file)', {
      status: item?.status,
      inferences,
      failure: parts.reduce((n, p) => n + p.failure, 0),
      alreadyPresent: parts.reduce((n, p) => n + (p.alreadyPresent ?? 0), 0),
    });
    expect((await harness.ingestion('datacapture', first.key))?.status).toBe('UPLOADED');
    expect(item?.status).toBe('PARTIAL');
    expect(item?.partCounts).toBe(`[[${inferences},0]]`);
    expect(await outcomesOf(item)).toEqual([expect.objectContaining({ success: 0, failure: inferences, alreadyPresent: 0 })]);
  });

  // A part whose S3 read breaks mid-stream is StorageUnavailableError: the request never reached its multipart end,
  // so Arthur took nothing, and the workflow retries the part.
  it('S3 read of a part reset mid-stream in UploadPart: retried, then UPLOADED', async () => {
    const text = captureText(307, 40);
    const input = await put(text);
    let breaks = 1;
    const openPart: UploadPartDeps['openPart'] = async (ref) => {
      const opened = await createObjectSource(s3)(ref);
      if (breaks-- <= 0) return opened;
      const all = Buffer.from(await opened.body.toArray().then((c) => Buffer.concat(c as Buffer[])));
      const broken = new Readable({ read() {} });
      broken.push(all.subarray(0, Math.floor(all.length / 2)));
      setImmediate(() => broken.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
      return { body: broken, contentLength: opened.contentLength };
    };
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: (e: UploadPartEvent) => uploadPart(e, { ...uploadDeps, openPart }),
    };
    await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    record('aws: S3 read of a part reset mid-stream in UploadPart', { status: item?.status, error: item?.error ?? null, uploads: receiver.stats().total, kept: receiver.received(MODEL).length });
    expect(item?.status).toBe('UPLOADED');
  });

  // One GetObject of the part failing past the SDK's retries (503 SlowDown) is StorageUnavailableError: retried.
  it('S3 GetObject failing (503) once in UploadPart: retried, then UPLOADED', async () => {
    const input = await put(captureText(306));
    let left = 1;
    const client = s3rver.client({ maxAttempts: 1 });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && left-- > 0) {
          throw Object.assign(namedError('SlowDown', 'Please reduce your request rate. (injected)'), { $fault: 'server', $metadata: { httpStatusCode: 503 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectGetObjectFault' },
    );
    const tasks: IngestTasks = {
      ValidateCapture: (i: WorkflowInput) => validateTask(i, validateDeps),
      UploadPart: (e: UploadPartEvent) => uploadPart(e, { ...uploadDeps, openPart: createObjectSource(client) }),
    };
    await harness.run(tasks, input);
    const item = await harness.ingestion('datacapture', input.key);
    record('aws: S3 GetObject 503 once in UploadPart', { status: item?.status, error: item?.error ?? null });
    expect(item?.status).toBe('UPLOADED');
  });
});
