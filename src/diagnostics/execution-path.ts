/**
 * What an execution did, read from its Step Functions history: the states it entered in order, every failed
 * attempt of a task (retried or not) with its error, and how it ended. Pure: takes history events in the shape of
 * GetExecutionHistory (AWS or the local endpoint), shared by `capture-router executions show` and the console.
 */

/** The fields of a GetExecutionHistory event this module reads. */
export interface HistoryEventLike {
  id: number;
  previousEventId?: number;
  timestamp?: Date | number | string;
  type?: string;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string };
  taskFailedEventDetails?: { error?: string; cause?: string };
  taskTimedOutEventDetails?: { error?: string; cause?: string };
  lambdaFunctionFailedEventDetails?: { error?: string; cause?: string };
  lambdaFunctionTimedOutEventDetails?: { error?: string; cause?: string };
  executionFailedEventDetails?: { error?: string; cause?: string };
  executionTimedOutEventDetails?: { error?: string; cause?: string };
}

export interface StateVisit {
  name: string;
  enteredAt?: string;
  exitedAt?: string;
  /** false when the state was entered but never exited (failed, caught, or still running). */
  exited: boolean;
}

export interface FailedAttempt {
  state: string;
  /** 1-based attempt of that state entry. */
  attempt: number;
  error: string;
  /** The cause as the task reported it; for a Lambda error, its `errorMessage`. */
  cause?: string;
  at?: string;
  /** true when the workflow's Retry tried again after it; false when this failure ended the state (caught or fatal). */
  retried: boolean;
}

export interface ExecutionPath {
  /** States in the order entered (a Map's inner states once per iteration). */
  states: StateVisit[];
  /** Distinct names of the states entered, for drawing the graph. */
  visited: string[];
  failures: FailedAttempt[];
  /** How the execution ended when it failed or timed out. */
  end?: { error: string; cause?: string };
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const FAILED: Record<string, keyof HistoryEventLike> = {
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  LambdaFunctionStartFailed: 'lambdaFunctionFailedEventDetails',
};

/**
 * @example
 * executionPath([
 *   { id: 1, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'UploadPart' } },
 *   { id: 2, previousEventId: 1, type: 'TaskScheduled' },
 *   { id: 3, previousEventId: 2, type: 'TaskFailed', taskFailedEventDetails: { error: 'ArthurUnavailableError' } },
 *   { id: 4, previousEventId: 3, type: 'TaskScheduled' },
 *   { id: 5, previousEventId: 4, type: 'TaskSucceeded' },
 *   { id: 6, previousEventId: 5, type: 'TaskStateExited', stateExitedEventDetails: { name: 'UploadPart' } },
 * ]).failures // [{ state: 'UploadPart', attempt: 1, error: 'ArthurUnavailableError', retried: true }]
 */
export function executionPath(events: readonly HistoryEventLike[]): ExecutionPath {
  const byId = new Map(events.map((e) => [e.id, e]));
  const states: StateVisit[] = [];
  const visitOf = new Map<number, StateVisit>();
  /** The StateEntered event an event descends from: previousEventId links a task's events to its state. */
  const entryOf = (event: HistoryEventLike): HistoryEventLike | undefined => {
    let cursor: HistoryEventLike | undefined = event;
    for (let hops = 0; cursor && hops < 10_000; hops++) {
      if (cursor !== event && cursor.type?.endsWith('StateEntered')) return cursor;
      cursor = cursor.previousEventId ? byId.get(cursor.previousEventId) : undefined;
    }
    return undefined;
  };

  const scheduled = new Map<number, number>();
  const failedByEntry = new Map<number, Array<{ event: HistoryEventLike; error: string; cause?: string }>>();
  let end: ExecutionPath['end'];

  for (const event of events) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
      const visit: StateVisit = { name: event.stateEnteredEventDetails.name, enteredAt: iso(event.timestamp), exited: false };
      states.push(visit);
      visitOf.set(event.id, visit);
    } else if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
      const name = event.stateExitedEventDetails.name;
      const open = [...states].reverse().find((s) => s.name === name && !s.exited);
      if (open) {
        open.exited = true;
        open.exitedAt = iso(event.timestamp);
      }
    } else if (SCHEDULED.has(type)) {
      const entry = entryOf(event);
      if (entry) scheduled.set(entry.id, (scheduled.get(entry.id) ?? 0) + 1);
    } else if (FAILED[type]) {
      const details = (event[FAILED[type]] ?? {}) as { error?: string; cause?: string };
      const entry = entryOf(event);
      if (entry) {
        const list = failedByEntry.get(entry.id) ?? [];
        list.push({ event, error: details.error ?? (type.includes('TimedOut') ? 'States.Timeout' : 'States.TaskFailed'), cause: readableCause(details.cause) });
        failedByEntry.set(entry.id, list);
      }
    } else if (type === 'ExecutionFailed') {
      end = { error: event.executionFailedEventDetails?.error ?? 'States.Runtime', cause: readableCause(event.executionFailedEventDetails?.cause) };
    } else if (type === 'ExecutionTimedOut') {
      end = { error: event.executionTimedOutEventDetails?.error ?? 'States.Timeout', cause: readableCause(event.executionTimedOutEventDetails?.cause) };
    }
  }

  const failures: FailedAttempt[] = [];
  for (const [entryId, list] of failedByEntry) {
    const attempts = scheduled.get(entryId) ?? list.length;
    const state = visitOf.get(entryId)?.name ?? byId.get(entryId)?.stateEnteredEventDetails?.name ?? '?';
    list.forEach((f, i) => {
      failures.push({ state, attempt: i + 1, error: f.error, ...(f.cause ? { cause: f.cause } : {}), at: iso(f.event.timestamp), retried: i < attempts - 1 });
    });
  }
  failures.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return { states, visited: [...new Set(states.map((s) => s.name))], failures, ...(end ? { end } : {}) };
}

/** A Lambda error's cause is the runtime's JSON `{errorType, errorMessage, trace}`: the message is what people read. */
export function readableCause(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause as written
  }
  return cause;
}

function iso(value: Date | number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value < 1e12 ? value * 1000 : value).toISOString();
  return value;
}
