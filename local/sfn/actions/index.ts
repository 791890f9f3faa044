/** The Step Functions actions the local endpoint serves, by X-Amz-Target name. */
import { machineOf, machineOfExecution, type SfnContext } from '../machine.js';
import type { Action } from '../protocol.js';
import { describeExecution } from './describe-execution.js';
import { getExecutionHistory } from './get-execution-history.js';
import { listExecutions } from './list-executions.js';
import { startExecution } from './start-execution.js';
import { describeStateMachine, listStateMachines } from './state-machines.js';
import { stopExecution } from './stop-execution.js';

/** Each action on the machine its request names; ListStateMachines lists them all, in the order given. */
export function sfnActions(machines: readonly SfnContext[]): Record<string, Action> {
  return {
    ListStateMachines: () => listStateMachines(machines),
    DescribeStateMachine: (body) => describeStateMachine(machineOf(machines, body), body),
    StartExecution: (body) => startExecution(machineOf(machines, body), body),
    DescribeExecution: (body) => describeExecution(machineOfExecution(machines, body), body),
    ListExecutions: (body) => listExecutions(machineOf(machines, body), body),
    GetExecutionHistory: (body) => getExecutionHistory(machineOfExecution(machines, body), body),
    StopExecution: (body) => stopExecution(machineOfExecution(machines, body), body),
  };
}
