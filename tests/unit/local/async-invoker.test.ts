/** Lambda's asynchronous invocation as the local stack emulates it (local/lambda/async-invoker.ts). */
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { AsyncInvoker } from '../../../local/lambda/async-invoker.js';
import { closeServer, listen } from '../../../local/net.js';

/** A handler that throws its first `failures` calls, recording each event it is given. */
function flaky(failures: number) {
  const calls: string[] = [];
  return {
    calls,
    handler: async (event: string) => {
      calls.push(event);
      if (calls.length <= failures) throw new TypeError(`attempt ${calls.length} failed`);
    },
  };
}

describe('AsyncInvoker', () => {
  it('retries a throwing handler once per delay and stops at the first success', async () => {
    const lines: string[] = [];
    const { calls, handler } = flaky(2);
    const invoker = new AsyncInvoker({ functionName: 'router', handler, retryDelaysMs: [1, 1], log: (l) => lines.push(l) });
    invoker.invoke('e1');
    expect(invoker.inFlight).toBe(1);
    await invoker.settle();
    expect(calls).toEqual(['e1', 'e1', 'e1']);
    expect(invoker.dlq).toEqual([]);
    expect(lines).toEqual([]);
    expect(invoker.inFlight).toBe(0);
  });

  it('sends the event to the DLQ with its attempts and last error once the retries are spent, and logs it', async () => {
    const lines: string[] = [];
    const { calls, handler } = flaky(10);
    const invoker = new AsyncInvoker({ functionName: 'router', handler, retryDelaysMs: [1, 1], log: (l) => lines.push(l) });
    invoker.invoke('e1');
    await invoker.settle();
    expect(calls).toHaveLength(3);
    expect(invoker.dlq).toEqual([{ event: 'e1', attempts: 3, error: { name: 'TypeError', message: 'attempt 3 failed' } }]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', message: 'router gave up: event sent to the local DLQ', attempts: 3, error: 'TypeError' });
  });

  it('redrives every dead letter, emptying the DLQ, and reports how many', async () => {
    const { calls, handler } = flaky(2);
    const invoker = new AsyncInvoker({ functionName: 'router', handler, retryDelaysMs: [], log: () => undefined });
    invoker.invoke('a');
    invoker.invoke('b');
    await invoker.settle();
    expect(invoker.dlq.map((d) => d.event)).toEqual(['a', 'b']);
    expect(invoker.redrive()).toBe(2);
    expect(invoker.dlq).toEqual([]);
    await invoker.settle();
    expect(calls).toEqual(['a', 'b', 'a', 'b']);
    expect(invoker.dlq).toEqual([]);
  });

  it('ignores invocations once closed', async () => {
    const { calls, handler } = flaky(0);
    const invoker = new AsyncInvoker({ functionName: 'router', handler, retryDelaysMs: [1], log: () => undefined });
    invoker.close();
    invoker.invoke('late');
    expect(invoker.inFlight).toBe(0);
    await invoker.settle();
    expect(calls).toEqual([]);
  });

  it('dead-letters an invocation that fails after close at once, without waiting for its retries', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const invoker = new AsyncInvoker<string>({
      functionName: 'router',
      handler: async () => {
        await gate;
        throw new Error('endpoint closed');
      },
      retryDelaysMs: [60_000, 60_000],
      log: () => undefined,
    });
    invoker.invoke('in-flight');
    invoker.close();
    release();
    await invoker.settle();
    expect(invoker.dlq).toEqual([{ event: 'in-flight', attempts: 1, error: { name: 'Error', message: 'endpoint closed' } }]);
  });
});

describe('listen and closeServer', () => {
  it('resolves to the port given, and rejects when that port is taken', async () => {
    const first = createServer();
    const port = await listen(first, 0);
    expect(port).toBeGreaterThan(0);
    await expect(listen(createServer(), port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await closeServer(first);
    // Closed: the port can be taken again.
    const again = createServer();
    expect(await listen(again, port)).toBe(port);
    await closeServer(again);
  });
});
