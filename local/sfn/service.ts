/**
 * Step Functions of the local stack: the ingest and backfill ASL files on the workflow runner, behind one local
 * endpoint (docs/LOCAL.md).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
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
  /**
   * statemachines/backfill.asl.yml and its RouteBatch task: served beside the ingest machine. Its Distributed Map
   * lists the capture bucket and writes its results to the artifacts bucket through `s3`.
   */
  backfill?: { definitionPath: string; tasks: Record<string, TaskFunction>; lambdaTimeouts?: Record<string, number>; s3: S3Client };
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
  /** Set when `backfill` was given. */
  backfillStateMachineArn?: string;
}

export async function startStepFunctionsService(options: StepFunctionsServiceOptions, closers: Closers): Promise<StepFunctionsService> {
  const { names } = options;
  const common = {
    resolve: {
      functions: { ValidateLambdaFunction: names.validateFunctionArn, UploadLambdaFunction: names.uploadFunctionArn, BackfillLambdaFunction: names.backfillFunctionArn },
      tables: { IngestionsTable: names.ingestionsTable, MappingsTable: names.mappingsTable },
      refs: { ArtifactsBucket: names.artifactsBucket },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
    },
    dynamodb: options.dynamodb,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: options.retryIntervalMs } : {}),
    ...(options.payloadLimitBytes !== undefined ? { payloadLimitBytes: options.payloadLimitBytes } : {}),
  };
  const runner = createWorkflowRunner({
    ...common,
    definitionPath: options.definitionPath,
    tasks: options.tasks,
    stateMachineName: names.stateMachineName,
    ...(options.lambdaTimeouts ? { lambdaTimeouts: options.lambdaTimeouts } : {}),
    ...(options.executionTimeoutSeconds !== undefined ? { executionTimeoutSeconds: options.executionTimeoutSeconds } : {}),
  });
  const backfill = options.backfill;
  const backfillRunner = backfill
    ? createWorkflowRunner({
        ...common,
        definitionPath: backfill.definitionPath,
        tasks: backfill.tasks,
        s3: backfill.s3,
        stateMachineName: names.backfillStateMachineName,
        ...(backfill.lambdaTimeouts ? { lambdaTimeouts: backfill.lambdaTimeouts } : {}),
      })
    : undefined;
  // With a data directory, every ended execution is journaled there and read back at the next start (see
  // SfnEndpointOptions.journalPath): restarts keep the execution history and Standard's name rule. Without one,
  // older executions' details are spilled to a temporary directory removed on close.
  const dir = options.dataDir ? join(options.dataDir, 'stepfunctions') : mkdtempSync(join(tmpdir(), 'capture-router-sfn-'));
  mkdirSync(dir, { recursive: true });
  const removeDir = () => {
    if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
  };
  // One journal (or spill file) per machine: the ingest machine's keeps its name from before the backfill had one.
  const files = (prefix: string) => (options.dataDir ? { journalPath: join(dir, `${prefix}executions.jsonl`) } : { spillPath: join(dir, `${prefix}older-executions.jsonl`) });
  let sfn: SfnEndpoint;
  try {
    sfn = await startSfnEndpoint({
      runner,
      port: options.port,
      historyLimit: options.historyLimit,
      ...(options.onStatusChange ? { onStatusChange: options.onStatusChange } : {}),
      ...(options.executionRetentionSeconds !== undefined ? { executionRetentionSeconds: options.executionRetentionSeconds } : {}),
      ...files(''),
      ...(backfillRunner ? { machines: [{ runner: backfillRunner, ...files('backfill-') }] } : {}),
    });
  } catch (error) {
    removeDir();
    throw error;
  }
  closers.add(async () => {
    await sfn.close();
    removeDir();
  });
  return { endpoint: sfn, stateMachineArn: runner.stateMachineArn, ...(backfillRunner ? { backfillStateMachineArn: backfillRunner.stateMachineArn } : {}) };
}
