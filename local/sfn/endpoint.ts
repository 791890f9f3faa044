/** The local Step Functions endpoint: the stores, the actions and the protocol wired to one HTTP server (docs/LOCAL.md). */
import { createServer } from 'node:http';
import { closeServer, listen, LOOPBACK } from '../net.js';
import { sfnActions } from './actions/index.js';
import { ExecutionStore } from './execution-store.js';
import { executionPrefixOf, machineContext, type SfnContext } from './machine.js';
import { jsonProtocolListener } from './protocol.js';
import { statusChangeEvent } from './status-events.js';
import type { EndpointExecution, SfnEndpoint, SfnEndpointOptions, SfnMachineOptions } from './types.js';

/**
 * Serves `options.runner`'s state machine (and `options.machines`') over the Step Functions JSON protocol.
 * @example
 * const sfn = await startSfnEndpoint({ runner });
 * new SFNClient({ endpoint: sfn.url });
 */
export async function startSfnEndpoint(options: SfnEndpointOptions): Promise<SfnEndpoint> {
  let closing = false;
  const { onStatusChange } = options;
  const stores: ExecutionStore[] = [];
  const contexts: SfnContext[] = [];
  const closeStores = () => {
    for (const store of stores) store.close();
  };
  try {
    for (const machine of [options as SfnMachineOptions, ...(options.machines ?? [])]) {
      const store = new ExecutionStore({
        executionPrefix: executionPrefixOf(machine.runner.stateMachineArn),
        historyLimit: options.historyLimit ?? 1000,
        ...(machine.journalPath !== undefined ? { journalPath: machine.journalPath } : {}),
        ...(machine.spillPath !== undefined ? { spillPath: machine.spillPath } : {}),
        ...(options.executionRetentionSeconds !== undefined ? { retentionSeconds: options.executionRetentionSeconds } : {}),
        // Every machine's status changes reach the bus, as in AWS; a rule's pattern picks the machine it watches.
        ...(onStatusChange
          ? { onStatusChange: (execution: EndpointExecution) => closing || onStatusChange(statusChangeEvent(machine.runner.stateMachineArn, execution)) }
          : {}),
      });
      stores.push(store);
      contexts.push(machineContext(machine.runner, store, options.roleArn));
    }
  } catch (error) {
    closeStores();
    throw error;
  }
  const server = createServer(jsonProtocolListener('AWSStepFunctions.', 'Step Functions', sfnActions(contexts)));
  const host = options.host ?? LOOPBACK;
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (error) {
    closeStores();
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    executions: () => stores[0]!.executions(),
    executionsOf: (stateMachineArn) => {
      const at = contexts.findIndex((ctx) => ctx.stateMachineArn === stateMachineArn);
      if (at < 0) throw new Error(`the local Step Functions endpoint serves no state machine ${stateMachineArn}`);
      return stores[at]!.executions();
    },
    running: () => stores.reduce((n, store) => n + store.running(), 0),
    waitForIdle: async () => {
      // A backfill's children start ingest executions: wait until every machine is idle at once.
      for (;;) {
        for (const store of stores) await store.waitForIdle();
        if (stores.every((store) => store.running() === 0)) return;
      }
    },
    async close() {
      closing = true;
      for (const store of stores) store.abortRunning();
      await closeServer(server);
      closeStores();
    },
  };
}
