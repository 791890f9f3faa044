/** ListStateMachines and DescribeStateMachine: the one machine, Standard, always ACTIVE. */
import { type SfnContext, requireMachine } from '../machine.js';
import { seconds } from '../paging.js';
import type { Body } from '../protocol.js';

export function listStateMachines(ctx: SfnContext): unknown {
  return { stateMachines: [{ stateMachineArn: ctx.stateMachineArn, name: ctx.stateMachineName, type: 'STANDARD', creationDate: seconds(ctx.creationDate) }] };
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
