/** The Step Functions actions the local endpoint serves, by X-Amz-Target name. */
import type { SfnContext } from '../machine.js';
import type { Action } from '../protocol.js';
import { describeExecution } from './describe-execution.js';
import { getExecutionHistory } from './get-execution-history.js';
import { listExecutions } from './list-executions.js';
import { startExecution } from './start-execution.js';
import { describeStateMachine, listStateMachines } from './state-machines.js';
import { stopExecution } from './stop-execution.js';

export function sfnActions(ctx: SfnContext): Record<string, Action> {
  return {
    ListStateMachines: () => listStateMachines(ctx),
    DescribeStateMachine: (body) => describeStateMachine(ctx, body),
    StartExecution: (body) => startExecution(ctx, body),
    DescribeExecution: (body) => describeExecution(ctx, body),
    ListExecutions: (body) => listExecutions(ctx, body),
    GetExecutionHistory: (body) => getExecutionHistory(ctx, body),
    StopExecution: (body) => stopExecution(ctx, body),
  };
}
