/** One row per execution in typed-array columns (docs/LOCAL.md, "Step Functions: memory"). */
import type { ExecutionStatus } from '../workflow-runner.js';

// A row keeps its status as an index into this list (one byte).
export const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * Growable typed-array columns, one row per execution in start order: 17 bytes a row, none of it an object the
 * collector has to trace. Dates are epoch milliseconds; a stopMs of 0 is "not stopped".
 */
export class Rows {
  size = 0;
  status = new Uint8Array(1024);
  startMs = new Float64Array(1024);
  stopMs = new Float64Array(1024);

  add(): number {
    if (this.size === this.status.length) {
      const grow = <T extends Uint8Array | Float64Array>(from: T, make: (n: number) => T): T => {
        const to = make(from.length * 2);
        to.set(from);
        return to;
      };
      this.status = grow(this.status, (n) => new Uint8Array(n));
      this.startMs = grow(this.startMs, (n) => new Float64Array(n));
      this.stopMs = grow(this.stopMs, (n) => new Float64Array(n));
    }
    return this.size++;
  }
}
