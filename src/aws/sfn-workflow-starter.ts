import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  WorkflowStartError,
  type StartWorkflowRequest,
  type StartWorkflowResult,
  type WorkflowStarter,
} from './workflow-starter.js';

export interface SfnWorkflowStarterOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * How much older than the request a start date must be to say "this call did not start it". Default 5 s: far
   * beyond the clock offset between a Lambda host and Step Functions (both NTP-synced), so a new execution is
   * never taken for an old one.
   */
  runningMarginMs?: number;
}

const RUNNING_MARGIN_MS = 5_000;

/**
 * Starts the ingest state machine with StartExecution. The client is injected: built once per container, and
 * pointed at a local endpoint by AWS_ENDPOINT_URL_SFN in tests and the local stack.
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  private readonly now: () => number;
  private readonly runningMarginMs: number;

  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
    options: SfnWorkflowStarterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.runningMarginMs = options.runningMarginMs ?? RUNNING_MARGIN_MS;
  }

  async start({ name, input }: StartWorkflowRequest): Promise<StartWorkflowResult> {
    // Taken before send(): the SDK's own retries of this call (say, after a lost answer) find the execution the
    // first try started, whose start date is still after this instant.
    const sentAt = this.now();
    try {
      const output = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      if (!output.executionArn) throw new Error('StartExecution answered without an executionArn');
      // A Standard workflow answers StartExecution of a RUNNING execution with the same name and input with 200
      // and that execution's ARN and start date, exactly as for a new one. A start date clearly before this
      // request means the execution was already running: a re-delivered event, not a start. A re-delivery within
      // the margin of the first start still reads as a start (docs/RELIABILITY.md, "Does not hold yet" 6).
      const startedAt = output.startDate?.getTime();
      if (startedAt !== undefined && startedAt < sentAt - this.runningMarginMs) {
        return { started: false, alreadyExists: true, executionArn: output.executionArn, startDate: output.startDate };
      }
      return { started: true, alreadyExists: false, executionArn: output.executionArn, startDate: output.startDate };
    } catch (error) {
      // The name is derived from the object's identity: an existing execution means this file was already
      // handed over (a re-delivered event, a re-upload of the same bytes, a replay). Not an error.
      if (error instanceof ExecutionAlreadyExists || (error as Error | undefined)?.name === 'ExecutionAlreadyExists') {
        const executionArn = executionArnOf(this.stateMachineArn, name);
        return executionArn ? { started: false, alreadyExists: true, executionArn } : { started: false, alreadyExists: true };
      }
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new WorkflowStartError(name, `StartExecution ${name} on ${this.stateMachineArn} failed: ${detail}`, { cause: error });
    }
  }
}

/** arn:…:stateMachine:{machine} → arn:…:execution:{machine}:{name}, the ARN Step Functions gives that execution. */
function executionArnOf(stateMachineArn: string, name: string): string | undefined {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/.exec(stateMachineArn);
  return match ? `${match[1]}:execution:${match[2]}:${name}` : undefined;
}
