/** Step Functions of the local stack: the ingest ASL on the workflow runner, behind the local endpoint (docs/LOCAL.md). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../clients.js';
import type { Closers } from '../closers.js';
import type { StackNames } from '../stack-names.js';
import { createWorkflowRunner, type TaskFunction } from '../workflow-runner.js';
import { startSfnEndpoint } from './endpoint.js';
import type { ExecutionStatusChange } from './status-events.js';
import type { SfnEndpoint } from './types.js';

export interface StepFunctionsServiceOptions {
  port: number;
  /** statemachines/ingest.asl.yml */
  definitionPath: string;
  names: StackNames;
  tasks: Record<string, TaskFunction>;
  /** Runs the ASL's DynamoDB states. */
  dynamodb: DynamoDBClient;
  retryIntervalMs?: number;
  historyLimit?: number;
  /** WorkflowRunnerOptions.lambdaTimeouts: each Lambda task state's function timeout in seconds. */
  lambdaTimeouts?: Record<string, number>;
  /** WorkflowRunnerOptions.payloadLimitBytes. */
  payloadLimitBytes?: number | false;
  /** SfnEndpointOptions.executionRetentionSeconds. */
  executionRetentionSeconds?: number;
  /** Ended executions are journaled in `<dataDir>/stepfunctions`; absent: older ones spill to a temporary file. */
  dataDir?: string;
  /** WorkflowRunnerOptions.executionTimeoutSeconds (tests of a timed-out execution). */
  executionTimeoutSeconds?: number;
  /** SfnEndpointOptions.onStatusChange: where the executions' status-change events go (the stack's event bus). */
  onStatusChange?: (event: ExecutionStatusChange) => void;
}

export interface StepFunctionsService {
  endpoint: SfnEndpoint;
  stateMachineArn: string;
}

export async function startStepFunctionsService(options: StepFunctionsServiceOptions, closers: Closers): Promise<StepFunctionsService> {
  const { names } = options;
  const runner = createWorkflowRunner({
    definitionPath: options.definitionPath,
    resolve: {
      functions: { ValidateLambdaFunction: names.validateFunctionArn, UploadLambdaFunction: names.uploadFunctionArn },
      tables: { IngestionsTable: names.ingestionsTable, MappingsTable: names.mappingsTable },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
    },
    tasks: options.tasks,
    dynamodb: options.dynamodb,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: options.retryIntervalMs } : {}),
    stateMachineName: names.stateMachineName,
    ...(options.lambdaTimeouts ? { lambdaTimeouts: options.lambdaTimeouts } : {}),
    ...(options.payloadLimitBytes !== undefined ? { payloadLimitBytes: options.payloadLimitBytes } : {}),
    ...(options.executionTimeoutSeconds !== undefined ? { executionTimeoutSeconds: options.executionTimeoutSeconds } : {}),
  });
  // With a data directory, every ended execution is journaled there and read back at the next start (see
  // SfnEndpointOptions.journalPath): restarts keep the execution history and Standard's name rule. Without one,
  // older executions' details are spilled to a temporary directory removed on close.
  const dir = options.dataDir ? join(options.dataDir, 'stepfunctions') : mkdtempSync(join(tmpdir(), 'capture-router-sfn-'));
  mkdirSync(dir, { recursive: true });
  const removeDir = () => {
    if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
  };
  let sfn: SfnEndpoint;
  try {
    sfn = await startSfnEndpoint({
      runner,
      port: options.port,
      historyLimit: options.historyLimit,
      ...(options.onStatusChange ? { onStatusChange: options.onStatusChange } : {}),
      ...(options.executionRetentionSeconds !== undefined ? { executionRetentionSeconds: options.executionRetentionSeconds } : {}),
      ...(options.dataDir ? { journalPath: join(dir, 'executions.jsonl') } : { spillPath: join(dir, 'older-executions.jsonl') }),
    });
  } catch (error) {
    removeDir();
    throw error;
  }
  closers.add(async () => {
    await sfn.close();
    removeDir();
  });
  return { endpoint: sfn, stateMachineArn: runner.stateMachineArn };
}
