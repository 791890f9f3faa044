/** The local Step Functions endpoint: the store, the actions and the protocol wired to one HTTP server (docs/LOCAL.md). */
import { createServer } from 'node:http';
import { closeServer, listen, LOOPBACK } from '../net.js';
import { sfnActions } from './actions/index.js';
import { ExecutionStore } from './execution-store.js';
import { executionPrefixOf, machineContext } from './machine.js';
import { jsonProtocolListener } from './protocol.js';
import { statusChangeEvent } from './status-events.js';
import type { EndpointExecution, SfnEndpoint, SfnEndpointOptions } from './types.js';

/**
 * Serves `options.runner`'s state machine over the Step Functions JSON protocol.
 * @example
 * const sfn = await startSfnEndpoint({ runner });
 * new SFNClient({ endpoint: sfn.url });
 */
export async function startSfnEndpoint(options: SfnEndpointOptions): Promise<SfnEndpoint> {
  let closing = false;
  const { onStatusChange } = options;
  const stateMachineArn = options.runner.stateMachineArn;
  const store = new ExecutionStore({
    executionPrefix: executionPrefixOf(options.runner.stateMachineArn),
    historyLimit: options.historyLimit ?? 1000,
    ...(options.journalPath !== undefined ? { journalPath: options.journalPath } : {}),
    ...(options.spillPath !== undefined ? { spillPath: options.spillPath } : {}),
    ...(options.executionRetentionSeconds !== undefined ? { retentionSeconds: options.executionRetentionSeconds } : {}),
    ...(onStatusChange ? { onStatusChange: (execution: EndpointExecution) => closing || onStatusChange(statusChangeEvent(stateMachineArn, execution)) } : {}),
  });
  const ctx = machineContext(options.runner, store, options.roleArn);
  const server = createServer(jsonProtocolListener('AWSStepFunctions.', 'Step Functions', sfnActions(ctx)));
  const host = options.host ?? LOOPBACK;
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    executions: () => store.executions(),
    running: () => store.running(),
    waitForIdle: () => store.waitForIdle(),
    async close() {
      closing = true;
      store.abortRunning();
      await closeServer(server);
      store.close();
    },
  };
}
