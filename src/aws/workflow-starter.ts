import type { WorkflowInput } from '../contracts.js';

/** One execution to start: its deterministic name and its input. */
export interface StartWorkflowRequest {
  name: string;
  input: WorkflowInput;
}

/**
 * `started: false` is not a failure: an execution with this name exists already, so this file was delivered
 * (or is being delivered) and nothing new must start. `startDate` is there when the execution is still running
 * (Step Functions answered with it).
 */
export type StartWorkflowResult =
  | { started: true; alreadyExists: false; executionArn: string; startDate?: Date }
  | { started: false; alreadyExists: true; executionArn?: string; startDate?: Date };

/** Starts ingest workflows. Adapters throw WorkflowStartError for anything but an existing execution. */
export interface WorkflowStarter {
  start(request: StartWorkflowRequest): Promise<StartWorkflowResult>;
}

// The adapters' errors. The router's Lambda throws them so that S3's async invocation retries the event and, when
// retries run out, the DLQ keeps it; none reaches a Step Functions Retry/Catch (those match src/errors.ts).

/** StartExecution failed for a reason other than "an execution with this name already exists". */
export class WorkflowStartError extends Error {
  readonly executionName: string;
  constructor(executionName: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkflowStartError';
    this.executionName = executionName;
  }
}
