/** Step Functions history events: the engine's event log in the API's shape, or the start and end of a trimmed one. */
import type { WorkflowEvent } from '../workflow-runner.js';
import type { Summary } from './execution-store.js';

/** Task state name → how AWS names its resource in history events (`lambda`/`invoke`, `dynamodb`/`putItem`). */
export type TaskResources = Map<string, { resourceType: string; resource: string }>;

/** The start and end of an execution whose full history was dropped (historyLimit). */
export function trimmedHistory(e: Summary, options: { roleArn: string; includeData: boolean }): HistoryEvent[] {
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
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export type DefinitionLike = { States: Record<string, { Type: string; Resource?: unknown; ItemProcessor?: DefinitionLike; Iterator?: DefinitionLike; Branches?: DefinitionLike[] }> };

/** Task state name → how AWS names its resource in history events (`lambda`/`invoke`, `dynamodb`/`putItem`). */
export function taskResources(definition: DefinitionLike): TaskResources {
  const out: TaskResources = new Map();
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
export function toHistory(events: readonly WorkflowEvent[], ctx: HistoryContext): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const push: Push = (timestamp, type, details = {}) => {
    out.push({ id: out.length + 1, previousEventId: out.length, timestamp: timestamp / 1000, type, ...details });
  };
  const data = (value: unknown) => (ctx.includeData ? JSON.stringify(value ?? null) : undefined);
  for (const event of events) {
    if (!pushExecutionEvent(event, push, data, ctx)) pushStateEvent(event, push, data, ctx);
  }
  return out;
}

export interface HistoryContext {
  resources: TaskResources;
  region: string;
  roleArn: string;
  includeData: boolean;
}

type Push = (timestamp: number, type: string, details?: Record<string, unknown>) => void;
type Data = (value: unknown) => string | undefined;

const causeText = (cause: unknown) => (typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : JSON.stringify(cause ?? null));

/** The execution's own events and Map iterations; false for a state's event. */
function pushExecutionEvent(event: WorkflowEvent, push: Push, data: Data, ctx: HistoryContext): boolean {
  switch (event.type) {
    case 'ExecutionStarted':
      push(event.timestamp, 'ExecutionStarted', { executionStartedEventDetails: { input: data(event.input), inputDetails: { truncated: false }, roleArn: ctx.roleArn } });
      return true;
    case 'ExecutionSucceeded':
      push(event.timestamp, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: data(event.output), outputDetails: { truncated: false } } });
      return true;
    case 'ExecutionFailed':
      push(event.timestamp, 'ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } });
      return true;
    case 'ExecutionAborted':
      push(event.timestamp, 'ExecutionAborted', { executionAbortedEventDetails: {} });
      return true;
    case 'ExecutionTimeout':
      push(event.timestamp, 'ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
      return true;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      push(event.timestamp, event.type, { [`${lowerFirst(event.type)}EventDetails`]: { name: event.parentState.name, index: event.index } });
      return true;
    default:
      return false;
  }
}

/** A state entered, exited, failed or retried, with the Task and Map events AWS adds around them. */
function pushStateEvent(event: WorkflowEvent, push: Push, data: Data, ctx: HistoryContext): void {
  switch (event.type) {
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

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
