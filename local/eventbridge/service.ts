/**
 * EventBridge of the local stack: the default bus with serverless.yml's rules, each target state machine run on
 * the workflow runner from its own ASL file (docs/LOCAL.md, "EventBridge").
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Closers } from '../closers.js';
import { resolveIntrinsics, type WorkflowRunner } from '../workflow-runner.js';
import { type BusRule, LocalEventBus, type LocalEventBusOptions } from './bus.js';
import { checkEventPattern } from './pattern.js';
import { readEventRules, readStateMachines, type StateMachineDefinitionRef } from './rules.js';

export interface EventBridgeServiceOptions {
  serverlessYml: string;
  /** What a `Ref` in a rule's pattern stands for locally, by logical ID (`IngestStateMachine` → its local ARN). */
  refs: Record<string, string>;
  /** Builds the runner of a state machine a rule targets; `definitionPath` is its ASL file. */
  runner: (machine: StateMachineDefinitionRef & { definitionPath: string }) => WorkflowRunner;
  retryDelayMs?: LocalEventBusOptions['retryDelayMs'];
  log: (line: string) => void;
}

export interface EventBridgeService {
  bus: LocalEventBus;
  /** The ARN of each target state machine, by logical ID. */
  stateMachineArns: Record<string, string>;
}

export function startEventBridgeService(options: EventBridgeServiceOptions, closers: Closers): EventBridgeService {
  const file = options.serverlessYml;
  const machines = new Map(readStateMachines(file).map((m) => [m.logicalId, m]));
  const runners = new Map<string, WorkflowRunner>();
  const runnerOf = (logicalId: string): WorkflowRunner => {
    const machine = machines.get(logicalId);
    if (!machine) throw new Error(`${file}: a rule targets ${logicalId}; the local event bus delivers to the state machines of stepFunctions.stateMachines only`);
    let runner = runners.get(logicalId);
    if (!runner) {
      runner = options.runner({ ...machine, definitionPath: join(dirname(file), machine.definitionFile) });
      runners.set(logicalId, runner);
    }
    return runner;
  };
  const ref = (id: string): string => {
    const value = options.refs[id];
    if (value === undefined) throw new Error(`${file}: no local value for { Ref: ${id} } in an event pattern`);
    return value;
  };
  const unresolvable = (id: string): string => {
    throw new Error(`${file}: an event pattern may hold Ref only, not Fn::GetAtt ${id}`);
  };
  const rules: BusRule[] = readEventRules(file)
    .filter((rule) => rule.enabled)
    .map((rule) => {
      const pattern = resolveIntrinsics(rule.eventPattern, { ref, functionArn: unresolvable, tableArn: unresolvable });
      checkEventPattern(pattern, `${rule.logicalId}.EventPattern`);
      const targets = rule.targets.map((target) => {
        const runner = runnerOf(target.arnRef);
        // Express executions have no name of their own to keep: EventBridge names each one uniquely.
        return { ...target, arn: runner.stateMachineArn, start: (event: unknown) => runner.start(randomUUID(), event) };
      });
      return { name: rule.logicalId, pattern, targets };
    });
  const bus = new LocalEventBus({ rules, log: options.log, ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) });
  closers.add(() => bus.close());
  return { bus, stateMachineArns: Object.fromEntries([...runners].map(([id, runner]) => [id, runner.stateMachineArn])) };
}
