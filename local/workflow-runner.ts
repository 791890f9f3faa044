/**
 * Runs statemachines/*.asl.yml — the very file `osls package` deploys — on aws-local-stepfunctions, its intrinsics
 * resolved to local names and its task states bound to local functions (docs/LOCAL.md, "The workflow runner").
 */
import '../src/polyfills.js';
import { readFileSync } from 'node:fs';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { createRequire } from 'node:module';
import { parse as parseYaml } from 'yaml';
import { type DistributedMapPlan, emulateDistributedMaps, type MapRunParameters } from './distributed-map.js';
import { runMapRun } from './map-run.js';

/** One history event of aws-local-stepfunctions (StateEntered, StateRetried, StateCaught, MapIteration*, …). */
export type WorkflowEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * What a Lambda task state runs locally: the task's input in, its JSON result out; throw to fail the task.
 * `context` gives the invocation's remaining time when the state has a Lambda timeout (WorkflowRunnerOptions.lambdaTimeouts).
 */
export type TaskFunction = (input: any, context?: TaskContext) => unknown | Promise<unknown>;

/** The part of a Lambda context the local invocation provides. */
export interface TaskContext {
  getRemainingTimeInMillis(): number;
}

/**
 * Step Functions' payload quota: 256 KiB, UTF-8, on a state's input and output and a task's result ("Step Functions
 * service quotas", quotas related to state throttling/payload size: "Maximum input or output size for a task, state,
 * or execution: 256 KiB of data as a UTF-8 encoded string"). Past it the state fails with States.DataLimitExceeded,
 * which is terminal: States.ALL does not catch it ("Handling errors in Step Functions workflows", States.ALL and
 * States.DataLimitExceeded).
 */
export const PAYLOAD_LIMIT_BYTES = 262_144;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface WorkflowRunnerOptions {
  /** The ASL file (YAML or JSON), e.g. statemachines/ingest.asl.yml. */
  definitionPath: string;
  /** Names that the file's CloudFormation intrinsics stand for. Unknown names fail loudly. */
  resolve?: {
    /** Lambda logical ID as in the file (`ValidateLambdaFunction`) → ARN; default: a local ARN named after the ID. */
    functions?: Record<string, string>;
    /** Table logical ID (`IngestionsTable`) → table name; default: the logical ID itself. */
    tables?: Record<string, string>;
    /** Any other `Ref` the file uses. */
    refs?: Record<string, string>;
    region?: string;
    accountId?: string;
    partition?: string;
  };
  /** Local function per Lambda task state, by state name (also inside Map): `{ValidateCapture, UploadPart}`. */
  tasks: Record<string, TaskFunction>;
  /** Runs the `arn:aws:states:::dynamodb:*` states. Required when the definition has any. */
  dynamodb?: DynamoDBClient;
  /**
   * Lists a Distributed Map's ItemReader objects and writes its ResultWriter files (local/distributed-map.ts).
   * Required when the definition has a Distributed Map.
   */
  s3?: S3Client;
  /**
   * Milliseconds to wait before each retry instead of the file's backoff: one number for every state with a
   * Retry (0 in tests), or per state name as aws-local-stepfunctions takes it. Unset: the file's own backoff.
   */
  retryIntervalOverrides?: number | Record<string, number | number[]>;
  /** The state machine's name, as in `$$.StateMachine.Name` and execution ARNs. Default `ingest`. */
  stateMachineName?: string;
  /**
   * The payload quota in bytes on every state's input and output and every task's input and result (default
   * {@link PAYLOAD_LIMIT_BYTES}, as AWS); past it the execution fails with States.DataLimitExceeded, uncaught.
   * `false` turns the check off.
   */
  payloadLimitBytes?: number | false;
  /**
   * The Lambda timeout (serverless.yml `timeout`, seconds) of each Lambda task state's function, by state name.
   * A local invocation past it fails as a timed-out Lambda reaches Step Functions: `Lambda.Unknown`, its cause the
   * runtime's `Sandbox.Timedout` "Task timed out after N seconds". Unset: no deadline.
   */
  lambdaTimeouts?: Record<string, number>;
  /**
   * Replaces the definition's top-level TimeoutSeconds for the executions (the deployed file keeps its own): past
   * it an execution ends TIMED_OUT, as in AWS. For tests of what a timed-out execution leaves; unset: the file's.
   */
  executionTimeoutSeconds?: number;
}

export interface WorkflowRun {
  name: string;
  executionArn: string;
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate: Date;
  /** The full event log, in order, including events of Map iterations. */
  events: WorkflowEvent[];
}

export interface WorkflowExecution {
  name: string;
  executionArn: string;
  startDate: Date;
  /** Events so far; complete once `done` settles. */
  readonly events: WorkflowEvent[];
  /** Settles when the execution ends; never rejects (a failed execution is a result, not an error). */
  done: Promise<WorkflowRun>;
  abort(): void;
}

export interface WorkflowRunner {
  /** The definition after intrinsic resolution, as handed to aws-local-stepfunctions. */
  readonly definition: StateMachineDefinition;
  readonly stateMachineArn: string;
  /** Starts an execution and returns at once (StartExecution). */
  start(name: string, input: unknown): WorkflowExecution;
  /** Starts an execution and waits for its end. */
  run(name: string, input: unknown): Promise<WorkflowRun>;
}

const DYNAMODB_INTEGRATION = /^arn:aws[a-z-]*:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;

/**
 * aws-local-stepfunctions 3.0.0 strips every backslash from States.JsonToString's result, which breaks the ingest
 * workflow's partsJson round trip for any string holding a quote; scripts/patch-local-engine.mjs (run by
 * `prepare`) fixes it. Refusing to run unpatched beats a local stack that fails where AWS does not.
 */
let enginePatched = false;
function assertEnginePatched(): void {
  // Once per process: the engine file does not change under a running process, and the tests build many runners.
  if (enginePatched) return;
  const main = createRequire(import.meta.url).resolve('aws-local-stepfunctions');
  enginePatched = readFileSync(main, 'utf8').includes('this.funcDefinition.name === "States.JsonToString" ?');
  if (!enginePatched) {
    throw new Error('the local Step Functions engine is not patched (States.JsonToString loses its escapes): run `npm run prepare` (or node scripts/patch-local-engine.mjs)');
  }
}

export function createWorkflowRunner(options: WorkflowRunnerOptions): WorkflowRunner {
  assertEnginePatched();
  const where: MachineIds = {
    region: options.resolve?.region ?? 'us-east-1',
    accountId: options.resolve?.accountId ?? '000000000000',
    partition: options.resolve?.partition ?? 'aws',
    stateMachineName: options.stateMachineName ?? 'ingest',
  };
  const stateMachineArn = `arn:${where.partition}:states:${where.region}:${where.accountId}:stateMachine:${where.stateMachineName}`;
  const definition = loadDefinition(options, where);

  // The engine runs a copy: `definition` stays the file as deployed (DescribeStateMachine answers with it).
  // A JSON copy, not structuredClone: under jest the latter builds objects of another realm, whose prototype the
  // engine's plain-object test rejects, and it would then pass Parameters through unevaluated.
  const engineDefinition = structuredJson(definition) as StateMachineDefinition;
  const retryCountFields = emulateRetryCount(engineDefinition, options.definitionPath);
  if (options.executionTimeoutSeconds !== undefined) engineDefinition.TimeoutSeconds = options.executionTimeoutSeconds;
  // After emulateRetryCount, so that a child's Task states carry its placeholders too.
  const distributedMaps = emulateDistributedMaps(engineDefinition as never, options.definitionPath);
  if (distributedMaps.length > 0 && !options.s3) {
    throw new Error(`${options.definitionPath} has a Distributed Map (${distributedMaps[0]!.stateName}): pass an S3 client (options.s3)`);
  }
  const handlers = bindTaskStates(definition, options);
  const retryIntervalOverrides =
    typeof options.retryIntervalOverrides === 'number'
      ? Object.fromEntries(statesWithRetry(definition).map((name) => [name, options.retryIntervalOverrides as number]))
      : options.retryIntervalOverrides;

  // Validation runs once here (asl-validator); the resolved ARNs are local ones, so ARN checks stay on.
  const machine = new StateMachine(engineDefinition);
  const payloadLimitBytes = options.payloadLimitBytes ?? PAYLOAD_LIMIT_BYTES;
  const shared = { handlers, retryCountFields, retryIntervalOverrides, payloadLimitBytes };
  const mapRuns = distributedMaps.map((plan) => mapRunContext(plan, where, shared, options.s3!));
  const run: RunContext = { machine, ids: where, stateMachineArn, ...shared, mapRuns };
  const start = (name: string, input: unknown): WorkflowExecution => startExecution(run, name, input);
  return {
    definition,
    stateMachineArn,
    start,
    run: (name, input) => start(name, input).done,
  };
}

/** Where the machine lives: what its ARNs and the file's pseudo parameters are made of. */
interface MachineIds {
  region: string;
  accountId: string;
  partition: string;
  stateMachineName: string;
}

/** What every execution of one runner shares. */
interface RunContext {
  machine: StateMachine;
  ids: MachineIds;
  stateMachineArn: string;
  handlers: Record<string, (input: any) => Promise<any>>;
  retryCountFields: Map<string, string[][]>;
  retryIntervalOverrides: Record<string, number | number[]> | undefined;
  payloadLimitBytes: number | false;
  /** The Distributed Map states the engine runs as Map Run tasks (empty for most machines). */
  mapRuns: MapRunContext[];
}

/** One Distributed Map state: its plan, and the children's machine (the ItemProcessor on the engine). */
interface MapRunContext {
  plan: DistributedMapPlan;
  child: RunContext;
  s3: S3Client;
}

/**
 * The children of a Distributed Map are executions of their own: their machine is the ItemProcessor, named
 * `<machine>/<label>` as AWS names them (`execution:<machine>/<label>:<name>`), with the same task functions,
 * retry interval overrides and payload limit as the parent.
 */
function mapRunContext(plan: DistributedMapPlan, ids: MachineIds, shared: Omit<RunContext, 'machine' | 'ids' | 'stateMachineArn' | 'mapRuns'>, s3: S3Client): MapRunContext {
  const childIds = { ...ids, stateMachineName: `${ids.stateMachineName}/${plan.label}` };
  const child: RunContext = {
    machine: new StateMachine(plan.child as StateMachineDefinition),
    ids: childIds,
    stateMachineArn: `arn:${ids.partition}:states:${ids.region}:${ids.accountId}:stateMachine:${childIds.stateMachineName}`,
    ...shared,
    mapRuns: [],
  };
  return { plan, child, s3 };
}

/** The Map Run task of each Distributed Map state, for one parent execution (stopped with it). */
function mapRunHandlers(ctx: RunContext, signal: AbortSignal): Record<string, (input: any) => Promise<any>> {
  const { partition, region, accountId, stateMachineName } = ctx.ids;
  return Object.fromEntries(
    ctx.mapRuns.map(({ plan, child, s3 }) => [
      plan.stateName,
      (params: MapRunParameters) =>
        runMapRun(plan, params, {
          s3,
          startChild: (name, input) => startExecution(child, name, input),
          mapRunArnPrefix: `arn:${partition}:states:${region}:${accountId}:mapRun:${stateMachineName}/${plan.label}:`,
          childStateMachineArn: child.stateMachineArn,
          signal,
        }),
    ]),
  );
}

/** The definition file with its CloudFormation intrinsics resolved to local names. */
function loadDefinition(options: WorkflowRunnerOptions, ids: MachineIds): StateMachineDefinition {
  const { region, accountId, partition } = ids;
  const raw = parseYaml(readFileSync(options.definitionPath, 'utf8')) as unknown;
  return resolveIntrinsics(raw, {
    functionArn: (id) =>
      options.resolve?.functions?.[id] ?? `arn:${partition}:lambda:${region}:${accountId}:function:${id}`,
    ref: (id) => {
      const pseudo: Record<string, string> = {
        'AWS::Region': region,
        'AWS::AccountId': accountId,
        'AWS::Partition': partition,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      const value = pseudo[id] ?? options.resolve?.tables?.[id] ?? options.resolve?.refs?.[id];
      if (value !== undefined) return value;
      // A table nobody named keeps its logical ID as its name, so a test needs no mapping for the common case.
      if (/Table$/.test(id)) return id;
      throw new Error(`${options.definitionPath}: no local value for { Ref: ${id} } (pass resolve.refs or resolve.tables)`);
    },
    tableArn: (id) => {
      const name = options.resolve?.tables?.[id] ?? id;
      return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
    },
  }) as StateMachineDefinition;
}

function startExecution(ctx: RunContext, name: string, input: unknown): WorkflowExecution {
  const { partition, region, accountId, stateMachineName } = ctx.ids;
  const executionArn = `arn:${partition}:states:${region}:${accountId}:execution:${stateMachineName}:${name}`;
  const startDate = new Date();
  const events: WorkflowEvent[] = [];
  // Stops what runs beside the engine (a Distributed Map's children) when the execution is stopped.
  const stopped = new AbortController();
  const stop = () => {
    stopped.abort();
    execution?.abort();
  };
  const guard = new PayloadGuard(ctx.payloadLimitBytes, stop);
  const handlers = ctx.mapRuns.length > 0 ? { ...ctx.handlers, ...mapRunHandlers(ctx, stopped.signal) } : ctx.handlers;
  const mapStates = new Set(ctx.mapRuns.map((m) => m.plan.stateName));
  // `let`, cleared at the end: the endpoint keeps every execution for the life of the process, and the engine's
  // execution object (its whole context) is needed only while it runs.
  let execution: ReturnType<StateMachine['run']> | undefined = ctx.machine.run(input as never, {
    // Retry counts are per execution: a fresh counter for each run.
    overrides: {
      taskResourceLocalHandlers: withRetryCounts(guard.wrap(handlers), ctx.retryCountFields),
      retryIntervalOverrides: ctx.retryIntervalOverrides,
    },
    context: {
      Execution: { Id: executionArn, Name: name, RoleArn: `arn:${partition}:iam::${accountId}:role/local` },
      StateMachine: { Id: ctx.stateMachineArn, Name: stateMachineName },
      // The engine keeps one context for the whole execution; a getter gives each state the time it reads it,
      // as `$$.State.EnteredTime` does in AWS (an updatedAt written after the uploads is later than the start).
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    },
  });
  // Passed as arguments, not captured: the closures below must not keep `execution` alive once it is cleared.
  const collected = (async (eventLogs: AsyncGenerator<WorkflowEvent>) => {
    for await (const event of eventLogs) {
      // A Distributed Map runs as a Task on the engine; its events say Map, as the definition does.
      const state = (event as { state?: { name?: string; type?: string } }).state;
      if (state?.type === 'Task' && mapStates.has(state.name ?? '')) state.type = 'Map';
      events.push(event);
      guard.check(event);
    }
  })(execution.eventLogs);
  const done = (async (result: Promise<unknown>): Promise<WorkflowRun> => {
    let ending: Pick<WorkflowRun, 'status' | 'output' | 'error' | 'cause'>;
    try {
      ending = { status: 'SUCCEEDED', output: await result };
    } catch (err) {
      ending = describeEnding(err);
    }
    await collected;
    execution = undefined;
    // An oversized state fails the execution whatever the engine did next (it was aborted, or it ended first).
    if (guard.exceeded) ending = { status: 'FAILED', ...guard.exceeded };
    // One literal, not spreads: V8 gave every spread-built run a hidden class of its own (~200 bytes each, for
    // every execution the endpoint keeps whole).
    const { status, output, error, cause } = ending;
    return { name, executionArn, input, startDate, events, status, output, error, cause, stopDate: new Date() };
  })(execution.result);
  return { name, executionArn, startDate, events, done, abort: stop };
}

function describeEnding(err: unknown): Pick<WorkflowRun, 'status' | 'error' | 'cause'> {
  if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', cause: err.message };
  if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (err instanceof ExecutionError && err.cause instanceof Error) {
    // A Fail state's Error/Cause, or the name and message of the error nothing caught.
    return { status: 'FAILED', error: err.cause.name, cause: err.cause.message };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { status: 'FAILED', error: e.name, cause: e.message };
}

/** Binds every Task state to a local function, so that nothing ever calls a real AWS Lambda by accident. */
function bindTaskStates(definition: StateMachineDefinition, options: WorkflowRunnerOptions) {
  const handlers: Record<string, (input: any) => Promise<any>> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const integration = DYNAMODB_INTEGRATION.exec(resource);
    if (integration) {
      const client = options.dynamodb;
      if (!client) throw new Error(`state ${name} calls ${resource}: pass a DynamoDB client (options.dynamodb)`);
      handlers[name] = (params) => callDynamoDb(client, integration[1]!, params);
    } else if (/^arn:aws[a-z-]*:lambda:/.test(resource)) {
      const fn = options.tasks[name];
      if (!fn) throw new Error(`state ${name} invokes ${resource}: pass a local function as tasks.${name}`);
      const timeoutSeconds = options.lambdaTimeouts?.[name];
      handlers[name] = (input) => invokeAsLambda(fn, input, timeoutSeconds);
    } else {
      throw new Error(`state ${name}: the local runner cannot run resource ${resource}`);
    }
  }
  const unknown = Object.keys(options.tasks).filter((name) => !(name in handlers));
  if (unknown.length) throw new Error(`tasks given for states the definition does not have: ${unknown.join(', ')}`);
  return handlers;
}

/**
 * Calls a task function the way Step Functions calls a Lambda: JSON in, JSON out; a thrown error fails the task
 * with the error's `name` (what Retry/Catch match) and, as the cause, the Lambda runtime's error document.
 * With a timeout, the function gets a context whose remaining time runs out then (middy's early TimeoutError
 * fires first, as in AWS), and an invocation still running at the deadline fails as Lambda reports a timeout.
 */
async function invokeAsLambda(fn: TaskFunction, input: unknown, timeoutSeconds?: number): Promise<unknown> {
  const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;
  const context = deadline === undefined ? undefined : { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
  let timer: NodeJS.Timeout | undefined;
  try {
    const call = Promise.resolve(fn(structuredJson(input), context));
    const result = await (timeoutSeconds === undefined
      ? call
      : Promise.race([call, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(lambdaTimedOut(timeoutSeconds)), timeoutSeconds * 1000)))]));
    return result === undefined ? null : structuredJson(result);
  } catch (err) {
    if (err instanceof LambdaTimeout) throw err.failure;
    const e = err instanceof Error ? err : new Error(String(err));
    const name = e.name || 'Error';
    const failure = new Error(
      JSON.stringify({ errorType: name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }),
    );
    failure.name = name;
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}

class LambdaTimeout {
  constructor(readonly failure: Error) {}
}

/**
 * A Lambda that runs out of time is killed by the runtime; Step Functions reports the unhandled error as
 * `Lambda.Unknown` (Step Functions Developer Guide, best practices, "Handle transient Lambda service exceptions":
 * unhandled errors, "out-of-memory errors and function timeouts", are reported as Lambda.Unknown), the runtime's
 * error type being `Sandbox.Timedout` with "Task timed out after N seconds" (Lambda Developer Guide,
 * "Troubleshoot invocation issues", Sandbox.Timedout). Locally the function cannot be killed: it runs on, its
 * answer ignored, as a Lambda's would be lost.
 */
function lambdaTimedOut(timeoutSeconds: number): LambdaTimeout {
  const failure = new Error(
    JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: local Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }),
  );
  failure.name = 'Lambda.Unknown';
  return new LambdaTimeout(failure);
}

/**
 * Enforces {@link PAYLOAD_LIMIT_BYTES} on one execution. aws-local-stepfunctions 3.0.0 has no payload limit and
 * no hook between states, so: every task's input (after Parameters) and result is measured in the task wrapper,
 * and every state's output as its StateExited event arrives in the event log. An oversized one records
 * States.DataLimitExceeded and aborts the engine; the execution then ends FAILED with it, whatever Catch the
 * state has. Every task first yields a macrotask, so the events of the states before it have been measured: no
 * task (no side effect) runs after an oversized state, as none would in AWS.
 */
class PayloadGuard {
  exceeded: { error: string; cause: string } | undefined;

  constructor(
    private readonly limit: number | false,
    private readonly abort: () => void,
  ) {}

  /** Measures a StateExited event's output (the next state's input). */
  check(event: WorkflowEvent): void {
    if (this.limit === false || this.exceeded || event.type !== 'StateExited') return;
    const exited = event as { state?: { name?: string; output?: unknown } };
    this.measure(`state '${exited.state?.name}' output`, exited.state?.output);
  }

  wrap(handlers: Record<string, (input: any) => Promise<any>>): Record<string, (input: any) => Promise<any>> {
    if (this.limit === false) return handlers;
    return Object.fromEntries(
      Object.entries(handlers).map(([name, call]) => [
        name,
        async (input: unknown) => {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.exceeded || this.measure(`task '${name}' input`, input)) return never();
          const result = await call(input);
          if (this.exceeded || this.measure(`task '${name}' result`, result)) return never();
          return result;
        },
      ]),
    );
  }

  /** True (and the execution aborted) when `value` is over the limit. */
  private measure(what: string, value: unknown): boolean {
    if (this.limit === false || value === undefined) return false;
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes <= this.limit) return false;
    this.exceeded = {
      error: 'States.DataLimitExceeded',
      cause: `The ${what} has a size of ${bytes} bytes, exceeding the maximum of ${this.limit} bytes (256 KiB) for a state's input or output.`,
    };
    this.abort();
    return true;
  }
}

/**
 * The task of an aborted execution fails at once. It must not hang: the engine clears its execution timer (the
 * definition's TimeoutSeconds, half a day) only when its state loop unwinds, so a task that never answered kept a
 * timer, and the process, alive. Nothing runs after it: the loop checks the abort before the next state, so the
 * Catch's target (RecordFailed) is never entered, as with AWS's uncatchable States.DataLimitExceeded.
 */
function never(): Promise<never> {
  const error = new Error('the execution was stopped: a state went over the 256 KiB payload quota');
  error.name = 'States.DataLimitExceeded';
  return Promise.reject(error);
}

const RETRY_COUNT = '$$.State.RetryCount';

/**
 * aws-local-stepfunctions 3.0.0 has no `$$.State.RetryCount` (its context object holds Execution, StateMachine and,
 * inside a Map's ItemSelector, Map; the `State` this runner adds carries EnteredTime only), and a path to a
 * missing value fails the state. In AWS it is the number of retries of the state so far, and Parameters are
 * evaluated again for each attempt. Each Task state's Parameters entry `x.$: $$.State.RetryCount` is replaced here
 * by a placeholder `x: 0`, and `withRetryCounts` writes the real count into it when the task is called.
 * Any other use of the path (inside an intrinsic, in a Choice or a ResultSelector) is refused at load time rather
 * than silently given a wrong value. Mutates `definition`: pass the copy the engine runs.
 */
function emulateRetryCount(definition: StateMachineDefinition, definitionPath: string): Map<string, string[][]> {
  const fields = new Map<string, string[][]>();
  const visit = (params: Record<string, unknown>, at: string[], found: string[][]): void => {
    for (const [key, value] of Object.entries(params)) {
      if (key.endsWith('.$') && value === RETRY_COUNT) {
        delete params[key];
        params[key.slice(0, -2)] = 0;
        found.push([...at, key.slice(0, -2)]);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        visit(value as Record<string, unknown>, [...at, key], found);
      }
    }
  };
  for (const [name, state] of allStates(definition)) {
    const params = (state as { Parameters?: unknown }).Parameters;
    if (state.Type !== 'Task' || params === null || typeof params !== 'object' || Array.isArray(params)) continue;
    const found: string[][] = [];
    visit(params as Record<string, unknown>, [], found);
    if (found.length > 0) fields.set(name, found);
  }
  if (JSON.stringify(definition).includes(RETRY_COUNT)) {
    throw new Error(
      `${definitionPath}: the local runner provides ${RETRY_COUNT} only as a whole value in a Task state's Parameters ` +
        '(aws-local-stepfunctions 3.0.0 has no State.RetryCount).',
    );
  }
  return fields;
}

/**
 * Wraps the Task states that take `$$.State.RetryCount`: the engine calls a task's local function once per attempt,
 * with the same resolved Parameters each time (the placeholder keeps them equal), so within one execution the
 * calls seen so far with that input are the retries so far. The count restarts after a success, so a state
 * entered again later (a loop) starts at 0. Limits, none of which the ingest workflow meets: two Map items with
 * identical input share one count, and a state whose failure was caught, entered again with the same input, goes
 * on counting.
 */
function withRetryCounts(
  handlers: Record<string, (input: any) => Promise<any>>,
  fields: Map<string, string[][]>,
): Record<string, (input: any) => Promise<any>> {
  if (fields.size === 0) return handlers;
  const wrapped = { ...handlers };
  for (const [name, paths] of fields) {
    const call = handlers[name];
    if (!call) continue;
    const attempts = new Map<string, number>();
    wrapped[name] = async (input: unknown) => {
      const key = JSON.stringify(input);
      const retryCount = attempts.get(key) ?? 0;
      attempts.set(key, retryCount + 1);
      const payload = structuredJson(input) as Record<string, unknown>;
      for (const path of paths) {
        let at = payload;
        for (const step of path.slice(0, -1)) at = at[step] as Record<string, unknown>;
        at[path.at(-1)!] = retryCount;
      }
      const result = await call(payload);
      // Only if no later attempt started meanwhile (the engine's TimeoutSeconds lets a slow attempt finish after
      // its retry began): that retry's count must stand.
      if (attempts.get(key) === retryCount + 1) attempts.delete(key);
      return result;
    };
  }
  return wrapped;
}

/** The service integration: same Parameters as the API, errors named `DynamoDB.<Exception>` as Step Functions names them. */
async function callDynamoDb(client: DynamoDBClient, action: string, params: any): Promise<unknown> {
  const command =
    action === 'putItem'
      ? new PutItemCommand(params)
      : action === 'getItem'
        ? new GetItemCommand(params)
        : action === 'updateItem'
          ? new UpdateItemCommand(params)
          : new DeleteItemCommand(params);
  try {
    const { $metadata: _metadata, ...result } = (await client.send(command as never)) as unknown as Record<string, unknown>;
    return structuredJson(result);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const failure = new Error(e.message);
    failure.name = `DynamoDB.${e.name}`;
    throw failure;
  }
}

function structuredJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

type AnyState = { Type: string; Resource?: unknown; Retry?: unknown[]; ItemProcessor?: StateMachineDefinition; Iterator?: StateMachineDefinition; Branches?: StateMachineDefinition[] };

/** Every state with its name, including those of Map iterators and Parallel branches. */
function* allStates(definition: { States: Record<string, unknown> }): Generator<[string, AnyState]> {
  for (const [name, value] of Object.entries(definition.States)) {
    const state = value as AnyState;
    yield [name, state];
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) yield* allStates(nested);
    for (const branch of state.Branches ?? []) yield* allStates(branch);
  }
}

function statesWithRetry(definition: StateMachineDefinition): string[] {
  return [...allStates(definition)].filter(([, state]) => Array.isArray(state.Retry)).map(([name]) => name);
}

interface Resolvers {
  functionArn(logicalId: string): string;
  tableArn(logicalId: string): string;
  ref(logicalId: string): string;
}

/** Replaces the CloudFormation intrinsics a state machine definition may hold with plain strings. */
export function resolveIntrinsics(value: unknown, resolvers: Resolvers): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, resolvers));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    if (key === 'Ref') return resolvers.ref(String(arg));
    if (key === 'Fn::GetAtt') return getAtt(arg, resolvers);
    if (key === 'Fn::Sub') return sub(arg, resolvers);
    if (key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => String(resolveIntrinsics(part, resolvers))).join(separator);
    }
    if (key.startsWith('Fn::')) throw new Error(`the local runner does not resolve ${key}`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, resolvers)]));
}

function getAtt(arg: unknown, resolvers: Resolvers): string {
  const [logicalId, attribute] = typeof arg === 'string' ? (arg.split('.') as [string, string]) : (arg as [string, string]);
  if (attribute !== 'Arn') throw new Error(`the local runner resolves only Fn::GetAtt ${logicalId}.Arn, not .${attribute}`);
  if (/LambdaFunction$/.test(logicalId)) return resolvers.functionArn(logicalId);
  if (/Table$/.test(logicalId)) return resolvers.tableArn(logicalId);
  throw new Error(`the local runner cannot resolve Fn::GetAtt ${logicalId}.Arn`);
}

function sub(arg: unknown, resolvers: Resolvers): string {
  const [template, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
  return template.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal} is CloudFormation's escape
    if (name in variables) return String(resolveIntrinsics(variables[name], resolvers));
    const [logicalId, attribute] = name.split('.');
    return attribute ? getAtt([logicalId, attribute], resolvers) : resolvers.ref(name);
  });
}
