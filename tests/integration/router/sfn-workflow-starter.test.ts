import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflowStarter } from '../../../src/aws/sfn-workflow-starter.js';
import type { WorkflowInput } from '../../../src/contracts.js';
import { startSfnStubServer, type SfnStubServer } from '../../support/sfn-stub-server.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-ingest';
const input: WorkflowInput = { bucket: 'b', key: 'm/f.jsonl', etag: 'e', size: 10, modelId: 'model', mappingPrefix: 'm/' };

let sfn: SfnStubServer;
let client: SFNClient;

beforeAll(async () => {
  sfn = await startSfnStubServer({ stateMachineArns: [ARN] });
  client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await sfn.close();
});
beforeEach(() => sfn.reset());

describe('SfnWorkflowStarter against the Step Functions stub', () => {
  it('starts an execution with the given name and the input as JSON', async () => {
    const result = await new SfnWorkflowStarter(client, ARN).start({ name: 'exec-1', input });
    expect(result).toEqual({
      started: true,
      alreadyExists: false,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:capture-router-ingest:exec-1',
      startDate: expect.any(Date),
    });
    expect(sfn.executions).toHaveLength(1);
    expect(JSON.parse(sfn.executions[0].input)).toEqual(input);
    expect(sfn.requests[0].target).toBe('AWSStepFunctions.StartExecution');
  });

  it('reports an existing execution of that name as already delivered, not as an error', async () => {
    const starter = new SfnWorkflowStarter(client, ARN);
    await starter.start({ name: 'exec-2', input });
    expect(await starter.start({ name: 'exec-2', input })).toEqual({
      started: false,
      alreadyExists: true,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:capture-router-ingest:exec-2',
    });
    expect(sfn.executions).toHaveLength(1);
  });

  it.each([
    ['a missing state machine', 'StateMachineDoesNotExist', 400],
    ['throttling', 'ThrottlingException', 400],
    ['a service failure', 'ServiceUnavailable', 503],
  ])('throws WorkflowStartError with the SDK error as cause on %s', async (_case, type, status) => {
    sfn.failNext({ type, status });
    const error = await new SfnWorkflowStarter(client, ARN).start({ name: 'exec-3', input }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'WorkflowStartError',
      executionName: 'exec-3',
      message: expect.stringContaining(type),
      cause: expect.objectContaining({ name: type }),
    });
  });

  it('throws WorkflowStartError for a state machine ARN the service does not know', async () => {
    const other = ARN.replace('capture-router-ingest', 'other');
    await expect(new SfnWorkflowStarter(client, other).start({ name: 'x', input })).rejects.toMatchObject({
      name: 'WorkflowStartError',
      cause: expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    });
  });
});
