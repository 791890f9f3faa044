/** GetExecutionHistory: the engine's events so far, or the start and end of an older execution. */
import { toHistory, trimmedHistory } from '../history.js';
import { type SfnContext, requireExecution } from '../machine.js';
import { paginate, seconds } from '../paging.js';
import type { Body } from '../protocol.js';

export function getExecutionHistory(ctx: SfnContext, body: Body): unknown {
  const row = requireExecution(ctx, body);
  const e = ctx.store.wholeAt(row);
  const includeData = body.includeExecutionData !== false;
  const { resources, region, roleArn } = ctx;
  // `events` is filled as the execution goes, so a running execution shows its history so far, as in AWS.
  let history = e ? toHistory(e.handle.events, { resources, region, roleArn, includeData }) : trimmedHistory(ctx.store.summary(row), { roleArn, includeData });
  if (e?.stopped && !history.some((h) => h.type === 'ExecutionAborted')) {
    history.push({ id: history.length + 1, previousEventId: history.length, timestamp: seconds(e.stopped.stopDate), type: 'ExecutionAborted', executionAbortedEventDetails: { error: e.stopped.error, cause: e.stopped.cause } });
  }
  if (body.reverseOrder === true) history = history.reverse();
  const { page, nextToken } = paginate(history, body, 1000);
  return { events: page, ...(nextToken ? { nextToken } : {}) };
}
