/**
 * Lambda's asynchronous invocation, as S3 invokes the router: the caller does not wait; a handler that throws is
 * retried after each of `retryDelaysMs` (Lambda: two retries, ~1 min then ~2 min), then the event goes to the
 * dead-letter list, which `redrive` delivers again. docs/LOCAL.md, "Lambda".
 */

/** An event the function gave up on after its retries, as Lambda's on-failure destination would keep it. */
export interface DeadLetter<E> {
  event: E;
  attempts: number;
  error: { name: string; message: string };
}

export interface AsyncInvokerOptions<E> {
  /** What the log line names when an event is dead-lettered: `router`. */
  functionName: string;
  handler: (event: E) => Promise<void>;
  retryDelaysMs: readonly number[];
  log: (line: string) => void;
}

export class AsyncInvoker<E> {
  /** Events that exhausted their retries, oldest first. */
  readonly dlq: Array<DeadLetter<E>> = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: AsyncInvokerOptions<E>) {}

  /** Invokes the handler with `event` without waiting for it; ignored once closed. */
  invoke(event: E): void {
    if (!this.closed) this.start(event);
  }

  /** Takes every event out of the DLQ and invokes the handler with it again; how many were redriven. */
  redrive(): number {
    const letters = this.dlq.splice(0);
    for (const letter of letters) this.start(letter.event);
    return letters.length;
  }

  /** How many invocations are under way or waiting for a retry. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every invocation under way when called (and its retries) has ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Stops retrying: an invocation that throws from now on goes to the DLQ at once. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  private start(event: E): void {
    const delivery = this.deliver(event).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  private async deliver(event: E): Promise<void> {
    const { handler, retryDelaysMs, log, functionName } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(event);
        return;
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        if (this.closed || attempt > retryDelaysMs.length) {
          this.dlq.push({ event, attempts: attempt, error: { name: e.name, message: e.message } });
          log(JSON.stringify({ level: 'ERROR', message: `${functionName} gave up: event sent to the local DLQ`, attempts: attempt, error: e.name, detail: e.message }));
          return;
        }
        await this.sleep(retryDelaysMs[attempt - 1]!);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
