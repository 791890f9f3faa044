/**
 * Reads what the workflow did, for operators: executions (Step Functions) and ingestion records (DynamoDB).
 * Clients are injected; endpoints come from AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL_DYNAMODB when set, so the same
 * code reads AWS and the local stack.
 */
import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type ExecutionStatus,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { IngestionItem, WorkflowInput } from '../contracts.js';
import type { HistoryEventLike } from '../diagnostics/execution-path.js';
import { allPages, everyPage } from '../pagination.js';

export interface ExecutionSummary {
  name: string;
  executionArn: string;
  status: string;
  startDate?: string;
  stopDate?: string;
}

export interface ExecutionDetail extends ExecutionSummary {
  input?: Partial<WorkflowInput>;
  error?: string;
  cause?: string;
}

export class ExecutionInspector {
  constructor(
    private readonly sfn: SFNClient,
    private readonly dynamodb: DynamoDBClient,
    private readonly names: { stateMachineArn: string; ingestionsTable: string },
  ) {}

  /** Newest first, as Step Functions lists them; stops at `since` and after `limit`. */
  async list(options: { status?: string; since?: Date; limit: number }): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    const executions = everyPage(async (nextToken) => {
      const page = await this.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: this.names.stateMachineArn,
          ...(options.status ? { statusFilter: options.status as ExecutionStatus } : {}),
          maxResults: Math.min(100, options.limit),
          nextToken,
        }),
      );
      return { items: page.executions ?? [], next: page.nextToken };
    });
    for await (const e of executions) {
      if (options.since && e.startDate && e.startDate < options.since) break;
      out.push({ name: e.name!, executionArn: e.executionArn!, status: String(e.status), startDate: e.startDate?.toISOString(), stopDate: e.stopDate?.toISOString() });
      if (out.length >= options.limit) break;
    }
    return out;
  }

  /** The execution of that name on the ingest state machine, or undefined when there is none. */
  async describe(name: string): Promise<ExecutionDetail | undefined> {
    const executionArn = name.startsWith('arn:') ? name : executionArnOf(this.names.stateMachineArn, name);
    try {
      const d = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      let input: Partial<WorkflowInput> | undefined;
      try {
        input = d.input ? (JSON.parse(d.input) as Partial<WorkflowInput>) : undefined;
      } catch {
        input = undefined;
      }
      return {
        name: d.name!,
        executionArn: d.executionArn!,
        status: String(d.status),
        startDate: d.startDate?.toISOString(),
        stopDate: d.stopDate?.toISOString(),
        ...(input ? { input } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as Error)?.name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async history(executionArn: string): Promise<HistoryEventLike[]> {
    return allPages(async (nextToken) => {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: true, nextToken }));
      return { items: (page.events ?? []) as HistoryEventLike[], next: page.nextToken };
    });
  }

  /** The ASL the state machine runs (for drawing it). */
  async definition(): Promise<unknown> {
    const d = await this.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: this.names.stateMachineArn }));
    return d.definition ? JSON.parse(d.definition) : undefined;
  }

  /** The ingestion record of `{bucket}/{key}`, written by the workflow when it ended. */
  async ingestion(objectKey: string): Promise<IngestionItem | undefined> {
    const answer = await this.dynamodb.send(new GetItemCommand({ TableName: this.names.ingestionsTable, Key: { objectKey: { S: objectKey } }, ConsistentRead: true }));
    return answer.Item ? (unmarshall(answer.Item) as IngestionItem) : undefined;
  }

  /** A model's ingestion records, newest first (GSI byModel: modelId + updatedAt). */
  async ingestionsOfModel(modelId: string, options: { since?: Date; limit: number }): Promise<Array<Pick<IngestionItem, 'objectKey' | 'status' | 'executionName' | 'modelId'> & { updatedAt?: string }>> {
    const answer = await this.dynamodb.send(
      new QueryCommand({
        TableName: this.names.ingestionsTable,
        IndexName: 'byModel',
        KeyConditionExpression: options.since ? 'modelId = :m AND updatedAt >= :s' : 'modelId = :m',
        ExpressionAttributeValues: { ':m': { S: modelId }, ...(options.since ? { ':s': { S: options.since.toISOString() } } : {}) },
        ScanIndexForward: false,
        Limit: options.limit,
      }),
    );
    return (answer.Items ?? []).map((item) => unmarshall(item) as IngestionItem & { updatedAt?: string });
  }
}

/** arn:…:stateMachine:NAME → arn:…:execution:NAME:EXECUTION */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
