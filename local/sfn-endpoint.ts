/**
 * A Step Functions endpoint (JSON 1.0 protocol) in front of the local workflow runner, so that the router's real
 * SFNClient and the AWS CLI (`aws stepfunctions … --endpoint-url`) work against the local stack unchanged.
 *
 * Protocol: `POST /`, `X-Amz-Target: AWSStepFunctions.<Action>`, `Content-Type: application/x-amz-json-1.0`,
 * JSON bodies, dates as epoch seconds; an error is HTTP 400 with `{"__type": "<Name>", "message": "…"}`, which
 * the SDK turns into the named exception class.
 *
 * Actions: ListStateMachines, DescribeStateMachine, StartExecution, DescribeExecution, ListExecutions,
 * GetExecutionHistory, StopExecution. One state machine (the runner's), Standard semantics. With `journalPath`
 * ended executions survive a restart (so a re-put after a restart answers ExecutionAlreadyExists, as AWS's 90-day
 * name rule does); without it they live for the life of the process.
 *
 * Memory: running executions and the newest `historyLimit` finished ones are kept whole (engine events for
 * GetExecutionHistory, ~11 KB each in bench:e2e). An older one shrinks to its name, a Map entry and 29 bytes of
 * typed-array columns (status, dates, where its details are); its input, output, error and cause go as one JSON
 * line to `spillPath` (or stay in memory as that one string) and are read back when DescribeExecution or
 * GetExecutionHistory asks. Measured with heap snapshots in bench:e2e's configuration: kept as objects, an older
 * execution cost ~2.1 KB of live heap (its output JSON alone ~0.75 KB); as a row, ~0.2 KB.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionStatus, WorkflowEvent, WorkflowExecution, WorkflowRun, WorkflowRunner } from './workflow-runner.js';
import { isJson, readBody, sendAwsJson } from './aws-json-protocol.js';

export interface SfnEndpointOptions {
  runner: WorkflowRunner;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** What DescribeStateMachine reports as the role; no IAM is enforced locally. */
  roleArn?: string;
  /**
   * How many finished executions keep their full event history (default 1,000). Older ones answer
   * DescribeExecution and ListExecutions as before and still hold their name (StartExecution with it answers
   * ExecutionAlreadyExists), but their history shrinks to its start and end events and they are kept compactly
   * (see spillPath): a long local backfill must not grow the process by kilobytes per file forever.
   */
  historyLimit?: number;
  /**
   * A file for the input, output, error and cause of executions older than the newest `historyLimit`: written
   * (truncated) at start, appended as they age, read back on demand, closed by close(). Not reloaded (see journalPath): a restart
   * forgets executions. Absent: those details stay in memory, one JSON string per execution.
   */
  spillPath?: string;
  /**
   * Keep executions across restarts (the local stack's `--data-dir`): every execution is appended to this file,
   * one JSON line, the moment it ends, and the file is read back at start, so a restarted endpoint still lists,
   * describes (and refuses to reuse the names of) the executions of earlier runs — Standard's name rule holds across
   * restarts, and a re-put of a delivered file starts nothing. Restored executions have the trimmed history of
   * older ones (start and end). An execution still running when the process stopped was never written: its name
   * is free again, so a replay of its prefix starts it anew. Takes the place of `spillPath`.
   */
  journalPath?: string;
}

/** One execution as executions() lists it: kept whole while recent, a view of its row and details once older. */
export interface EndpointExecution {
  executionArn: string;
  name: string;
  /** The input exactly as sent: Standard idempotency compares it as a string. */
  input: string;
  startDate: Date;
  status: ExecutionStatus;
  run?: WorkflowRun;
  /** Set by StopExecution: AWS reports the stop's error/cause on an ABORTED execution. */
  stopped?: { error?: string; cause?: string; stopDate: Date };
  handle: WorkflowExecution;
  /** Set on an older execution, whose full history was dropped (see SfnEndpointOptions.historyLimit). */
  historyTrimmed?: boolean;
  /** An older execution's output as JSON text (its `run` holds no parsed output and no events). */
  outputJson?: string;
}

export interface SfnEndpoint {
  /** `http://127.0.0.1:{port}`: the value of AWS_ENDPOINT_URL_SFN. */
  url: string;
  port: number;
  /**
   * Every execution started, oldest first. Those older than the newest `historyLimit` finished ones are views
   * made for this call (`historyTrimmed`, no events), whose input and output are read when first asked for.
   */
  executions(): EndpointExecution[];
  /** How many executions are RUNNING: cheaper than executions() for a store of many. */
  running(): number;
  /** Resolves when no execution is running (including any started while waiting). */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}

// The characters Step Functions refuses in names: whitespace, brackets, wildcards, these specials, controls.
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const MAX_INPUT_BYTES = 256 * 1024;
// A row keeps its status as an index into this list (one byte).
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** An error answered as HTTP 400 `{__type, message}`; the SDK maps `__type` to its exception class. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

type Body = Record<string, unknown>;

export async function startSfnEndpoint(options: SfnEndpointOptions): Promise<SfnEndpoint> {
  const { runner } = options;
  const stateMachineArn = runner.stateMachineArn;
  const stateMachineName = stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1);
  const region = stateMachineArn.split(':')[3] ?? 'us-east-1';
  const accountId = stateMachineArn.split(':')[4] ?? '000000000000';
  const roleArn = options.roleArn ?? `arn:aws:iam::${accountId}:role/local`;
  const creationDate = new Date();
  const resources = taskResources(runner.definition as unknown as DefinitionLike);

  const executionPrefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  const historyLimit = options.historyLimit ?? 1000;
  // One row per execution, in start order: name, status, dates. ListExecutions reads only these.
  const rows = new Rows();
  const names: string[] = [];
  const byName = new Map<string, number>();
  // Running executions and the newest `historyLimit` finished ones, whole; the rest are rows plus spilled details.
  const whole = new Map<number, EndpointExecution>();
  const finished: number[] = [];
  const journaled = options.journalPath !== undefined;
  const details = new DetailStore(options.journalPath ?? options.spillPath, journaled);
  // Executions of earlier runs, in start order (the journal holds them in end order).
  for (const kept of details.takeRestored().sort((a, b) => a.startMs - b.startMs || a.at - b.at)) {
    if (byName.has(kept.name)) continue;
    const row = rows.add();
    names.push(kept.name);
    byName.set(kept.name, row);
    rows.status[row] = STATUSES.indexOf(kept.status);
    rows.startMs[row] = kept.startMs;
    rows.stopMs[row] = kept.stopMs;
    details.place(row, kept.at, kept.length);
  }

  const statusOf = (row: number): ExecutionStatus => STATUSES[rows.status[row]!]!;
  const setStatus = (row: number, e: EndpointExecution, status: ExecutionStatus, stopDate?: Date): void => {
    e.status = status;
    rows.status[row] = STATUSES.indexOf(status);
    if (stopDate) rows.stopMs[row] = stopDate.getTime();
  };
  const retireOld = (): void => {
    while (finished.length > historyLimit) {
      const row = finished.shift()!;
      const e = whole.get(row)!;
      whole.delete(row);
      // A journaled execution's details are on disk since it ended.
      if (!journaled) details.put(row, detailsOf(e));
    }
  };
  const detailsOf = (e: EndpointExecution): Details => {
    const run = e.run!;
    return {
      input: e.input,
      ...(run.status === 'SUCCEEDED' ? { output: e.outputJson ?? JSON.stringify(run.output ?? null) } : {}),
      error: e.stopped?.error ?? run.error,
      cause: e.stopped?.cause ?? run.cause,
    };
  };
  /** What DescribeExecution and a trimmed history answer, from the whole execution or from its row and details. */
  const summary = (row: number): Summary => {
    const e = whole.get(row);
    const stopMs = rows.stopMs[row]!;
    const base = { executionArn: executionPrefix + names[row]!, name: names[row]!, status: statusOf(row), startMs: rows.startMs[row]!, ...(stopMs > 0 ? { stopMs } : {}) };
    // The row is the truth for status and dates; a journal line repeats them (for the next restart).
    if (!e) return { ...details.get(row), ...base };
    return {
      ...base,
      input: e.input,
      ...(e.run?.status === 'SUCCEEDED' ? { output: e.outputJson ?? JSON.stringify(e.run.output ?? null) } : {}),
      error: e.stopped?.error ?? e.run?.error,
      cause: e.stopped?.cause ?? e.run?.cause,
    };
  };
  /** An older execution as executions() lists it; input and output are read from the details when asked for. */
  const view = (row: number): EndpointExecution => {
    const name = names[row]!;
    const executionArn = executionPrefix + name;
    const status = statusOf(row) as WorkflowRun['status'];
    const startDate = new Date(rows.startMs[row]!);
    const stopDate = new Date(rows.stopMs[row]!);
    let kept: Details | undefined;
    const read = () => (kept ??= details.get(row));
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
  };

  const requireMachine = (body: Body): void => {
    const arn = body.stateMachineArn;
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:states:/.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    if (arn !== stateMachineArn) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };
  /** The execution's row. */
  const requireExecution = (body: Body): number => {
    const arn = body.executionArn;
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:states:/.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const row = arn.startsWith(executionPrefix) ? byName.get(arn.slice(executionPrefix.length)) : undefined;
    if (row === undefined) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return row;
  };

  const actions: Record<string, (body: Body) => unknown> = {
    ListStateMachines: () => ({
      stateMachines: [{ stateMachineArn, name: stateMachineName, type: 'STANDARD', creationDate: seconds(creationDate) }],
    }),

    DescribeStateMachine: (body) => {
      requireMachine(body);
      return {
        stateMachineArn,
        name: stateMachineName,
        status: 'ACTIVE',
        definition: JSON.stringify(runner.definition),
        roleArn,
        type: 'STANDARD',
        creationDate: seconds(creationDate),
      };
    },

    StartExecution: (body) => {
      requireMachine(body);
      const name = body.name === undefined ? randomUUID() : body.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 80 || FORBIDDEN_NAME.test(name)) {
        throw new ServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
      }
      const input = body.input === undefined ? '{}' : body.input;
      if (typeof input !== 'string' || Buffer.byteLength(input) > MAX_INPUT_BYTES || !isJson(input)) {
        throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not a JSON document of at most 256 KiB');
      }
      const existingRow = byName.get(name);
      if (existingRow !== undefined) {
        // Standard workflows: StartExecution is idempotent while the execution runs with the same input (200 with
        // the original answer); once it has closed, or with a different input, the name is taken. A running
        // execution is always kept whole, so only the name of an older one is needed here.
        const existing = whole.get(existingRow);
        if (existing?.status === 'RUNNING' && existing.input === input) {
          return { executionArn: existing.executionArn, startDate: seconds(existing.startDate) };
        }
        throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionPrefix}${name}'`);
      }
      const handle = runner.start(name, JSON.parse(input));
      const execution: EndpointExecution = { executionArn: handle.executionArn, name, input, startDate: handle.startDate, status: 'RUNNING', handle };
      const row = rows.add();
      names.push(name);
      byName.set(name, row);
      rows.status[row] = STATUSES.indexOf('RUNNING');
      rows.startMs[row] = handle.startDate.getTime();
      whole.set(row, execution);
      void handle.done.then((run) => {
        execution.run = run;
        // A stop may lose the race against the last step; the API has already answered ABORTED, so it stays so.
        setStatus(row, execution, execution.stopped ? 'ABORTED' : run.status, execution.stopped?.stopDate ?? run.stopDate);
        if (journaled) {
          const entry: JournalEntry = { ...detailsOf(execution), name, status: execution.status, startMs: rows.startMs[row]!, stopMs: rows.stopMs[row]! };
          details.put(row, entry);
        }
        finished.push(row);
        retireOld();
      });
      return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
    },

    DescribeExecution: (body) => {
      const e = summary(requireExecution(body));
      const out: Body = {
        executionArn: e.executionArn,
        stateMachineArn,
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
    },

    ListExecutions: (body) => {
      requireMachine(body);
      const filter = body.statusFilter;
      if (filter !== undefined && !STATUSES.includes(filter as ExecutionStatus)) {
        throw new ServiceError('ValidationException', `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint`);
      }
      const code = filter === undefined ? -1 : STATUSES.indexOf(filter as ExecutionStatus);
      const { offset, maxResults } = pageOf(body, 1000);
      // Newest first, as Step Functions lists them; ties (same millisecond) keep the later start first.
      const page: number[] = [];
      let skipped = 0;
      let more = false;
      for (let row = rows.size - 1; row >= 0; row--) {
        if (code >= 0 && rows.status[row] !== code) continue;
        if (skipped < offset) {
          skipped++;
          continue;
        }
        if (page.length === maxResults) {
          more = true;
          break;
        }
        page.push(row);
      }
      return {
        executions: page.map((row) => {
          const status = statusOf(row);
          const stopMs = rows.stopMs[row]!;
          return {
            executionArn: executionPrefix + names[row]!,
            stateMachineArn,
            name: names[row]!,
            status,
            startDate: rows.startMs[row]! / 1000,
            ...(status !== 'RUNNING' && stopMs > 0 ? { stopDate: stopMs / 1000 } : {}),
          };
        }),
        ...(more ? { nextToken: tokenFor(offset + maxResults) } : {}),
      };
    },

    GetExecutionHistory: (body) => {
      const row = requireExecution(body);
      const e = whole.get(row);
      const includeData = body.includeExecutionData !== false;
      // `events` is filled as the execution goes, so a running execution shows its history so far, as in AWS.
      let history = e ? toHistory(e.handle.events, { resources, region, roleArn, includeData }) : trimmedHistory(summary(row), { roleArn, includeData });
      if (e?.stopped && !history.some((h) => h.type === 'ExecutionAborted')) {
        history.push({ id: history.length + 1, previousEventId: history.length, timestamp: seconds(e.stopped.stopDate), type: 'ExecutionAborted', executionAbortedEventDetails: { error: e.stopped.error, cause: e.stopped.cause } });
      }
      if (body.reverseOrder === true) history = history.reverse();
      const { page, nextToken } = paginate(history, body, 1000);
      return { events: page, ...(nextToken ? { nextToken } : {}) };
    },

    StopExecution: (body) => {
      const row = requireExecution(body);
      const e = whole.get(row);
      if (e?.status === 'RUNNING') {
        e.stopped = {
          stopDate: new Date(),
          ...(typeof body.error === 'string' ? { error: body.error } : {}),
          ...(typeof body.cause === 'string' ? { cause: body.cause } : {}),
        };
        // Reported ABORTED at once, as AWS does; the engine stops at its next step.
        setStatus(row, e, 'ABORTED', e.stopped.stopDate);
        e.handle.abort();
      }
      const stopMs = rows.stopMs[row]!;
      return { stopDate: (stopMs > 0 ? stopMs : Date.now()) / 1000 };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new ServiceError('UnknownOperationException', `${req.method} ${req.url}: the Step Functions protocol is POST /`, 404);
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
      const run = actions[action];
      if (!run) throw new ServiceError('UnknownOperationException', `the local Step Functions endpoint does not implement ${target || '(no X-Amz-Target)'}`);
      let body: Body;
      try {
        body = raw.length ? (JSON.parse(raw) as Body) : {};
      } catch {
        throw new ServiceError('SerializationException', 'request body is not JSON');
      }
      sendAwsJson(res, 200, run(body ?? {}));
    } catch (error) {
      if (error instanceof ServiceError) sendAwsJson(res, error.status, { __type: error.type, message: error.message });
      else sendAwsJson(res, 500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) });
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  // Running, or stopped (ABORTED) while the engine has not ended yet: only whole executions can be either.
  const unsettled = (): EndpointExecution[] => [...whole.values()].filter((e) => e.status === 'RUNNING' || !e.run);
  const waitForIdle = async (): Promise<void> => {
    // Loop: an execution may start while earlier ones are awaited.
    for (;;) {
      const pending = unsettled();
      if (pending.length === 0) return;
      await Promise.all(pending.map((e) => e.handle.done));
      // Let the `.then` that records each run's status go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    executions: () => Array.from({ length: rows.size }, (_, row) => whole.get(row) ?? view(row)),
    running: () => {
      let n = 0;
      for (const e of whole.values()) if (e.status === 'RUNNING') n++;
      return n;
    },
    waitForIdle,
    async close() {
      for (const e of whole.values()) if (e.status === 'RUNNING') e.handle.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      details.close();
    },
  };
}

/** What an older execution answers beyond its row: one JSON line in the spill file (or one string in memory). */
interface Details {
  input: string;
  /** The output as JSON text, when the run succeeded. */
  output?: string;
  error?: string;
  cause?: string;
}

/** A journal line: an ended execution, everything needed to list and describe it after a restart. */
interface JournalEntry extends Details {
  name: string;
  status: ExecutionStatus;
  startMs: number;
  stopMs: number;
}

/** DescribeExecution's answer, before the protocol's field names and units. */
interface Summary extends Details {
  executionArn: string;
  name: string;
  status: ExecutionStatus;
  startMs: number;
  stopMs?: number;
}

/**
 * Growable typed-array columns, one row per execution in start order: 17 bytes a row, none of it an object the
 * collector has to trace. Dates are epoch milliseconds; a stopMs of 0 is "not stopped".
 */
class Rows {
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

/**
 * The details of older executions by row. With a path: appended to that file as JSON lines, and only each line's
 * offset and length stay in memory (12 bytes a row); without one, or if a write fails, the line itself is kept.
 */
class DetailStore {
  private readonly fd?: number;
  private end = 0;
  private at = new Float64Array(0);
  private length = new Uint32Array(0);
  private readonly inMemory = new Map<number, string>();
  private closed = false;
  /** With `keep`: the executions the file already held, until the endpoint takes them as rows. */
  private restored: Array<JournalEntry & { at: number; length: number }> = [];

  /** `keep`: read what the file holds and append after it (the journal); otherwise start it empty (the spill file). */
  constructor(path?: string, keep = false) {
    if (path === undefined) return;
    this.fd = openSync(path, keep ? (existsSync(path) ? 'r+' : 'w+') : 'w+');
    if (keep) this.end = this.readJournal();
  }

  /** The executions read from the journal at start, each with where its line is; once (then forgotten here). */
  takeRestored(): Array<JournalEntry & { at: number; length: number }> {
    const restored = this.restored;
    this.restored = [];
    return restored;
  }

  /** Points a row at a line already in the file. */
  place(row: number, at: number, length: number): void {
    if (row >= this.at.length) this.grow(row + 1);
    this.at[row] = at;
    this.length[row] = length;
  }

  /**
   * Collects the complete lines of the journal; returns where the next line goes. A line cut by a crash
   * mid-write (no newline, or not JSON) ends the readable part and is overwritten by the next one.
   */
  private readJournal(): number {
    const size = fstatSync(this.fd!).size;
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0;
    let valid = 0;
    while (offset < size) {
      const n = readSync(this.fd!, chunk, 0, chunk.length, offset);
      if (n === 0) break;
      offset += n;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      let nl: number;
      while ((nl = data.indexOf(10, start)) !== -1) {
        const lineAt = valid;
        const length = nl - start + 1;
        let entry: JournalEntry | undefined;
        try {
          entry = JSON.parse(data.toString('utf8', start, nl)) as JournalEntry;
        } catch {
          entry = undefined;
        }
        if (!entry || typeof entry.name !== 'string' || !STATUSES.includes(entry.status) || typeof entry.startMs !== 'number') return valid;
        this.restored.push({ ...entry, at: lineAt, length });
        valid += length;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    return valid;
  }

  put(row: number, details: Details): void {
    const line = JSON.stringify(details);
    if (this.fd !== undefined) {
      try {
        const bytes = Buffer.from(`${line}\n`);
        writeSync(this.fd, bytes, 0, bytes.length, this.end);
        if (row >= this.at.length) this.grow(row + 1);
        this.at[row] = this.end;
        this.length[row] = bytes.length;
        this.end += bytes.length;
        return;
      } catch {
        // A full or read-only disk: keep this one in memory rather than lose what DescribeExecution answers.
      }
    }
    this.inMemory.set(row, line);
  }

  get(row: number): Details {
    const line = this.inMemory.get(row);
    if (line !== undefined) return JSON.parse(line) as Details;
    if (this.closed) throw new Error('the local Step Functions endpoint is closed: older executions are no longer readable');
    const bytes = Buffer.allocUnsafe(this.length[row]!);
    readSync(this.fd!, bytes, 0, bytes.length, this.at[row]!);
    return JSON.parse(bytes.toString('utf8')) as Details;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }

  private grow(min: number): void {
    const n = Math.max(min, this.at.length * 2, 1024);
    const at = new Float64Array(n);
    at.set(this.at);
    const length = new Uint32Array(n);
    length.set(this.length);
    this.at = at;
    this.length = length;
  }
}

/** The start and end of an execution whose full history was dropped (historyLimit). */
function trimmedHistory(e: Summary, options: { roleArn: string; includeData: boolean }): HistoryEvent[] {
  const started: HistoryEvent = {
    id: 1,
    previousEventId: 0,
    timestamp: e.startMs / 1000,
    type: 'ExecutionStarted',
    executionStartedEventDetails: { ...(options.includeData ? { input: e.input } : {}), roleArn: options.roleArn },
  };
  if (e.status === 'RUNNING' || e.stopMs === undefined) return [started];
  const end = { id: 2, previousEventId: 1, timestamp: e.stopMs / 1000 };
  switch (e.status) {
    case 'SUCCEEDED':
      return [started, { ...end, type: 'ExecutionSucceeded', executionSucceededEventDetails: options.includeData ? { output: e.output ?? 'null' } : {} }];
    case 'TIMED_OUT':
      return [started, { ...end, type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: e.error, cause: e.cause } }];
    case 'ABORTED':
      return [started, { ...end, type: 'ExecutionAborted', executionAbortedEventDetails: { error: e.error, cause: e.cause } }];
    default:
      return [started, { ...end, type: 'ExecutionFailed', executionFailedEventDetails: { error: e.error, cause: e.cause } }];
  }
}

/** A history event in the shape of the GetExecutionHistory API. */
interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

type DefinitionLike = { States: Record<string, { Type: string; Resource?: unknown; ItemProcessor?: DefinitionLike; Iterator?: DefinitionLike; Branches?: DefinitionLike[] }> };

/** Task state name → how AWS names its resource in history events (`lambda`/`invoke`, `dynamodb`/`putItem`). */
function taskResources(definition: DefinitionLike): Map<string, { resourceType: string; resource: string }> {
  const out = new Map<string, { resourceType: string; resource: string }>();
  const walk = (d: DefinitionLike) => {
    for (const [name, state] of Object.entries(d.States)) {
      if (state.Type === 'Task') {
        const arn = String(state.Resource);
        const integration = /^arn:aws[a-z-]*:states:::([a-z0-9-]+):([A-Za-z.]+)$/.exec(arn);
        out.set(name, integration ? { resourceType: integration[1]!, resource: integration[2]! } : { resourceType: 'lambda', resource: 'invoke' });
      }
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) walk(nested);
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(definition);
  return out;
}

const STATE_EVENT_PREFIX: Record<string, string> = {
  Task: 'Task',
  Choice: 'Choice',
  Pass: 'Pass',
  Wait: 'Wait',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Map: 'Map',
  Parallel: 'Parallel',
};

/**
 * aws-local-stepfunctions' event log → Step Functions history events. Simplified but valid: the event types and
 * detail fields are those of the API, ids are sequential and `previousEventId` is the preceding event (AWS links
 * events causally, which for a sequential workflow is mostly the same). Task states get Scheduled/Succeeded/Failed
 * events; a retry shows, as in AWS, as a TaskFailed followed by a new TaskScheduled. Parallel branch events and
 * catches have no AWS counterpart and are left out.
 */
function toHistory(
  events: readonly WorkflowEvent[],
  ctx: { resources: Map<string, { resourceType: string; resource: string }>; region: string; roleArn: string; includeData: boolean },
): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const push = (timestamp: number, type: string, details: Record<string, unknown> = {}) => {
    out.push({ id: out.length + 1, previousEventId: out.length, timestamp: timestamp / 1000, type, ...details });
  };
  const data = (value: unknown) => (ctx.includeData ? JSON.stringify(value ?? null) : undefined);
  const causeText = (cause: unknown) => (typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : JSON.stringify(cause ?? null));

  for (const event of events) {
    switch (event.type) {
      case 'ExecutionStarted':
        push(event.timestamp, 'ExecutionStarted', { executionStartedEventDetails: { input: data(event.input), inputDetails: { truncated: false }, roleArn: ctx.roleArn } });
        break;
      case 'ExecutionSucceeded':
        push(event.timestamp, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: data(event.output), outputDetails: { truncated: false } } });
        break;
      case 'ExecutionFailed':
        push(event.timestamp, 'ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } });
        break;
      case 'ExecutionAborted':
        push(event.timestamp, 'ExecutionAborted', { executionAbortedEventDetails: {} });
        break;
      case 'ExecutionTimeout':
        push(event.timestamp, 'ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        push(event.timestamp, event.type, { [`${lowerFirst(event.type)}EventDetails`]: { name: event.parentState.name, index: event.index } });
        break;
      case 'StateEntered': {
        const prefix = STATE_EVENT_PREFIX[event.state.type] ?? 'Task';
        push(event.timestamp, `${prefix}StateEntered`, { stateEnteredEventDetails: { name: event.state.name, input: data(event.state.input), inputDetails: { truncated: false } } });
        const resource = ctx.resources.get(event.state.name);
        if (event.state.type === 'Task' && resource) {
          push(event.timestamp, 'TaskScheduled', { taskScheduledEventDetails: { ...resource, region: ctx.region, parameters: data(event.state.input) ?? '{}' } });
        }
        if (event.state.type === 'Map') push(event.timestamp, 'MapStateStarted', { mapStateStartedEventDetails: { length: Array.isArray(event.state.input) ? event.state.input.length : 0 } });
        break;
      }
      case 'StateExited': {
        const prefix = STATE_EVENT_PREFIX[event.state.type] ?? 'Task';
        const resource = ctx.resources.get(event.state.name);
        if (event.state.type === 'Task' && resource) push(event.timestamp, 'TaskSucceeded', { taskSucceededEventDetails: { ...resource, output: data(event.state.output) } });
        if (event.state.type === 'Map') push(event.timestamp, 'MapStateSucceeded');
        push(event.timestamp, `${prefix}StateExited`, { stateExitedEventDetails: { name: event.state.name, output: data(event.state.output), outputDetails: { truncated: false } } });
        break;
      }
      case 'StateFailed': {
        const resource = ctx.resources.get(event.state.name);
        if (event.state.type === 'Task' && resource) push(event.timestamp, 'TaskFailed', { taskFailedEventDetails: { ...resource, error: event.Error, cause: causeText(event.Cause) } });
        else if (event.state.type === 'Map') push(event.timestamp, 'MapStateFailed');
        break;
      }
      case 'StateRetried': {
        const resource = ctx.resources.get(event.state.name);
        if (event.state.type === 'Task' && resource) {
          push(event.timestamp, 'TaskScheduled', { taskScheduledEventDetails: { ...resource, region: ctx.region, parameters: data(event.state.input) ?? '{}' } });
        }
        break;
      }
      default:
        // StateCaught and ParallelBranch*: no history event of their own in AWS.
        break;
    }
  }
  return out;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** `maxResults` (0 or absent: the default) and an opaque `nextToken` (an offset, base64 so nobody parses it). */
function pageOf(body: Body, max: number): { offset: number; maxResults: number } {
  const maxResults = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, max) : 100;
  let offset = 0;
  if (body.nextToken !== undefined) {
    const decoded = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw new ServiceError('InvalidToken', `Invalid Token: '${String(body.nextToken)}'`);
    offset = decoded;
  }
  return { offset, maxResults };
}

function tokenFor(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

function paginate<T>(items: T[], body: Body, max: number): { page: T[]; nextToken?: string } {
  const { offset, maxResults } = pageOf(body, max);
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { page, nextToken: tokenFor(next) } : { page };
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}
