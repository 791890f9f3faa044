/**
 * statemachines/record-terminal.asl.yml on the local engine, against a dynalite ingestions table created from
 * serverless.yml: the item it writes from a "Step Functions Execution Status Change" event, and the items it must
 * leave alone. The events have the documented shape (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html:
 * detail = DescribeExecution's fields, dates in epoch ms, input a JSON string).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { fileURLToPath } from 'node:url';
import type { WorkflowInput } from '../../src/contracts.js';
import { createTables } from '../../local/table-definitions.js';
import { createWorkflowRunner, type WorkflowRun } from '../../local/workflow-runner.js';
import { startDynalite, type DynaliteServer } from '../support/dynalite-server.js';
import { SERVERLESS_YML, namedError, statesEntered } from '../support/workflow-harness.js';

const DEFINITION = fileURLToPath(new URL('../../statemachines/record-terminal.asl.yml', import.meta.url));
const TABLE = 'capture-router-test-ingestions';
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:capture-router-test-ingest';

let dynalite: DynaliteServer;
let dynamodb: DynamoDBClient;
/** When set, the next PutItem calls fail with it (throttling) until it returns undefined. */
let fault: (() => Error | undefined) | undefined;

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamodb = dynalite.client();
  await createTables(dynamodb, SERVERLESS_YML, { IngestionsTable: TABLE });
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const error = context.commandName === 'PutItemCommand' ? fault?.() : undefined;
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'testFault' },
  );
});
afterAll(async () => {
  await dynalite.close();
});

let shared: ReturnType<typeof createWorkflowRunner> | undefined;
const runner = () =>
  (shared ??= createWorkflowRunner({
    definitionPath: DEFINITION,
    resolve: { tables: { IngestionsTable: TABLE } },
    tasks: {},
    dynamodb,
    retryIntervalOverrides: 0,
    stateMachineName: 'capture-router-test-record-terminal',
  }));

let seq = 0;
function request(over: Partial<WorkflowInput> = {}): WorkflowInput {
  seq += 1;
  return { bucket: 'datacapture', key: `endpoints/churn/AllTraffic/2026/12/02/07/f-${seq}.jsonl`, etag: `e${seq}`, size: 10, modelId: 'model-churn', mappingPrefix: 'endpoints/churn/', ...over };
}

type Detail = { status: string; error?: string | null; cause?: string | null };
function statusChange(input: WorkflowInput, detail: Detail, name = `exec-${seq}`) {
  return {
    version: '0',
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-12-02T07:00:05Z',
    region: 'us-east-1',
    resources: [`arn:aws:states:us-east-1:000000000000:execution:capture-router-test-ingest:${name}`],
    detail: {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:capture-router-test-ingest:${name}`,
      stateMachineArn: MACHINE,
      name,
      startDate: 1796194800000,
      stopDate: 1796194805123,
      input: JSON.stringify(input),
      output: null,
      inputDetails: { included: true },
      outputDetails: null,
      ...detail,
    },
  };
}

async function item(input: WorkflowInput) {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { objectKey: { S: `${input.bucket}/${input.key}` } }, ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

async function seed(input: WorkflowInput, fields: Record<string, unknown>) {
  const value = { objectKey: `${input.bucket}/${input.key}`, modelId: input.modelId, mappingPrefix: input.mappingPrefix, updatedAt: '2026-12-02T06:59:00.000Z', ...fields };
  await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: marshall(value) }));
  return value;
}

const lastState = (run: WorkflowRun) => statesEntered(run).at(-1);

describe('a terminal failure the execution did not record', () => {
  it('writes a FAILED item from the event: key, model, prefix, execution, etag, error, cause, status, dates, and who recorded it', async () => {
    const input = request();
    const run = await runner().run('r1', statusChange(input, { status: 'FAILED', error: 'States.DataLimitExceeded', cause: 'The state/task output has a size of 354465 bytes' }));
    expect(run.status).toBe('SUCCEEDED');
    expect(lastState(run)).toBe('RecordFailure');
    const written = await item(input);
    expect(written).toEqual({
      objectKey: `datacapture/${input.key}`,
      status: 'FAILED',
      modelId: 'model-churn',
      mappingPrefix: 'endpoints/churn/',
      executionName: `exec-${seq}`,
      etag: input.etag,
      error: 'States.DataLimitExceeded',
      cause: 'The state/task output has a size of 354465 bytes',
      executionStatus: 'FAILED',
      recordedBy: 'terminal-failure-rule',
      executionStartDate: 1796194800000,
      executionStopDate: 1796194805123,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it.each([
    ['TIMED_OUT', 'ExecutionTimedOut', /TIMED_OUT .*TimeoutSeconds/],
    ['ABORTED', 'ExecutionAborted', /ABORTED \(StopExecution\)/],
    ['FAILED', 'ExecutionFailed', /FAILED without recording/],
  ])('without error and cause in the event (%s): a default error and cause that name the status', async (status, error, cause) => {
    const input = request();
    const run = await runner().run(`r-${status}`, statusChange(input, { status }));
    expect(run.status).toBe('SUCCEEDED');
    expect(await item(input)).toMatchObject({ status: 'FAILED', executionStatus: status, error, cause: expect.stringMatching(cause) });
  });

  it('takes what the event has when error or cause is null or only one is given', async () => {
    const nulls = request();
    await runner().run('null', statusChange(nulls, { status: 'ABORTED', error: null, cause: null }));
    expect(await item(nulls)).toMatchObject({ error: 'ExecutionAborted', cause: expect.stringMatching(/ABORTED/) });
    const errorOnly = request();
    await runner().run('error-only', statusChange(errorOnly, { status: 'ABORTED', error: 'OperatorStop' }));
    expect(await item(errorOnly)).toMatchObject({ error: 'OperatorStop', cause: expect.stringMatching(/ABORTED \(StopExecution\)/) });
    const causeOnly = request();
    await runner().run('cause-only', statusChange(causeOnly, { status: 'TIMED_OUT', cause: 'Arthur down for hours' }));
    expect(await item(causeOnly)).toMatchObject({ error: 'ExecutionTimedOut', cause: 'Arthur down for hours' });
  });

  it('writes no etag when the execution input had none', async () => {
    const input = request({ etag: undefined });
    const run = await runner().run('no-etag', statusChange(input, { status: 'TIMED_OUT', error: 'States.Timeout' }));
    expect(lastState(run)).toBe('RecordFailureWithoutEtag');
    const written = await item(input);
    expect(written).toMatchObject({ status: 'FAILED', error: 'States.Timeout', recordedBy: 'terminal-failure-rule' });
    expect(written).not.toHaveProperty('etag');
  });

  it('overwrites an older outcome of another execution: a FAILED one, and an UPLOADED one of another etag', async () => {
    const failedBefore = request();
    await seed(failedBefore, { status: 'FAILED', executionName: 'older', error: 'ArthurAuthError', etag: failedBefore.etag });
    await runner().run('over-failed', statusChange(failedBefore, { status: 'TIMED_OUT' }));
    expect(await item(failedBefore)).toMatchObject({ status: 'FAILED', executionName: `exec-${seq}`, executionStatus: 'TIMED_OUT' });

    const newVersion = request();
    await seed(newVersion, { status: 'UPLOADED', executionName: 'older', etag: 'the-previous-version' });
    await runner().run('over-uploaded', statusChange(newVersion, { status: 'ABORTED' }));
    expect(await item(newVersion)).toMatchObject({ status: 'FAILED', etag: newVersion.etag, executionStatus: 'ABORTED' });
  });

  it('retries a throttled PutItem and then writes', async () => {
    const input = request();
    let throttled = 0;
    fault = () => (throttled++ < 2 ? namedError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded') : undefined);
    try {
      const run = await runner().run('throttled', statusChange(input, { status: 'TIMED_OUT' }));
      expect(run.status).toBe('SUCCEEDED');
      expect(run.events.filter((e) => e.type === 'StateRetried').length).toBe(2);
    } finally {
      fault = undefined;
    }
    expect(await item(input)).toMatchObject({ status: 'FAILED', executionStatus: 'TIMED_OUT' });
  });
});

describe('what it leaves alone (the condition fails: DynamoDB.ConditionalCheckFailedException, caught, Succeed)', () => {
  const unchanged = async (input: WorkflowInput, existing: Record<string, unknown>, detail: Detail, name: string) => {
    const before = await seed(input, existing);
    const run = await runner().run(name, statusChange(input, detail, String(existing.executionName ?? name)));
    expect(run.status).toBe('SUCCEEDED');
    expect(lastState(run)).toBe('AlreadyRecorded');
    // Caught at once: the condition's answer is never retried.
    const caught = run.events.filter((e) => e.type === 'StateCaught') as unknown as Array<{ catch: { catcher: { ErrorEquals: string[] } } }>;
    expect(caught.map((e) => e.catch.catcher.ErrorEquals)).toEqual([['DynamoDB.ConditionalCheckFailedException']]);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(0);
    expect(await item(input)).toEqual(before);
  };

  it('the FAILED item the execution wrote itself (RecordFailed, then IngestFailed ends it FAILED)', async () => {
    const input = request();
    await unchanged(input, { status: 'FAILED', executionName: 'own-failed', etag: input.etag, error: 'ArthurAuthError', cause: '{"errorType":"ArthurAuthError"}' }, { status: 'FAILED', error: 'ArthurAuthError', cause: '{"errorType":"ArthurAuthError"}' }, 'own-failed');
  });

  it('the REJECTED item the execution wrote itself (RecordRejected, then CaptureRejected)', async () => {
    const input = request();
    await unchanged(input, { status: 'REJECTED', executionName: 'own-rejected', error: 'CaptureRejectedError', quarantineKey: 'captures/q.jsonl' }, { status: 'FAILED', error: 'CaptureRejectedError' }, 'own-rejected');
  });

  it.each([
    ['the same etag', (etag: string) => etag],
    ['the same etag in S3’s quotes', (etag: string) => `"${etag}"`],
  ])('an UPLOADED item of another execution with %s', async (_label, stored) => {
    const input = request();
    await unchanged(input, { status: 'UPLOADED', executionName: 'the-first-delivery', etag: stored(input.etag!), partCount: 1 }, { status: 'ABORTED' }, 'forced-replay');
  });

  it('a PARTIAL item of the same etag, and an UPLOADED item written before items carried an etag', async () => {
    const partial = request();
    await unchanged(partial, { status: 'PARTIAL', executionName: 'the-first-delivery', etag: partial.etag }, { status: 'TIMED_OUT' }, 'late-replay');
    const legacy = request();
    await unchanged(legacy, { status: 'UPLOADED', executionName: 'before-etags' }, { status: 'TIMED_OUT' }, 'late-replay-2');
  });

  it('an UPLOADED item, when the execution input had no etag to compare', async () => {
    const input = request({ etag: undefined });
    await unchanged(input, { status: 'UPLOADED', executionName: 'the-first-delivery', etag: 'whatever' }, { status: 'ABORTED' }, 'no-etag-replay');
  });

  it('its own item on a second delivery of the same event (EventBridge delivers at least once)', async () => {
    const input = request();
    const event = statusChange(input, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'first' });
    await runner().run('first-delivery', event);
    const first = await item(input);
    const again = await runner().run('second-delivery', event);
    expect(lastState(again)).toBe('AlreadyRecorded');
    expect(await item(input)).toEqual(first);
  });
});
