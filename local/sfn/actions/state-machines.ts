/** ListStateMachines and DescribeStateMachine: the endpoint's machines, Standard, always ACTIVE. */
import { type SfnContext, requireMachine } from '../machine.js';
import { seconds } from '../paging.js';
import type { Body } from '../protocol.js';

export function listStateMachines(machines: readonly SfnContext[]): unknown {
  return { stateMachines: machines.map((ctx) => ({ stateMachineArn: ctx.stateMachineArn, name: ctx.stateMachineName, type: 'STANDARD', creationDate: seconds(ctx.creationDate) })) };
}

export function describeStateMachine(ctx: SfnContext, body: Body): unknown {
  requireMachine(ctx, body);
  return {
    stateMachineArn: ctx.stateMachineArn,
    name: ctx.stateMachineName,
    status: 'ACTIVE',
    definition: JSON.stringify(ctx.runner.definition),
    roleArn: ctx.roleArn,
    type: 'STANDARD',
    creationDate: seconds(ctx.creationDate),
  };
}
