/**
 * `capture-router migrate`'s plan, pure: from a bucket's notification configuration and the configuration of
 * each Lambda it targets, which rules the router's bucket-wide rule would overlap (and so must go), the mapping
 * each of them becomes (where the function follows Arthur's sample: ARTHUR_MODEL_ID, ARTHUR_HOST,
 * ARTHUR_ACCESS_TOKEN), the ones that cannot be mapped, and the rules kept. A token value never enters the plan:
 * only the name of the variable that holds it.
 */
import { validatePrefix } from '../routing/prefix.js';
import { bucketWideRule, deployRuleId, flattenRules, type LambdaFunctionConfiguration, type NotificationConfiguration, type NotificationRule, ROUTER_RULE_ID, rulesOverlap, validateConfiguration } from './notification-rules.js';

/** Arthur's per-model Lambda sample reads these (Arthur's SageMaker Data Capture guide). */
export const ARTHUR_ENV = { modelId: 'ARTHUR_MODEL_ID', host: 'ARTHUR_HOST', token: 'ARTHUR_ACCESS_TOKEN' } as const;

/** What migrate needs of a function: its name and environment (GetFunctionConfiguration), or why it could not be read. */
export type FunctionInfo = { arn: string; name: string; environment: Record<string, string> } | { arn: string; error: string };

export interface ProposedMapping {
  /** The mapping's prefix, normalized as the router matches keys (segment boundary). */
  prefix: string;
  modelId: string;
  arthurHost?: string;
  /** The rule it replaces and the function that served it. */
  ruleId: string;
  functionArn: string;
  functionName: string;
  /** The environment variable of the old function holding a token (its value is never in the plan). */
  tokenVariable?: string;
  /** Ways the mapping differs from what the old rule caught. */
  notes: string[];
}

export interface UnmappableRule {
  rule: NotificationRule;
  reason: string;
}

export interface MigrationPlan {
  bucket: string;
  /** Rules the router's rule overlaps: each is replaced by a mapping, or is unmappable. */
  replaced: NotificationRule[];
  mappings: ProposedMapping[];
  unmappable: UnmappableRule[];
  /** Rules that do not overlap the router's (other events, other suffixes): kept as they are. */
  kept: NotificationRule[];
  /** True when the router's rule is already on the bucket. */
  routerPresent: boolean;
  /** The configuration migrate --apply would put: the kept rules and the router's. */
  next: NotificationConfiguration;
  /** What S3 would answer that configuration (undefined: accepted). */
  nextProblem?: string;
}

/**
 * @example
 * const plan = planMigration('datacapture', config, functions, routerArn);
 * plan.mappings.map((m) => `${m.prefix} → ${m.modelId}`) // → ['models/fraud/ → 3f…', 'models/churn/ → 9a…']
 */
export function planMigration(bucket: string, config: NotificationConfiguration, functions: ReadonlyMap<string, FunctionInfo>, routerArn: string): MigrationPlan {
  const routerRule = bucketWideRule(routerArn, routerRuleId(routerArn));
  const router = flattenRules({ LambdaFunctionConfigurations: [routerRule] })[0]!;
  const rules = flattenRules(config);
  const isRouter = (r: NotificationRule) => r.kind === 'lambda' && (r.target === routerArn || r.id === ROUTER_RULE_ID);
  const replaced = rules.filter((r) => !isRouter(r) && rulesOverlap(r, router));
  const kept = rules.filter((r) => !isRouter(r) && !replaced.includes(r));
  const mappings: ProposedMapping[] = [];
  const unmappable: UnmappableRule[] = [];
  for (const rule of replaced) {
    const result = mappingFor(rule, functions);
    if ('reason' in result) unmappable.push({ rule, reason: result.reason });
    else mappings.push(result);
  }
  const next = nextConfiguration(config, new Set(replaced), rules, routerArn, routerRule);
  const problem = validateConfiguration(next);
  return { bucket, replaced, mappings, unmappable, kept, routerPresent: rules.some(isRouter), next, ...(problem ? { nextProblem: problem.message } : {}) };
}

function mappingFor(rule: NotificationRule, functions: ReadonlyMap<string, FunctionInfo>): ProposedMapping | { reason: string } {
  if (rule.kind !== 'lambda') return { reason: `sends to a ${rule.kind === 'queue' ? 'queue' : 'topic'} (${rule.target}), not a Lambda function: move its consumer off .jsonl captures, or drop the rule` };
  const fn = functions.get(rule.target);
  if (!fn) return { reason: `function ${rule.target} was not read` };
  if ('error' in fn) return { reason: `cannot read function ${rule.target}: ${fn.error}` };
  const modelId = fn.environment[ARTHUR_ENV.modelId];
  if (!modelId) return { reason: `function ${fn.name} has no ${ARTHUR_ENV.modelId}: not Arthur's sample; map its prefix yourself (capture-router mappings put PREFIX MODEL_ID)` };
  const prefix = validatePrefix(rule.prefix);
  if (!prefix.ok) return { reason: `rule ${rule.id} has no usable prefix (${prefix.message}): the router maps prefixes, so give this model's captures a prefix of their own` };
  const notes: string[] = [];
  if (!rule.prefix.endsWith('/')) notes.push(`the rule's prefix "${rule.prefix}" also caught keys like "${rule.prefix}-other/…"; the mapping covers only ${prefix.prefix}`);
  if (rule.suffix !== '.jsonl') notes.push(`the rule's suffix was "${rule.suffix}"; the router takes .jsonl keys only`);
  const other = rule.events.filter((e) => !e.startsWith('s3:ObjectCreated:'));
  if (other.length > 0) notes.push(`the rule also sent ${other.join(', ')}: those events stop with it`);
  const host = fn.environment[ARTHUR_ENV.host];
  const token = fn.environment[ARTHUR_ENV.token] ? ARTHUR_ENV.token : undefined;
  return {
    prefix: prefix.prefix,
    modelId,
    ...(host ? { arthurHost: normalizeHost(host) } : {}),
    ruleId: rule.id,
    functionArn: fn.arn,
    functionName: fn.name,
    ...(token ? { tokenVariable: token } : {}),
    notes,
  };
}

/** Arthur's sample takes a bare host name (`app.arthur.ai`); mappings take a URL. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** The bucket's configuration with the replaced rules out and the router's rule in; everything else unchanged. */
/** The deploy's Id for the router's rule (see deployRuleId); the function name is the ARN's, without a qualifier. */
function routerRuleId(routerArn: string): string {
  const name = /:function:([^:]+)/.exec(routerArn)?.[1];
  return name ? deployRuleId(name) : ROUTER_RULE_ID;
}

function nextConfiguration(config: NotificationConfiguration, replaced: Set<NotificationRule>, rules: NotificationRule[], routerArn: string, routerRule: LambdaFunctionConfiguration): NotificationConfiguration {
  const lambdas = config.LambdaFunctionConfigurations ?? [];
  const queues = config.QueueConfigurations ?? [];
  const topics = config.TopicConfigurations ?? [];
  // flattenRules lists functions, then queues, then topics, in order: index i of a list is rule offset + i.
  const gone = (offset: number, i: number) => replaced.has(rules[offset + i]!);
  const isRouterAt = (i: number) => lambdas[i]!.LambdaFunctionArn === routerArn || lambdas[i]!.Id === ROUTER_RULE_ID;
  const next: NotificationConfiguration = {
    ...config,
    LambdaFunctionConfigurations: [...lambdas.filter((_, i) => !gone(0, i) && !isRouterAt(i)), routerRule],
  };
  const q = queues.filter((_, i) => !gone(lambdas.length, i));
  const t = topics.filter((_, i) => !gone(lambdas.length + queues.length, i));
  if (config.QueueConfigurations) next.QueueConfigurations = q;
  if (config.TopicConfigurations) next.TopicConfigurations = t;
  return next;
}
