/** StartExecution, with Standard's name rules and idempotency. */
import { randomUUID } from 'node:crypto';
import { isJson } from '../../aws-json-protocol.js';
import { type SfnContext, requireMachine } from '../machine.js';
import { seconds } from '../paging.js';
import { type Body, ServiceError } from '../protocol.js';

// The characters Step Functions refuses in names: whitespace, brackets, wildcards, these specials, controls
// (\p{Cc}: U+0000–U+001F and U+007F–U+009F).
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;
const MAX_INPUT_BYTES = 256 * 1024;

export function startExecution(ctx: SfnContext, body: Body): unknown {
  requireMachine(ctx, body);
  const name = body.name === undefined ? randomUUID() : body.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 80 || FORBIDDEN_NAME.test(name)) {
    throw new ServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
  }
  const input = body.input === undefined ? '{}' : body.input;
  if (typeof input !== 'string' || Buffer.byteLength(input) > MAX_INPUT_BYTES || !isJson(input)) {
    throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not a JSON document of at most 256 KiB');
  }
  const existingRow = ctx.store.rowOf(name);
  if (existingRow !== undefined) {
    // Standard workflows: StartExecution is idempotent while the execution runs with the same input (200 with
    // the original answer); once it has closed, or with a different input, the name is taken. A running
    // execution is always kept whole, so only the name of an older one is needed here.
    const existing = ctx.store.wholeAt(existingRow);
    if (existing?.status === 'RUNNING' && existing.input === input) {
      return { executionArn: existing.executionArn, startDate: seconds(existing.startDate) };
    }
    throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${ctx.store.executionPrefix}${name}'`);
  }
  const execution = ctx.store.add(name, input, ctx.runner.start(name, JSON.parse(input)));
  return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
}
