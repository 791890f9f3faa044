/** ListExecutions: newest first, an optional status filter, paged; reads only the rows. */
import type { ExecutionStatus } from '../../workflow-runner.js';
import { type SfnContext, requireMachine } from '../machine.js';
import { pageOf, tokenFor } from '../paging.js';
import { type Body, ServiceError } from '../protocol.js';
import { STATUSES } from '../rows.js';

export function listExecutions(ctx: SfnContext, body: Body): unknown {
  requireMachine(ctx, body);
  const filter = body.statusFilter;
  if (filter !== undefined && !STATUSES.includes(filter as ExecutionStatus)) {
    throw new ServiceError('ValidationException', `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint`);
  }
  const code = filter === undefined ? -1 : STATUSES.indexOf(filter as ExecutionStatus);
  const { offset, maxResults } = pageOf(body, 1000);
  const { rows, more } = newestFirst(ctx, code, offset, maxResults);
  return {
    executions: rows.map((row) => {
      const { name, status, startMs, stopMs } = ctx.store.listing(row);
      return {
        executionArn: ctx.store.executionPrefix + name,
        stateMachineArn: ctx.stateMachineArn,
        name,
        status,
        startDate: startMs / 1000,
        ...(status !== 'RUNNING' && stopMs > 0 ? { stopDate: stopMs / 1000 } : {}),
      };
    }),
    ...(more ? { nextToken: tokenFor(offset + maxResults) } : {}),
  };
}

/** Newest first, as Step Functions lists them; ties (same millisecond) keep the later start first. */
function newestFirst(ctx: SfnContext, code: number, offset: number, maxResults: number): { rows: number[]; more: boolean } {
  const rows: number[] = [];
  let skipped = 0;
  for (let row = ctx.store.size - 1; row >= 0; row--) {
    if (ctx.store.isExpired(row) || (code >= 0 && ctx.store.listing(row).code !== code)) continue;
    if (skipped < offset) {
      skipped++;
      continue;
    }
    if (rows.length === maxResults) return { rows, more: true };
    rows.push(row);
  }
  return { rows, more: false };
}
