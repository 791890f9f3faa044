/**
 * The EventBridge rules and the state machines of serverless.yml, read from the file itself (like the tables,
 * local/table-definitions.ts), so the local bus delivers what the deployed rules deliver: the same patterns, to the
 * same targets, with the same retry policy and dead-letter queue.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** One target of a rule, as serverless.yml declares it (intrinsics left as they are). */
export interface RuleTargetDefinition {
  id: string;
  /** The logical ID the target's `Arn: {Ref: …}` names (a state machine). */
  arnRef: string;
  /** EventBridge's defaults when absent: 185 retries, 24 h (EventBridge User Guide, "Event retry policy"). */
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** The logical ID of the dead-letter queue (`DeadLetterConfig.Arn: {Fn::GetAtt: [Queue, Arn]}`), if any. */
  deadLetterQueue?: string;
}

export interface RuleDefinition {
  /** Locally the rule's name: its `Name:` holds framework variables (`${sls:stage}`) only osls resolves. */
  logicalId: string;
  enabled: boolean;
  /** The EventPattern as written: it may hold `Ref`s (the local stack resolves them to its own ARNs). */
  eventPattern: unknown;
  targets: RuleTargetDefinition[];
}

/** A state machine of serverless.yml's `stepFunctions.stateMachines`. */
export interface StateMachineDefinitionRef {
  /** Its CloudFormation logical ID (`id:`), what a `Ref` names. */
  logicalId: string;
  type: 'STANDARD' | 'EXPRESS';
  /** The ASL file of `definition: ${file(…)}`, relative to serverless.yml's directory. */
  definitionFile: string;
}

type Resource = { Type?: string; Properties?: Record<string, unknown> };

/** Every `AWS::Events::Rule` of serverless.yml's resources. */
export function readEventRules(serverlessYmlPath: string): RuleDefinition[] {
  const config = parseYaml(readFileSync(serverlessYmlPath, 'utf8')) as { resources?: unknown };
  const fragments = (Array.isArray(config.resources) ? config.resources : [config.resources]) as Array<{ Resources?: Record<string, Resource> | string }>;
  const rules: RuleDefinition[] = [];
  for (const fragment of fragments) {
    if (!fragment || typeof fragment.Resources !== 'object') continue;
    for (const [logicalId, resource] of Object.entries(fragment.Resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      const p = resource.Properties ?? {};
      if (p.EventBusName !== undefined) throw new Error(`${serverlessYmlPath}: ${logicalId} names an event bus; the local stack has the default bus only`);
      rules.push({
        logicalId,
        enabled: (p.State ?? 'ENABLED') === 'ENABLED',
        eventPattern: p.EventPattern,
        targets: ((p.Targets ?? []) as Array<Record<string, unknown>>).map((t) => ruleTarget(serverlessYmlPath, logicalId, t)),
      });
    }
  }
  return rules;
}

function ruleTarget(file: string, rule: string, target: Record<string, unknown>): RuleTargetDefinition {
  const arn = target.Arn as { Ref?: unknown } | undefined;
  if (typeof arn?.Ref !== 'string') throw new Error(`${file}: ${rule}'s target ${String(target.Id)} must name its target as {Ref: <logical ID>}`);
  if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
    throw new Error(`${file}: ${rule}'s target ${String(target.Id)} transforms its input; the local bus delivers the whole event only`);
  }
  const retry = (target.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  const dlq = (target.DeadLetterConfig as { Arn?: { 'Fn::GetAtt'?: unknown } } | undefined)?.Arn?.['Fn::GetAtt'];
  return {
    id: String(target.Id),
    arnRef: arn.Ref,
    maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
    maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds ?? 86_400,
    ...(Array.isArray(dlq) ? { deadLetterQueue: String(dlq[0]) } : {}),
  };
}

/** Every state machine of `stepFunctions.stateMachines`, with its logical ID, type and ASL file. */
export function readStateMachines(serverlessYmlPath: string): StateMachineDefinitionRef[] {
  const config = parseYaml(readFileSync(serverlessYmlPath, 'utf8')) as {
    stepFunctions?: { stateMachines?: Record<string, { id?: string; type?: string; definition?: unknown }> };
  };
  return Object.entries(config.stepFunctions?.stateMachines ?? {}).map(([key, machine]) => {
    const file = typeof machine.definition === 'string' ? /^\$\{file\(([^)]+)\)\}$/.exec(machine.definition.trim())?.[1] : undefined;
    if (!file) throw new Error(`${serverlessYmlPath}: state machine ${key} must take its definition from \${file(…)}`);
    // Without `id` the plugin derives the logical ID itself; a Ref in a rule needs the one the file states.
    if (!machine.id) throw new Error(`${serverlessYmlPath}: state machine ${key} needs an id: (its logical ID)`);
    return { logicalId: machine.id, type: machine.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD', definitionFile: file };
  });
}
