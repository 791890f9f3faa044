/**
 * The ingest state machine itself (statemachines/ingest.asl.yml), run by local/workflow-runner.ts with simple
 * inline tasks: every path of the file, its retry policy per error name, and the ingestion record it writes.
 * (Scenario tests that bind the real use cases live beside this one.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Part, UploadPartEvent, UploadPartResult, ValidationSummary, WorkflowInput } from '../../src/contracts.js';
import { partIndexes } from '../../src/parts/manifest.js';
import { manifestFor, partOf } from '../support/part-manifest.js';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  CaptureRejectedError,
  CaptureUnreadableError,
  ConfigurationError,
} from '../../src/errors.js';
import { createWorkflowRunner, resolveIntrinsics } from '../../local/workflow-runner.js';
import {
  INGEST_DEFINITION,
  eventsOf,
  namedError,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
} from '../support/workflow-harness.js';

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await startWorkflowHarness();
});
afterAll(async () => {
  await harness.close();
});

let seq = 0;
function input(overrides: Partial<WorkflowInput> = {}): WorkflowInput {
  seq += 1;
  return {
    bucket: 'datacapture',
    key: `endpoints/churn/AllTraffic/2024/05/01/12/00-00-000-${seq}.jsonl`,
    etag: `etag-${seq}`,
    size: 2048,
    modelId: 'model-churn',
    mappingPrefix: 'endpoints/churn/',
    ...overrides,
  };
}

function part(index: number, inferences = 10, over: Partial<Part> = {}): Part {
  return { bucket: 'artifacts', key: `captures/model-churn/x/part-0000${index}.jsonl`, index, records: inferences, inferences, bytes: 1000, ...over };
}

/** What ValidateCapture returns for `parts`: their count, indexes and manifest (held in memory), never the list. */
function validation(parts: Part[], over: Partial<ValidationSummary> = {}): ValidationSummary {
  const inferences = parts.reduce((n, p) => n + p.inferences, 0);
  const manifest = manifestFor(...parts);
  return { records: inferences, inferences, rejected: 0, normalized: false, partCount: parts.length, partIndexes: partIndexes(parts.length), manifest, etag: '"etag-read"', ...over };
}

/** Arthur took every inference of the part. */
function accepted(event: UploadPartEvent): UploadPartResult {
  const n = partOf(event).inferences;
  return {
    partIndex: event.index, status: 207, inferences: n, success: n, failure: 0, alreadyPresent: 0, total: n,
    refused: { count: 0, ids: [], unnamed: 0, messages: [] }, lookup: 'not needed', countsCheck: 'ok',
  };
}

/** Counts calls per part index and the most calls in flight at once. */
function uploadRecorder(behaviour: (event: UploadPartEvent, call: number) => UploadPartResult | Promise<UploadPartResult>) {
  const calls = new Map<number, number>();
  const events: UploadPartEvent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = async (event: UploadPartEvent) => {
    events.push(event);
    const call = (calls.get(event.index) ?? 0) + 1;
    calls.set(event.index, call);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return await behaviour(event, call);
    } finally {
      inFlight -= 1;
    }
  };
  return { fn, calls, events, maxInFlight: () => maxInFlight };
}

describe('ingest workflow: outcomes', () => {
  it('uploads every part of a valid capture and records UPLOADED with the counts of validation and of Arthur', async () => {
    const req = input();
    const parts = [part(0, 7), part(1, 5)];
    const upload = uploadRecorder((event) => accepted(event));
    const summary = validation(parts);
    const run = await harness.run({ ValidateCapture: () => summary, UploadPart: upload.fn }, req, 'happy-path');

    expect(run.status).toBe('SUCCEEDED');
    // Two parts: 4 states and one UploadPart per part, 6 transitions (8 before the Choice before the Map and the
    // Succeed state went).
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'UploadPart', 'CheckOutcome', 'RecordUploaded']);
    const item = await harness.ingestion(req.bucket, req.key);
    expect(item).toMatchObject({
      objectKey: `${req.bucket}/${req.key}`,
      status: 'UPLOADED',
      modelId: 'model-churn',
      mappingPrefix: 'endpoints/churn/',
      executionName: 'happy-path',
      records: 12,
      inferences: 12,
      rejected: 0,
      partCount: 2,
      // Two counts per part, [failure, alreadyPresent]; Arthur's full answer is beside the manifest.
      partCounts: '[[0,0],[0,0]]',
      manifestBucket: summary.manifest.bucket,
      manifestKey: summary.manifest.key,
      // The ETag of the version ValidateCapture read, not only the event's.
      etag: '"etag-read"',
    });
    expect(item?.parts).toBeUndefined();
    expect(item?.quarantineKey).toBeUndefined();
    expect(Date.parse(item!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(item!.startedAt!));
  });

  it('hands UploadPart a part index, the manifest, the execution input and its retry count, and ValidateCapture the execution input as it is', async () => {
    const req = input({ versionId: 'v-3', arthurHost: 'https://arthur.example.com', tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:capture-router/x' });
    const seen: unknown[] = [];
    const upload = uploadRecorder((event) => accepted(event));
    const summary = validation([part(0, 3)]);
    await harness.run(
      {
        ValidateCapture: (event: unknown) => {
          seen.push(event);
          return summary;
        },
        UploadPart: upload.fn,
      },
      req,
    );
    expect(seen).toEqual([req]);
    expect(upload.events).toEqual([{ index: 0, manifest: summary.manifest, request: req, retryCount: 0 }]);
  });

  it('records PARTIAL when Arthur reports failed inferences for a part, and does not send that part again', async () => {
    const req = input();
    const upload = uploadRecorder((event) =>
      event.index === 1 ? { ...accepted(event), success: 8, failure: 2 } : accepted(event),
    );
    const run = await harness.run({ ValidateCapture: () => validation([part(0), part(1)]), UploadPart: upload.fn }, req);

    expect(run.status).toBe('SUCCEEDED');
    expect([...upload.calls.values()]).toEqual([1, 1]);
    // The status is the record state's own: no Pass state sets it.
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'UploadPart', 'CheckOutcome', 'RecordRefused']);
    const item = await harness.ingestion(req.bucket, req.key);
    expect(item).toMatchObject({ status: 'PARTIAL', partCounts: '[[0,0],[2,0]]' });
  });

  it('records PARTIAL when every part had failures, even with the same count in each', async () => {
    const req = input();
    const upload = uploadRecorder((event) => ({ ...accepted(event), success: 9, failure: 1 }));
    await harness.run({ ValidateCapture: () => validation([part(0), part(1)]), UploadPart: upload.fn }, req);
    expect((await harness.ingestion(req.bucket, req.key))?.status).toBe('PARTIAL');
  });

  it('records UPLOADED when a part\'s only refusals were already in Arthur, keeping that count per part', async () => {
    const req = input();
    const upload = uploadRecorder((event) =>
      event.index === 1 ? { ...accepted(event), success: 6, failure: 0, alreadyPresent: 4 } : accepted(event),
    );
    await harness.run({ ValidateCapture: () => validation([part(0), part(1)]), UploadPart: upload.fn }, req);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({
      status: 'UPLOADED',
      partCounts: '[[0,0],[0,4]]',
    });
  });

  it('records PARTIAL when a part has failures besides those already in Arthur', async () => {
    const req = input();
    const upload = uploadRecorder((event) => ({ ...accepted(event), success: 0, failure: 1, alreadyPresent: 9 }));
    await harness.run({ ValidateCapture: () => validation([part(0)]), UploadPart: upload.fn }, req);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({ status: 'PARTIAL', partCounts: '[[1,9]]' });
  });

  it('records PARTIAL with the quarantine object when validation rejected some records', async () => {
    const req = input();
    const run = await harness.run(
      {
        ValidateCapture: () =>
          validation([part(0, 4)], { records: 6, rejected: 2, normalized: true, quarantineBucket: 'artifacts', quarantineKey: 'captures/model-churn/x/a.rejected.jsonl' }),
        UploadPart: (event: UploadPartEvent) => accepted(event),
      },
      req,
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'UploadPart', 'CheckOutcome', 'RecordPartial']);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({
      status: 'PARTIAL',
      records: 6,
      inferences: 4,
      rejected: 2,
      quarantineKey: 'captures/model-churn/x/a.rejected.jsonl',
      partCounts: '[[0,0]]',
    });
  });

  it('rejects the capture without uploading when ValidateCapture throws CaptureRejectedError, then fails', async () => {
    const req = input();
    const upload = uploadRecorder((event) => accepted(event));
    const run = await harness.run(
      {
        ValidateCapture: () => {
          throw new CaptureRejectedError('s3://datacapture/x.jsonl holds no inference Arthur can ingest (3 records; line 1 MISSING_OUTPUT)');
        },
        UploadPart: upload.fn,
      },
      req,
    );

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CaptureRejectedError');
    expect(upload.calls.size).toBe(0);
    expect(eventsOf(run, 'StateRetried')).toHaveLength(0);
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'RecordRejectedFile', 'CaptureRejected']);
    const item = await harness.ingestion(req.bucket, req.key);
    expect(item).toMatchObject({ status: 'REJECTED', error: 'CaptureRejectedError', modelId: 'model-churn' });
    // The cause is the Lambda runtime's error document, as Step Functions stores it.
    expect(JSON.parse(item!.cause!)).toMatchObject({ errorType: 'CaptureRejectedError', errorMessage: expect.stringContaining('MISSING_OUTPUT') });
  });

  it('rejects the capture when validation returns no inference, keeping the counts and the quarantine key', async () => {
    const req = input();
    const run = await harness.run(
      {
        ValidateCapture: () =>
          validation([], { records: 3, rejected: 3, quarantineBucket: 'artifacts', quarantineKey: 'captures/model-churn/x/b.rejected.jsonl' }),
        UploadPart: () => {
          throw new Error('must not upload');
        },
      },
      req,
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'CaptureRejectedError' });
    // The Map over no part runs no iteration; one Choice decides (the validator itself throws instead: 3 states).
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'CheckOutcome', 'RecordRejected', 'CaptureRejected']);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({
      status: 'REJECTED',
      records: 3,
      inferences: 0,
      rejected: 3,
      quarantineKey: 'captures/model-churn/x/b.rejected.jsonl',
    });
  });

  it('rejects an empty capture (no record, nothing quarantined) with a cause that says so', async () => {
    const req = input();
    const run = await harness.run({ ValidateCapture: () => validation([], { records: 0 }), UploadPart: () => null }, req);
    expect(run).toMatchObject({ status: 'FAILED', error: 'CaptureRejectedError' });
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'CheckOutcome', 'RecordEmptyCapture', 'CaptureRejected']);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({
      status: 'REJECTED',
      error: 'CaptureRejectedError',
      cause: 'The capture object holds 0 records and no inference Arthur can take.',
    });
  });

  it('ends at AlreadyDelivered, sending nothing and leaving the record as it is, when the ledger says delivered', async () => {
    const req = input();
    await harness.run({ ValidateCapture: () => validation([part(0, 3)]), UploadPart: (event: UploadPartEvent) => accepted(event) }, req, 'first-run');
    const first = await harness.ingestion(req.bucket, req.key);
    const upload = uploadRecorder((event) => accepted(event));
    const delivered = { status: 'UPLOADED', executionName: 'first-run' };
    const run = await harness.run({ ValidateCapture: () => validation([], { records: 0, alreadyDelivered: delivered }), UploadPart: upload.fn }, req, 'name-reused');
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: delivered });
    // 4 transitions, nothing uploaded, nothing written.
    expect(statesEntered(run)).toEqual(['ValidateCapture', 'UploadParts', 'CheckOutcome', 'AlreadyDelivered']);
    expect(upload.calls.size).toBe(0);
    expect(await harness.ingestion(req.bucket, req.key)).toEqual(first);
  });
});

describe('ingest workflow: retries', () => {
  it('retries a throttled upload (ArthurThrottledError ×3) and then records UPLOADED', async () => {
    const req = input();
    const upload = uploadRecorder((event, call) => {
      if (call <= 3) throw new ArthurThrottledError('429 Too Many Requests', { retryAfterSeconds: 1 });
      return accepted(event);
    });
    const run = await harness.run({ ValidateCapture: () => validation([part(0)]), UploadPart: upload.fn }, req);

    expect(run.status).toBe('SUCCEEDED');
    const retries = eventsOf(run, 'StateRetried', 'UploadPart');
    expect(retries).toHaveLength(3);
    expect(retries.every((e) => e.retry.retrier.ErrorEquals.includes('ArthurThrottledError'))).toBe(true);
    expect(upload.calls.get(0)).toBe(4);
    expect((await harness.ingestion(req.bucket, req.key))?.status).toBe('UPLOADED');
  });

  it('gives up on ArthurUnavailableError after the retrier MaxAttempts and records FAILED with the error', async () => {
    const req = input();
    const upload = uploadRecorder(() => {
      throw new ArthurUnavailableError('503 Service Unavailable', { status: 503 });
    });
    const run = await harness.run({ ValidateCapture: () => validation([part(0)]), UploadPart: upload.fn }, req);

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ArthurUnavailableError');
    const retries = eventsOf(run, 'StateRetried', 'UploadPart');
    const maxAttempts = retries[0]!.retry.retrier.MaxAttempts!;
    expect(retries).toHaveLength(maxAttempts);
    expect(upload.calls.get(0)).toBe(maxAttempts + 1);
    expect(eventsOf(run, 'StateCaught', 'UploadParts')).toHaveLength(1);
    expect(statesEntered(run).filter((name) => name !== 'UploadPart')).toEqual(['ValidateCapture', 'UploadParts', 'RecordFailed', 'IngestFailed']);
    const item = await harness.ingestion(req.bucket, req.key);
    expect(item).toMatchObject({ status: 'FAILED', error: 'ArthurUnavailableError' });
    expect(JSON.parse(item!.cause!)).toMatchObject({ errorType: 'ArthurUnavailableError', errorMessage: '503 Service Unavailable' });
  });

  it.each([
    ['ArthurAuthError', () => new ArthurAuthError('401 Unauthorized', { status: 401 })],
    ['ArthurModelNotFoundError', () => new ArthurModelNotFoundError('404 model not found')],
    ['ArthurRejectedError', () => new ArthurRejectedError('400 bad inference_data', { status: 400 })],
    ['ConfigurationError', () => new ConfigurationError('host not in allowlist')],
    ['CaptureUnreadableError', () => new CaptureUnreadableError('NoSuchKey')],
  ])('records FAILED on %s at once: the same request cannot succeed, so it is never retried', async (name, make) => {
    const req = input();
    const upload = uploadRecorder(() => {
      throw make();
    });
    const run = await harness.run({ ValidateCapture: () => validation([part(0)]), UploadPart: upload.fn }, req);

    expect(run).toMatchObject({ status: 'FAILED', error: name });
    expect(upload.calls.get(0)).toBe(1);
    expect(eventsOf(run, 'StateRetried')).toHaveLength(0);
    expect(eventsOf(run, 'StateCaught', 'UploadParts')).toHaveLength(1);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({ status: 'FAILED', error: name });
  });

  it('retries only the part that failed: an accepted part is never sent again', async () => {
    const req = input();
    const upload = uploadRecorder((event, call) => {
      if (event.index === 1 && call === 1) throw new ArthurUnavailableError('connection reset');
      return accepted(event);
    });
    const run = await harness.run({ ValidateCapture: () => validation([part(0), part(1)]), UploadPart: upload.fn }, req);

    expect(run.status).toBe('SUCCEEDED');
    expect(upload.calls.get(0)).toBe(1);
    expect(upload.calls.get(1)).toBe(2);
    const retries = eventsOf(run, 'StateRetried', 'UploadPart');
    expect(retries.map((e) => e.index)).toEqual([1]);
    expect((await harness.ingestion(req.bucket, req.key))?.status).toBe('UPLOADED');
  });

  it('hands UploadPart $$.State.RetryCount: 0 on the first attempt, n on the n-th retry, per part and per execution', async () => {
    const upload = uploadRecorder((event, call) => {
      if (event.index === 1 && call <= 2) throw new ArthurUnavailableError('connection reset');
      return accepted(event);
    });
    const tasks = { ValidateCapture: () => validation([part(0), part(1)]), UploadPart: upload.fn };
    await harness.run(tasks, input());
    const counts = (index: number) => upload.events.filter((e) => e.index === index).map((e) => e.retryCount);
    expect(counts(0)).toEqual([0]);
    expect(counts(1)).toEqual([0, 1, 2]);

    // A new execution starts again from 0, even with the same parts.
    upload.events.length = 0;
    upload.calls.clear();
    await harness.run(tasks, input());
    expect(counts(1)).toEqual([0, 1, 2]);
  });

  it('uploads at most two parts at a time', async () => {
    const upload = uploadRecorder((event) => accepted(event));
    const run = await harness.run(
      { ValidateCapture: () => validation([0, 1, 2, 3, 4, 5].map((i) => part(i))), UploadPart: upload.fn },
      input(),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(upload.calls.size).toBe(6);
    expect(upload.maxInFlight()).toBe(2);
  });

  it.each(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'TimeoutError'])(
    'retries ValidateCapture when it fails with %s',
    async (name) => {
      let calls = 0;
      const run = await harness.run(
        {
          ValidateCapture: () => {
            calls += 1;
            if (calls === 1) throw namedError(name);
            return validation([part(0)]);
          },
          UploadPart: (event: UploadPartEvent) => accepted(event),
        },
        input(),
      );
      expect(run.status).toBe('SUCCEEDED');
      expect(calls).toBe(2);
      expect(eventsOf(run, 'StateRetried', 'ValidateCapture')).toHaveLength(1);
    },
  );

  it('does not retry ValidateCapture on CaptureUnreadableError (the object is gone or was replaced)', async () => {
    const req = input();
    let calls = 0;
    const run = await harness.run(
      {
        ValidateCapture: () => {
          calls += 1;
          throw new CaptureUnreadableError('The specified key does not exist.');
        },
        UploadPart: () => null,
      },
      req,
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'CaptureUnreadableError' });
    expect(calls).toBe(1);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({ status: 'FAILED', error: 'CaptureUnreadableError' });
  });

  it('records FAILED for an unexpected error of ValidateCapture (a bug is not retried forever)', async () => {
    const req = input();
    const run = await harness.run(
      {
        ValidateCapture: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'parts')");
        },
        UploadPart: () => null,
      },
      req,
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(eventsOf(run, 'StateRetried')).toHaveLength(0);
    expect(await harness.ingestion(req.bucket, req.key)).toMatchObject({ status: 'FAILED', error: 'TypeError' });
  });
});

describe('workflow runner', () => {
  it('refuses a definition whose Lambda task has no local function, so nothing calls a real Lambda', () => {
    expect(() => createWorkflowRunner({ definitionPath: INGEST_DEFINITION, tasks: { ValidateCapture: () => null } })).toThrow(
      /tasks\.UploadPart/,
    );
  });

  it('refuses a definition with DynamoDB states when no DynamoDB client is given', () => {
    expect(() =>
      createWorkflowRunner({ definitionPath: INGEST_DEFINITION, tasks: { ValidateCapture: () => null, UploadPart: () => null } }),
    ).toThrow(/DynamoDB client/);
  });

  it('resolves the CloudFormation intrinsics of the file to local names', () => {
    const runner = createWorkflowRunner({
      definitionPath: INGEST_DEFINITION,
      resolve: { functions: { ValidateLambdaFunction: 'arn:aws:lambda:eu-west-1:1:function:v' }, tables: { IngestionsTable: 'ingestions-local' } },
      tasks: { ValidateCapture: () => null, UploadPart: () => null },
      dynamodb: harness.dynalite.client(),
    });
    const states = runner.definition.States as Record<string, any>;
    expect(states.ValidateCapture.Resource).toBe('arn:aws:lambda:eu-west-1:1:function:v');
    expect(states.UploadParts.ItemProcessor.States.UploadPart.Resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:UploadLambdaFunction',
    );
    expect(states.RecordUploaded.Parameters.TableName).toBe('ingestions-local');
    expect(JSON.stringify(runner.definition)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
  });

  it.each([
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:x' }, 'arn:aws:states:us-east-1:000000000000:stateMachine:x'],
    [{ 'Fn::Sub': ['${T}/${IngestionsTable}', { T: { Ref: 'IngestionsTable' } }] }, 'ingestions/ingestions'],
    [{ 'Fn::Sub': '${!Literal} ${UploadLambdaFunction.Arn}' }, '${Literal} arn:aws:lambda:us-east-1:000000000000:function:up'],
    [{ 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }]] }, 'a:us-east-1'],
    [{ 'Fn::GetAtt': 'IngestionsTable.Arn' }, 'arn:aws:dynamodb:us-east-1:000000000000:table/ingestions'],
  ])('resolves %j', (intrinsic, expected) => {
    const resolvers = {
      functionArn: (id: string) => (id === 'UploadLambdaFunction' ? 'arn:aws:lambda:us-east-1:000000000000:function:up' : id),
      tableArn: (id: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${id === 'IngestionsTable' ? 'ingestions' : id}`,
      ref: (id: string) => ({ 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000', IngestionsTable: 'ingestions' })[id]!,
    };
    expect(resolveIntrinsics(intrinsic, resolvers)).toBe(expected);
  });

  it('keeps $$.State.RetryCount in the definition it reports, as deployed', () => {
    const runner = createWorkflowRunner({
      definitionPath: INGEST_DEFINITION,
      tasks: { ValidateCapture: () => null, UploadPart: () => null },
      dynamodb: harness.dynalite.client(),
    });
    const states = runner.definition.States as Record<string, any>;
    expect(states.UploadParts.ItemProcessor.States.UploadPart.Parameters['retryCount.$']).toBe('$$.State.RetryCount');
  });

  it('refuses $$.State.RetryCount anywhere but as a whole Parameters value of a Task, rather than give it a wrong value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-retry-count-'));
    const file = join(dir, 'machine.asl.json');
    writeFileSync(
      file,
      JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work',
            Parameters: { 'note.$': "States.Format('attempt {}', $$.State.RetryCount)" },
            End: true,
          },
        },
      }),
    );
    try {
      expect(() => createWorkflowRunner({ definitionPath: file, tasks: { Work: () => null } })).toThrow(/RetryCount only as a whole value/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails loudly on an intrinsic it cannot resolve', () => {
    const resolvers = { functionArn: (id: string) => id, tableArn: (id: string) => id, ref: (id: string) => id };
    expect(() => resolveIntrinsics({ 'Fn::ImportValue': 'x' }, resolvers)).toThrow(/Fn::ImportValue/);
  });
});
