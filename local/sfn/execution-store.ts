/**
 * The executions of the local Step Functions endpoint: running and recent ones kept whole, older ones as rows plus
 * spilled or journaled details (docs/LOCAL.md, "Step Functions: memory and restarts").
 */
import type { ExecutionStatus, WorkflowExecution, WorkflowRun } from '../workflow-runner.js';
import { DetailStore, type Details, type JournalEntry } from './detail-store.js';
import { Rows, STATUSES } from './rows.js';
import type { EndpointExecution } from './types.js';

/** DescribeExecution's answer, before the protocol's field names and units. */
export interface Summary extends Details {
  executionArn: string;
  name: string;
  status: ExecutionStatus;
  startMs: number;
  stopMs?: number;
}

export interface ExecutionStoreOptions {
  /** `arn:…:execution:<machine>:`; an execution's ARN is this and its name. */
  executionPrefix: string;
  historyLimit: number;
  spillPath?: string;
  journalPath?: string;
  /** Seconds after its end that an execution's name stays taken (SfnEndpointOptions.executionRetentionSeconds). */
  retentionSeconds?: number;
  /** Called when an execution starts (RUNNING) and when it ends, with its status then set. */
  onStatusChange?: (execution: EndpointExecution) => void;
}

/**
 * How long a closed Standard execution is kept, and so how long its name stays taken: 90 days (AWS Step Functions
 * Developer Guide, "Step Functions service quotas": execution history retention, "90 days after an execution is
 * closed"; "you can reuse the name of a closed execution after 90 days").
 */
export const DEFAULT_RETENTION_SECONDS = 90 * 24 * 3600;

export class ExecutionStore {
  readonly executionPrefix: string;
  // One row per execution, in start order: name, status, dates. ListExecutions reads only these.
  private readonly rows = new Rows();
  private readonly names: string[] = [];
  private readonly byName = new Map<string, number>();
  // Running executions and the newest `historyLimit` finished ones, whole; the rest are rows plus spilled details.
  private readonly whole = new Map<number, EndpointExecution>();
  private readonly finished: number[] = [];
  private readonly historyLimit: number;
  private readonly journaled: boolean;
  private readonly details: DetailStore;
  private readonly retentionMs: number;
  // Rows whose execution outlived the retention: no longer found by name or listed, as AWS forgets them.
  private readonly forgotten = new Set<number>();
  private readonly onStatusChange: ((execution: EndpointExecution) => void) | undefined;

  constructor(options: ExecutionStoreOptions) {
    this.executionPrefix = options.executionPrefix;
    this.historyLimit = options.historyLimit;
    this.journaled = options.journalPath !== undefined;
    this.details = new DetailStore(options.journalPath ?? options.spillPath, this.journaled);
    this.retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    this.onStatusChange = options.onStatusChange;
    this.restore();
  }

  /** Executions of earlier runs, in start order (the journal holds them in end order). */
  private restore(): void {
    for (const kept of this.details.takeRestored().sort((a, b) => a.startMs - b.startMs || a.at - b.at)) {
      if (this.byName.has(kept.name)) continue;
      const row = this.addRow(kept.name, kept.status, kept.startMs);
      this.rows.stopMs[row] = kept.stopMs;
      this.details.place(row, kept.at, kept.length);
    }
  }

  private addRow(name: string, status: ExecutionStatus, startMs: number): number {
    const row = this.rows.add();
    this.names.push(name);
    this.byName.set(name, row);
    this.rows.status[row] = STATUSES.indexOf(status);
    this.rows.startMs[row] = startMs;
    return row;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The row holding `name`, or undefined when none does or its execution ended longer than the retention ago. */
  rowOf(name: string): number | undefined {
    const row = this.byName.get(name);
    if (row === undefined || !this.isExpired(row)) return row;
    this.byName.delete(name);
    this.forgotten.add(row);
    return undefined;
  }

  /** The row of an execution ARN of this machine, or undefined. */
  rowOfArn(arn: string): number | undefined {
    return arn.startsWith(this.executionPrefix) ? this.rowOf(arn.slice(this.executionPrefix.length)) : undefined;
  }

  /**
   * Whether a row is past its retention: ended, and its stop date older than the retention. AWS keeps a closed
   * Standard execution (and so its name) for 90 days, then the name can be used again.
   */
  isExpired(row: number): boolean {
    if (this.forgotten.has(row)) return true;
    const stopMs = this.rows.stopMs[row]!;
    if (this.statusOf(row) === 'RUNNING' || !(stopMs > 0)) return false;
    return Date.now() - stopMs >= this.retentionMs;
  }

  /** The execution kept whole (running or recent), or undefined for an older one. */
  wholeAt(row: number): EndpointExecution | undefined {
    return this.whole.get(row);
  }

  statusOf(row: number): ExecutionStatus {
    return STATUSES[this.rows.status[row]!]!;
  }

  /** The row's status code (for a status filter) and dates, as ListExecutions needs them. */
  listing(row: number): { code: number; name: string; status: ExecutionStatus; startMs: number; stopMs: number } {
    return { code: this.rows.status[row]!, name: this.names[row]!, status: this.statusOf(row), startMs: this.rows.startMs[row]!, stopMs: this.rows.stopMs[row]! };
  }

  stopMsOf(row: number): number {
    return this.rows.stopMs[row]!;
  }

  /** Records a started execution; its status and details follow when `handle.done` settles. */
  add(name: string, input: string, handle: WorkflowExecution): EndpointExecution {
    const execution: EndpointExecution = { executionArn: handle.executionArn, name, input, startDate: handle.startDate, status: 'RUNNING', handle };
    const row = this.addRow(name, 'RUNNING', handle.startDate.getTime());
    this.whole.set(row, execution);
    void handle.done.then((run) => this.finish(row, execution, run));
    this.onStatusChange?.(execution);
    return execution;
  }

  private finish(row: number, execution: EndpointExecution, run: WorkflowRun): void {
    execution.run = run;
    // A stop may lose the race against the last step; the API has already answered ABORTED, so it stays so.
    this.setStatus(row, execution, execution.stopped ? 'ABORTED' : run.status, execution.stopped?.stopDate ?? run.stopDate);
    if (this.journaled) {
      const entry: JournalEntry = { ...detailsOf(execution), name: execution.name, status: execution.status, startMs: this.rows.startMs[row]!, stopMs: this.rows.stopMs[row]! };
      this.details.put(row, entry);
    }
    this.finished.push(row);
    this.onStatusChange?.(execution);
    this.retireOld();
  }

  /** StopExecution: reported ABORTED at once, as AWS does; the engine stops at its next step. */
  stop(row: number, stopped: { error?: string; cause?: string }): void {
    const e = this.whole.get(row);
    if (e?.status !== 'RUNNING') return;
    e.stopped = { stopDate: new Date(), ...stopped };
    this.setStatus(row, e, 'ABORTED', e.stopped.stopDate);
    e.handle.abort();
  }

  private setStatus(row: number, e: EndpointExecution, status: ExecutionStatus, stopDate?: Date): void {
    e.status = status;
    this.rows.status[row] = STATUSES.indexOf(status);
    if (stopDate) this.rows.stopMs[row] = stopDate.getTime();
  }

  private retireOld(): void {
    while (this.finished.length > this.historyLimit) {
      const row = this.finished.shift()!;
      const e = this.whole.get(row)!;
      this.whole.delete(row);
      // A journaled execution's details are on disk since it ended.
      if (!this.journaled) this.details.put(row, detailsOf(e));
    }
  }

  /** What DescribeExecution and a trimmed history answer, from the whole execution or from its row and details. */
  summary(row: number): Summary {
    const e = this.whole.get(row);
    const stopMs = this.rows.stopMs[row]!;
    const name = this.names[row]!;
    const base = { executionArn: this.executionPrefix + name, name, status: this.statusOf(row), startMs: this.rows.startMs[row]!, ...(stopMs > 0 ? { stopMs } : {}) };
    // The row is the truth for status and dates; a journal line repeats them (for the next restart).
    if (!e) return { ...this.details.get(row), ...base };
    return { ...base, ...detailsOf(e) };
  }

  /** Every execution, oldest first: the whole ones as they are, older ones as views of their rows. */
  executions(): EndpointExecution[] {
    const rows = Array.from({ length: this.rows.size }, (_, row) => row).filter((row) => !this.isExpired(row));
    return rows.map((row) => this.whole.get(row) ?? this.view(row));
  }

  /** An older execution as executions() lists it; input and output are read from the details when asked for. */
  private view(row: number): EndpointExecution {
    const name = this.names[row]!;
    const executionArn = this.executionPrefix + name;
    const status = this.statusOf(row) as WorkflowRun['status'];
    const startDate = new Date(this.rows.startMs[row]!);
    const stopDate = new Date(this.rows.stopMs[row]!);
    let kept: Details | undefined;
    const read = () => (kept ??= this.details.get(row));
    const run = (): WorkflowRun => ({ name, executionArn, status, input: undefined, error: read().error, cause: read().cause, startDate, stopDate, events: [] });
    return {
      executionArn,
      name,
      startDate,
      status,
      historyTrimmed: true,
      get input() {
        return read().input;
      },
      get outputJson() {
        return read().output;
      },
      get run() {
        return run();
      },
      get stopped() {
        return status === 'ABORTED' ? { error: read().error, cause: read().cause, stopDate } : undefined;
      },
      get handle() {
        return { name, executionArn, startDate, events: [], done: Promise.resolve(run()), abort: () => undefined };
      },
    };
  }

  running(): number {
    let n = 0;
    for (const e of this.whole.values()) if (e.status === 'RUNNING') n++;
    return n;
  }

  /** Resolves when no execution is running or stopped-but-not-ended, including any started while waiting. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      // Running, or stopped (ABORTED) while the engine has not ended yet: only whole executions can be either.
      const pending = [...this.whole.values()].filter((e) => e.status === 'RUNNING' || !e.run);
      if (pending.length === 0) return;
      await Promise.all(pending.map((e) => e.handle.done));
      // Let the `.then` that records each run's status go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  abortRunning(): void {
    for (const e of this.whole.values()) if (e.status === 'RUNNING') e.handle.abort();
  }

  close(): void {
    this.details.close();
  }
}

/** The input, output, error and cause of a whole execution, as an older one keeps them. */
function detailsOf(e: EndpointExecution): Details {
  const run = e.run;
  return {
    input: e.input,
    ...(run?.status === 'SUCCEEDED' ? { output: e.outputJson ?? JSON.stringify(run.output ?? null) } : {}),
    error: e.stopped?.error ?? run?.error,
    cause: e.stopped?.cause ?? run?.cause,
  };
}
