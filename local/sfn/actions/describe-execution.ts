/** DescribeExecution, from the whole execution or from an older one's row and details. */
import { type SfnContext, requireExecution } from '../machine.js';
import type { Body } from '../protocol.js';

export function describeExecution(ctx: SfnContext, body: Body): unknown {
  const e = ctx.store.summary(requireExecution(ctx, body));
  const out: Body = {
    executionArn: e.executionArn,
    stateMachineArn: ctx.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startMs / 1000,
    input: e.input,
    inputDetails: { included: true },
  };
  if (e.status !== 'RUNNING' && e.stopMs) out.stopDate = e.stopMs / 1000;
  if (e.output !== undefined) {
    out.output = e.output;
    out.outputDetails = { included: true };
  }
  if (e.status !== 'RUNNING' && e.status !== 'SUCCEEDED') {
    if (e.error !== undefined) out.error = e.error;
    if (e.cause !== undefined) out.cause = e.cause;
  }
  return out;
}
