/** StopExecution: a running execution is ABORTED at once; a closed one answers its stop date. */
import { type SfnContext, requireExecution } from '../machine.js';
import type { Body } from '../protocol.js';

export function stopExecution(ctx: SfnContext, body: Body): unknown {
  const row = requireExecution(ctx, body);
  ctx.store.stop(row, {
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
    ...(typeof body.cause === 'string' ? { cause: body.cause } : {}),
  });
  const stopMs = ctx.store.stopMsOf(row);
  return { stopDate: (stopMs > 0 ? stopMs : Date.now()) / 1000 };
}
