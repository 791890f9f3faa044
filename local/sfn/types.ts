/** The local Step Functions endpoint's public shape (docs/LOCAL.md, "Step Functions"). */
import type { ExecutionStatus, WorkflowExecution, WorkflowRun, WorkflowRunner } from '../workflow-runner.js';
import type { ExecutionStatusChange } from './status-events.js';

export interface SfnEndpointOptions {
  runner: WorkflowRunner;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** What DescribeStateMachine reports as the role; no IAM is enforced locally. */
  roleArn?: string;
  /**
   * How many finished executions keep their full event history (default 1,000). Older ones answer
   * DescribeExecution and ListExecutions as before and still hold their name (StartExecution with it answers
   * ExecutionAlreadyExists), but their history shrinks to its start and end events and they are kept compactly
   * (see spillPath): a long local backfill must not grow the process by kilobytes per file forever.
   */
  historyLimit?: number;
  /**
   * A file for the input, output, error and cause of executions older than the newest `historyLimit`: written
   * (truncated) at start, appended as they age, read back on demand, closed by close(). Not reloaded (see journalPath): a restart
   * forgets executions. Absent: those details stay in memory, one JSON string per execution.
   */
  spillPath?: string;
  /**
   * Keep executions across restarts (the local stack's `--data-dir`): every execution is appended to this file,
   * one JSON line, the moment it ends, and the file is read back at start, so a restarted endpoint still lists,
   * describes (and refuses to reuse the names of) the executions of earlier runs — Standard's name rule holds across
   * restarts, and a re-put of a delivered file starts nothing. Restored executions have the trimmed history of
   * older ones (start and end). An execution still running when the process stopped was never written: its name
   * is free again, so a replay of its prefix starts it anew. Takes the place of `spillPath`.
   */
  journalPath?: string;
  /**
   * Seconds after an execution closes that its name stays taken; then StartExecution with it starts a new one and
   * the old one is no longer listed or described. Default 90 days, as AWS keeps closed Standard executions.
   */
  executionRetentionSeconds?: number;
  /**
   * Receives the "Step Functions Execution Status Change" event of every status change (start, end), as Step
   * Functions sends it to EventBridge's default bus (local/sfn/status-events.ts); the local stack hands it to its
   * event bus. None once close() began: executions aborted by shutdown were not stopped by anyone.
   */
  onStatusChange?: (event: ExecutionStatusChange) => void;
  /**
   * More state machines served beside `runner` (the local stack's backfill machine), each with its own executions
   * and its own journal or spill file. An action goes to the machine its `stateMachineArn` or `executionArn` names.
   */
  machines?: SfnMachineOptions[];
}

/** One more state machine of the endpoint; its files as SfnEndpointOptions' own. */
export interface SfnMachineOptions {
  runner: WorkflowRunner;
  journalPath?: string;
  spillPath?: string;
}

/** One execution as executions() lists it: kept whole while recent, a view of its row and details once older. */
export interface EndpointExecution {
  executionArn: string;
  name: string;
  /** The input exactly as sent: Standard idempotency compares it as a string. */
  input: string;
  startDate: Date;
  status: ExecutionStatus;
  run?: WorkflowRun;
  /** Set by StopExecution: AWS reports the stop's error/cause on an ABORTED execution. */
  stopped?: { error?: string; cause?: string; stopDate: Date };
  handle: WorkflowExecution;
  /** Set on an older execution, whose full history was dropped (see SfnEndpointOptions.historyLimit). */
  historyTrimmed?: boolean;
  /** An older execution's output as JSON text (its `run` holds no parsed output and no events). */
  outputJson?: string;
}

export interface SfnEndpoint {
  /** `http://127.0.0.1:{port}`: the value of AWS_ENDPOINT_URL_SFN. */
  url: string;
  port: number;
  /**
   * Every execution started, oldest first. Those older than the newest `historyLimit` finished ones are views
   * made for this call (`historyTrimmed`, no events), whose input and output are read when first asked for.
   */
  executions(): EndpointExecution[];
  /** The executions of one of the endpoint's state machines (`runner`'s or one of `machines`), as executions() lists them. */
  executionsOf(stateMachineArn: string): EndpointExecution[];
  /** How many executions are RUNNING, on every machine: cheaper than executions() for a store of many. */
  running(): number;
  /** Resolves when no execution of any machine is running (including any started while waiting). */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}
