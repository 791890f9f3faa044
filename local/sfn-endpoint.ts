/**
 * A Step Functions endpoint (JSON 1.0 protocol) in front of the local workflow runner, so that the router's real
 * SFNClient and the AWS CLI (`aws stepfunctions … --endpoint-url`) work against the local stack unchanged.
 *
 * Protocol: `POST /`, `X-Amz-Target: AWSStepFunctions.<Action>`, `Content-Type: application/x-amz-json-1.0`,
 * JSON bodies, dates as epoch seconds; an error is HTTP 400 with `{"__type": "<Name>", "message": "…"}`, which
 * the SDK turns into the named exception class.
 *
 * Actions: ListStateMachines, DescribeStateMachine, StartExecution, DescribeExecution, ListExecutions,
 * GetExecutionHistory, StopExecution. One state machine (the runner's), Standard semantics. Executions live in
 * memory for the life of the process: a restart forgets them, so a re-put after a restart starts a new execution
 * where AWS (90-day name reuse window) would answer ExecutionAlreadyExists.
 */
import { randomUUID } from 'node:crypto';
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
   * How many finished executions keep their full event history (default 1,000). Older ones keep their name,
   * status, input and output (idempotency and DescribeExecution are unchanged) but their history shrinks to its
   * start and end events: a long local backfill must not grow the process by ~7 KB per file forever.
   */
  historyLimit?: number;
}

/** One execution as the endpoint keeps it. */
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
  /** Set once the full history was dropped (see SfnEndpointOptions.historyLimit). */
  historyTrimmed?: boolean;
  /** The output as JSON text, once the parsed output was dropped with the history. */
  outputJson?: string;
}

export interface SfnEndpoint {
  /** `http://127.0.0.1:{port}`: the value of AWS_ENDPOINT_URL_SFN. */
  url: string;
  port: number;
  /** Every execution started, oldest first. */
  executions(): EndpointExecution[];
  /** Resolves when no execution is running (including any started while waiting). */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}

// The characters Step Functions refuses in names: whitespace, brackets, wildcards, these specials, controls.
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const MAX_INPUT_BYTES = 256 * 1024;
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

  const byArn = new Map<string, EndpointExecution>();
  const order: EndpointExecution[] = [];
  const historyLimit = options.historyLimit ?? 1000;
  const finished: EndpointExecution[] = [];
  const trimOldHistories = (): void => {
    while (finished.length > historyLimit) {
      const old = finished.shift()!;
      old.historyTrimmed = true;
      (old.handle.events as WorkflowEvent[]).length = 0;
      const run = old.run;
      if (run) {
        // Keep what DescribeExecution answers (status, dates, output, error); drop the engine's objects.
        old.outputJson = JSON.stringify(run.output ?? null);
        old.run = { ...run, input: undefined, output: undefined, events: [] };
        old.handle = { name: old.name, executionArn: old.executionArn, startDate: old.startDate, events: [], done: Promise.resolve(old.run), abort: () => undefined };
      }
    }
  };

  const requireMachine = (body: Body): void => {
    const arn = body.stateMachineArn;
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:states:/.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    if (arn !== stateMachineArn) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };
  const requireExecution = (body: Body): EndpointExecution => {
    const arn = body.executionArn;
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:states:/.test(arn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const execution = byArn.get(arn);
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
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
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = byArn.get(executionArn);
      if (existing) {
        // Standard workflows: StartExecution is idempotent while the execution runs with the same input (200 with
        // the original answer); once it has closed, or with a different input, the name is taken.
        if (existing.status === 'RUNNING' && existing.input === input) {
          return { executionArn, startDate: seconds(existing.startDate) };
        }
        throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const handle = runner.start(name, JSON.parse(input));
      const execution: EndpointExecution = { executionArn: handle.executionArn, name, input, startDate: handle.startDate, status: 'RUNNING', handle };
      // The runner derives the ARN the same way; keying by the runner's value keeps both in agreement.
      byArn.set(execution.executionArn, execution);
      order.push(execution);
      void handle.done.then((run) => {
        execution.run = run;
        // A stop may lose the race against the last step; the API has already answered ABORTED, so it stays so.
        execution.status = execution.stopped ? 'ABORTED' : run.status;
        finished.push(execution);
        trimOldHistories();
      });
      return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
    },

    DescribeExecution: (body) => {
      const e = requireExecution(body);
      const out: Body = {
        executionArn: e.executionArn,
        stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        input: e.input,
        inputDetails: { included: true },
      };
      const stopDate = e.stopped?.stopDate ?? e.run?.stopDate;
      if (e.status !== 'RUNNING' && stopDate) out.stopDate = seconds(stopDate);
      if (e.run?.status === 'SUCCEEDED') {
        out.output = e.outputJson ?? JSON.stringify(e.run.output ?? null);
        out.outputDetails = { included: true };
      }
      const error = e.stopped?.error ?? e.run?.error;
      const cause = e.stopped?.cause ?? e.run?.cause;
      if (e.status !== 'RUNNING' && e.status !== 'SUCCEEDED') {
        if (error !== undefined) out.error = error;
        if (cause !== undefined) out.cause = cause;
      }
      return out;
    },

    ListExecutions: (body) => {
      requireMachine(body);
      const filter = body.statusFilter;
      if (filter !== undefined && !STATUSES.includes(filter as ExecutionStatus)) {
        throw new ServiceError('ValidationException', `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint`);
      }
      // Newest first, as Step Functions lists them; ties (same millisecond) keep the later start first.
      const matching = order.filter((e) => filter === undefined || e.status === filter).reverse();
      const { page, nextToken } = paginate(matching, body, 1000);
      return {
        executions: page.map((e) => {
          const stopDate = e.stopped?.stopDate ?? e.run?.stopDate;
          return {
            executionArn: e.executionArn,
            stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: seconds(e.startDate),
            ...(e.status !== 'RUNNING' && stopDate ? { stopDate: seconds(stopDate) } : {}),
          };
        }),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    GetExecutionHistory: (body) => {
      const e = requireExecution(body);
      const includeData = body.includeExecutionData !== false;
      // `events` is filled as the execution goes, so a running execution shows its history so far, as in AWS.
      let history = e.historyTrimmed ? trimmedHistory(e, { roleArn, includeData }) : toHistory(e.handle.events, { resources, region, roleArn, includeData });
      if (e.stopped && !history.some((h) => h.type === 'ExecutionAborted')) {
        history.push({ id: history.length + 1, previousEventId: history.length, timestamp: seconds(e.stopped.stopDate), type: 'ExecutionAborted', executionAbortedEventDetails: { error: e.stopped.error, cause: e.stopped.cause } });
      }
      if (body.reverseOrder === true) history = history.reverse();
      const { page, nextToken } = paginate(history, body, 1000);
      return { events: page, ...(nextToken ? { nextToken } : {}) };
    },

    StopExecution: (body) => {
      const e = requireExecution(body);
      if (e.status === 'RUNNING') {
        e.stopped = {
          stopDate: new Date(),
          ...(typeof body.error === 'string' ? { error: body.error } : {}),
          ...(typeof body.cause === 'string' ? { cause: body.cause } : {}),
        };
        // Reported ABORTED at once, as AWS does; the engine stops at its next step.
        e.status = 'ABORTED';
        e.handle.abort();
      }
      return { stopDate: seconds(e.stopped?.stopDate ?? e.run?.stopDate ?? new Date()) };
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

  const waitForIdle = async (): Promise<void> => {
    // Loop: an execution may start while earlier ones are awaited.
    for (;;) {
      const running = order.filter((e) => e.status === 'RUNNING' || !e.run);
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.handle.done));
      // Let the `.then` that records each run's status go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    executions: () => [...order],
    waitForIdle,
    async close() {
      for (const e of order) if (e.status === 'RUNNING') e.handle.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** The start and end of an execution whose full history was dropped (historyLimit). */
function trimmedHistory(e: EndpointExecution, options: { roleArn: string; includeData: boolean }): HistoryEvent[] {
  const started: HistoryEvent = {
    id: 1,
    previousEventId: 0,
    timestamp: seconds(e.startDate),
    type: 'ExecutionStarted',
    executionStartedEventDetails: { ...(options.includeData ? { input: e.input } : {}), roleArn: options.roleArn },
  };
  const run = e.run;
  if (!run) return [started];
  const end = { id: 2, previousEventId: 1, timestamp: seconds(run.stopDate) };
  switch (e.status) {
    case 'SUCCEEDED':
      return [started, { ...end, type: 'ExecutionSucceeded', executionSucceededEventDetails: options.includeData ? { output: e.outputJson ?? JSON.stringify(run.output ?? null) } : {} }];
    case 'TIMED_OUT':
      return [started, { ...end, type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: run.error, cause: run.cause } }];
    case 'ABORTED':
      return [started, { ...end, type: 'ExecutionAborted', executionAbortedEventDetails: { error: e.stopped?.error, cause: e.stopped?.cause } }];
    default:
      return [started, { ...end, type: 'ExecutionFailed', executionFailedEventDetails: { error: run.error, cause: run.cause } }];
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
function paginate<T>(items: T[], body: Body, max: number): { page: T[]; nextToken?: string } {
  const maxResults = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, max) : 100;
  let offset = 0;
  if (body.nextToken !== undefined) {
    const decoded = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw new ServiceError('InvalidToken', `Invalid Token: '${String(body.nextToken)}'`);
    offset = decoded;
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}
