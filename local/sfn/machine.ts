/** The state machines the local endpoint serves, and the checks every action makes of the ARNs it is sent. */
import type { WorkflowRunner } from '../workflow-runner.js';
import type { ExecutionStore } from './execution-store.js';
import { type DefinitionLike, type TaskResources, taskResources } from './history.js';
import { type Body, ServiceError } from './protocol.js';

/** What the action functions share: the machine, its executions and the runner that starts them. */
export interface SfnContext {
  runner: WorkflowRunner;
  store: ExecutionStore;
  stateMachineArn: string;
  stateMachineName: string;
  region: string;
  roleArn: string;
  creationDate: Date;
  resources: TaskResources;
}

export function machineContext(runner: WorkflowRunner, store: ExecutionStore, roleArn?: string): SfnContext {
  const stateMachineArn = runner.stateMachineArn;
  const parts = stateMachineArn.split(':');
  return {
    runner,
    store,
    stateMachineArn,
    stateMachineName: stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1),
    region: parts[3] ?? 'us-east-1',
    roleArn: roleArn ?? `arn:aws:iam::${parts[4] ?? '000000000000'}:role/local`,
    creationDate: new Date(),
    resources: taskResources(runner.definition as unknown as DefinitionLike),
  };
}

/** `arn:aws:states:…:execution:<machine>:` for a machine ARN. */
export function executionPrefixOf(stateMachineArn: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
}

const ARN = /^arn:aws[a-z-]*:states:/;

/** The machine a request's `stateMachineArn` names (StartExecution, ListExecutions, DescribeStateMachine). */
export function machineOf(machines: readonly SfnContext[], body: Body): SfnContext {
  const arn = body.stateMachineArn;
  if (typeof arn !== 'string' || !ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  const ctx = machines.find((m) => m.stateMachineArn === arn);
  if (!ctx) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return ctx;
}

/** The machine whose executions a request's `executionArn` is one of (DescribeExecution, GetExecutionHistory, StopExecution). */
export function machineOfExecution(machines: readonly SfnContext[], body: Body): SfnContext {
  const arn = body.executionArn;
  if (typeof arn !== 'string' || !ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  const ctx = machines.find((m) => arn.startsWith(m.store.executionPrefix));
  if (!ctx) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return ctx;
}

export function requireMachine(ctx: SfnContext, body: Body): void {
  const arn = body.stateMachineArn;
  if (typeof arn !== 'string' || !ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  if (arn !== ctx.stateMachineArn) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
}

/** The execution's row. */
export function requireExecution(ctx: SfnContext, body: Body): number {
  const arn = body.executionArn;
  if (typeof arn !== 'string' || !ARN.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  const row = ctx.store.rowOfArn(arn);
  if (row === undefined) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return row;
}
