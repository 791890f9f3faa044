/**
 * The "Step Functions Execution Status Change" event Step Functions sends to the default EventBridge bus for each
 * status change of a Standard execution (Step Functions Developer Guide, "EventBridge (CloudWatch Events) for Step
 * Functions execution status changes", https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html): the
 * `detail` carries what DescribeExecution answers, dates in epoch milliseconds, input and output as JSON strings.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionStatus } from '../workflow-runner.js';
import type { EndpointExecution } from './types.js';

export interface ExecutionStatusChange {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  /** ISO 8601 to the second, as EventBridge writes `time`. */
  time: string;
  region: string;
  resources: [string];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    output: string | null;
    inputDetails: { included: boolean };
    outputDetails: { included: boolean } | null;
    /** Present when the execution has one (a failure's error, or what StopExecution was given). */
    error?: string;
    cause?: string;
  };
}

/** The event for `execution` as it stands now (RUNNING when just started, else its end). */
export function statusChangeEvent(stateMachineArn: string, execution: EndpointExecution): ExecutionStatusChange {
  const [, , , region = 'us-east-1', account = '000000000000'] = stateMachineArn.split(':');
  const { run, stopped, status } = execution;
  const stopDate = status === 'RUNNING' ? null : (stopped?.stopDate ?? run?.stopDate ?? new Date()).getTime();
  const output = status === 'SUCCEEDED' ? (execution.outputJson ?? JSON.stringify(run?.output ?? null)) : null;
  // As DescribeExecution answers them (execution-store.ts, detailsOf): what StopExecution gave, else the run's.
  const error = stopped?.error ?? run?.error;
  const cause = stopped?.cause ?? run?.cause;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn,
      name: execution.name,
      status,
      startDate: execution.startDate.getTime(),
      stopDate,
      input: execution.input,
      output,
      inputDetails: { included: true },
      outputDetails: output === null ? null : { included: true },
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    },
  };
}
