/**
 * The default event bus of the local stack: rules read from serverless.yml (rules.ts), patterns matched as
 * EventBridge matches them (pattern.ts), matching events delivered to each target asynchronously — never inside
 * put() — and at least once: a target that cannot be started is retried with backoff up to the rule's RetryPolicy,
 * then the event goes to the target's dead-letter queue (EventBridge User Guide, "Event retry policy and using
 * dead-letter queues", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). As in AWS, a
 * delivery ends when the state machine execution has started: an execution that then fails is not redelivered.
 */
import type { WorkflowExecution, WorkflowRun } from '../workflow-runner.js';
import { type EventPattern, matchesEventPattern } from './pattern.js';

export interface BusTarget {
  /** The target's Id in its rule. */
  id: string;
  /** What StartExecution is called on: the state machine's ARN. */
  arn: string;
  /** StartExecution with the event as the input; throws when the execution cannot be started. */
  start(event: unknown): WorkflowExecution;
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** The dead-letter queue's name (its logical ID locally); absent: an undeliverable event is dropped. */
  deadLetterQueue?: string;
}

export interface BusRule {
  name: string;
  pattern: EventPattern;
  targets: BusTarget[];
}

/** One event delivered to one target: the execution it started, and that execution's end once it has one. */
export interface Delivery {
  rule: string;
  target: string;
  event: unknown;
  attempts: number;
  executionArn: string;
  run?: WorkflowRun;
}

/** An event no attempt could deliver, as EventBridge puts it in the target's DLQ (with the rule and the error). */
export interface BusDeadLetter {
  queue: string;
  rule: string;
  target: string;
  event: unknown;
  attempts: number;
  error: { name: string; message: string };
}

export interface LocalEventBusOptions {
  rules: BusRule[];
  /** Milliseconds before retry n (1-based) of a delivery. Default: 100 ms, doubling, at most 5 s. */
  retryDelayMs?: (retry: number) => number;
  log: (line: string) => void;
  /** How many of the newest deliveries `deliveries` keeps. Default 1,000. */
  historyLimit?: number;
}

const defaultDelay = (retry: number) => Math.min(100 * 2 ** (retry - 1), 5_000);

export class LocalEventBus {
  /** The newest deliveries, oldest first. */
  readonly deliveries: Delivery[] = [];
  /** Events that exhausted their retries, by queue, oldest first. */
  readonly deadLetters: BusDeadLetter[] = [];
  /** Events put after close(), not delivered. */
  dropped = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(private readonly options: LocalEventBusOptions) {}

  /** Matches `event` against every rule and schedules one delivery per target of each match; how many. */
  put(event: unknown): number {
    if (this.closed) {
      this.dropped += 1;
      return 0;
    }
    let scheduled = 0;
    for (const rule of this.options.rules) {
      if (!matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const delivery = this.deliver(rule.name, target, event).finally(() => this.pending.delete(delivery));
        this.pending.add(delivery);
        scheduled += 1;
      }
    }
    return scheduled;
  }

  /** Deliveries under way: waiting for an attempt, or their execution still running. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every delivery under way (and its execution) has ended, including those scheduled meanwhile. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Accepts no more events; a delivery waiting for a retry goes to its DLQ now; waits for what is under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake();
    }
    this.sleepers.clear();
    await this.settle();
  }

  private async deliver(rule: string, target: BusTarget, event: unknown): Promise<void> {
    // Asynchronous, as EventBridge: the caller that put the event never waits for a target.
    await new Promise((resolve) => setImmediate(resolve));
    const firstAttemptAt = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      let execution: WorkflowExecution;
      try {
        execution = target.start(event);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const tooOld = Date.now() - firstAttemptAt >= target.maximumEventAgeSeconds * 1000;
        if (this.closed || tooOld || attempt > target.maximumRetryAttempts) return this.deadLetter(rule, target, event, attempt, error);
        await this.sleep((this.options.retryDelayMs ?? defaultDelay)(attempt));
        // Woken by close(): no further attempt.
        if (this.closed) return this.deadLetter(rule, target, event, attempt, error);
        continue;
      }
      const delivery: Delivery = { rule, target: target.id, event, attempts: attempt, executionArn: execution.executionArn };
      this.deliveries.push(delivery);
      if (this.deliveries.length > (this.options.historyLimit ?? 1000)) this.deliveries.shift();
      delivery.run = await execution.done;
      if (delivery.run.status !== 'SUCCEEDED') {
        this.options.log(JSON.stringify({ level: 'ERROR', message: `the execution rule ${rule} started ended ${delivery.run.status}`, executionArn: execution.executionArn, error: delivery.run.error, cause: delivery.run.cause }));
      }
      return;
    }
  }

  private deadLetter(rule: string, target: BusTarget, event: unknown, attempts: number, error: Error): void {
    const where = target.deadLetterQueue ? `sent to ${target.deadLetterQueue}` : 'dropped (the target has no dead-letter queue)';
    this.options.log(JSON.stringify({ level: 'ERROR', message: `event bus: rule ${rule} could not deliver to ${target.id}: ${where}`, attempts, error: error.name, detail: error.message }));
    if (target.deadLetterQueue) this.deadLetters.push({ queue: target.deadLetterQueue, rule, target: target.id, event, attempts, error: { name: error.name, message: error.message } });
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }
}
