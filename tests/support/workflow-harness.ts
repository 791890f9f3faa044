/**
 * Runs statemachines/ingest.asl.yml on aws-local-stepfunctions with its tasks bound to functions a test passes,
 * its DynamoDB states writing to a real (dynalite) table created from serverless.yml, and retry waits zeroed.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { fileURLToPath } from 'node:url';
import type { IngestionItem, WorkflowInput } from '../../src/contracts.js';
import { createTables } from '../../local/table-definitions.js';
import { createWorkflowRunner, type TaskFunction, type WorkflowEvent, type WorkflowRun } from '../../local/workflow-runner.js';
import { startDynalite, type DynaliteServer } from './dynalite-server.js';

export const INGEST_DEFINITION = fileURLToPath(new URL('../../statemachines/ingest.asl.yml', import.meta.url));
export const SERVERLESS_YML = fileURLToPath(new URL('../../serverless.yml', import.meta.url));

export interface IngestTasks {
  ValidateCapture: TaskFunction;
  UploadPart: TaskFunction;
}

export interface WorkflowHarness {
  dynalite: DynaliteServer;
  ingestionsTable: string;
  /** Runs one execution to its end. The name defaults to a fresh one per call. */
  run(tasks: IngestTasks, input: WorkflowInput, name?: string): Promise<WorkflowRun>;
  /** The ingestion record of `{bucket}/{key}`, as the workflow wrote it. */
  ingestion(bucket: string, key: string): Promise<IngestionItem | undefined>;
  close(): Promise<void>;
}

export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  const dynalite = await startDynalite();
  const dynamodb = dynalite.client();
  const ingestionsTable = 'capture-router-test-ingestions';
  await createTables(dynamodb, SERVERLESS_YML, { IngestionsTable: ingestionsTable });
  let executions = 0;
  return {
    dynalite,
    ingestionsTable,
    run(tasks, input, name = `test-${++executions}`) {
      const runner = createWorkflowRunner({
        definitionPath: INGEST_DEFINITION,
        resolve: {
          functions: {
            ValidateLambdaFunction: 'arn:aws:lambda:us-east-1:000000000000:function:capture-router-test-validate',
            UploadLambdaFunction: 'arn:aws:lambda:us-east-1:000000000000:function:capture-router-test-upload',
          },
          tables: { IngestionsTable: ingestionsTable },
        },
        tasks: { ...tasks },
        dynamodb,
        retryIntervalOverrides: 0,
        stateMachineName: 'capture-router-test-ingest',
      });
      return runner.run(name, input);
    },
    async ingestion(bucket, key) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: ingestionsTable, Key: { objectKey: { S: `${bucket}/${key}` } }, ConsistentRead: true }),
      );
      return Item ? (unmarshall(Item) as IngestionItem) : undefined;
    },
    close: () => dynalite.close(),
  };
}

/** Events of one type, optionally of one state. */
export function eventsOf<T extends WorkflowEvent['type']>(run: WorkflowRun, type: T, stateName?: string) {
  return run.events.filter(
    (e): e is Extract<WorkflowEvent, { type: T }> =>
      e.type === type && (stateName === undefined || ('state' in e && e.state.name === stateName)),
  );
}

/** Names of the states entered, in order (Map iterations included). */
export function statesEntered(run: WorkflowRun): string[] {
  return eventsOf(run, 'StateEntered').map((e) => e.state.name);
}

/** An error whose `name` is what the workflow's Retry/Catch match, as the real task handlers throw them. */
export function namedError(name: string, message = `${name} (test)`): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
