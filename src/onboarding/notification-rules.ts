import { createHash } from 'node:crypto';

/**
 * S3 bucket notification configurations as data: the rules S3 enforces on them (filter rules, overlap) and which
 * rules an object-created event goes to. Pure; shared by the local S3 (local/s3/) and `capture-router migrate`.
 *
 * Shapes follow the S3 API's NotificationConfiguration (the SDK's JSON shape, not its XML element names).
 * Overlap: S3 refuses two rules for a common event type whose prefixes overlap and whose suffixes overlap — an
 * absent prefix or suffix overlaps every other (S3 User Guide, "Configuring event notifications using object key
 * name filtering", https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html).
 */

export interface FilterRule {
  Name?: string;
  Value?: string;
}

export interface NotificationFilter {
  Key?: { FilterRules?: FilterRule[] };
}

export interface LambdaFunctionConfiguration {
  Id?: string;
  LambdaFunctionArn: string;
  Events: string[];
  Filter?: NotificationFilter;
}

export interface QueueConfiguration {
  Id?: string;
  QueueArn: string;
  Events: string[];
  Filter?: NotificationFilter;
}

export interface TopicConfiguration {
  Id?: string;
  TopicArn: string;
  Events: string[];
  Filter?: NotificationFilter;
}

export interface NotificationConfiguration {
  LambdaFunctionConfigurations?: LambdaFunctionConfiguration[];
  QueueConfigurations?: QueueConfiguration[];
  TopicConfigurations?: TopicConfiguration[];
  /** Present (an empty object) when the bucket sends every event to EventBridge. */
  EventBridgeConfiguration?: Record<string, never>;
}

export type RuleKind = 'lambda' | 'queue' | 'topic';

/** One rule of a configuration, flattened: where it sends, for which events, with which key filter. */
export interface NotificationRule {
  kind: RuleKind;
  id: string;
  /** The function, queue or topic ARN. */
  target: string;
  events: string[];
  prefix: string;
  suffix: string;
}

/**
 * The rules of a configuration, in the order S3 returns them (functions, queues, topics).
 * @example flattenRules({ LambdaFunctionConfigurations: [{ Id: 'a', LambdaFunctionArn: 'arn:…:a', Events: ['s3:ObjectCreated:*'] }] })
 *   // → [{ kind: 'lambda', id: 'a', target: 'arn:…:a', events: ['s3:ObjectCreated:*'], prefix: '', suffix: '' }]
 */
export function flattenRules(config: NotificationConfiguration): NotificationRule[] {
  const rule = (kind: RuleKind, c: { Id?: string; Events: string[]; Filter?: NotificationFilter }, target: string, index: number): NotificationRule => ({
    kind,
    id: c.Id ?? `${kind}-${index}`,
    target,
    events: [...(c.Events ?? [])],
    prefix: filterValue(c.Filter, 'prefix') ?? '',
    suffix: filterValue(c.Filter, 'suffix') ?? '',
  });
  return [
    ...(config.LambdaFunctionConfigurations ?? []).map((c, i) => rule('lambda', c, c.LambdaFunctionArn, i)),
    ...(config.QueueConfigurations ?? []).map((c, i) => rule('queue', c, c.QueueArn, i)),
    ...(config.TopicConfigurations ?? []).map((c, i) => rule('topic', c, c.TopicArn, i)),
  ];
}

function filterValue(filter: NotificationFilter | undefined, name: 'prefix' | 'suffix'): string | undefined {
  return filter?.Key?.FilterRules?.find((r) => (r.Name ?? '').toLowerCase() === name)?.Value;
}

/**
 * Whether two event types can name the same event: equal, or one is the other's `…:*` wildcard.
 * @example eventsOverlap('s3:ObjectCreated:*', 's3:ObjectCreated:Put') // → true
 */
export function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (wild: string, other: string) => wild.endsWith(':*') && other.startsWith(wild.slice(0, -1));
  return covers(a, b) || covers(b, a);
}

/**
 * Whether one key could match both rules' filters for a common event type (S3's overlap rule).
 * @example rulesOverlap({ …, prefix: '', suffix: '.jsonl' }, { …, prefix: 'models/a/', suffix: '.jsonl' }) // → true
 */
export function rulesOverlap(a: Pick<NotificationRule, 'events' | 'prefix' | 'suffix'>, b: Pick<NotificationRule, 'events' | 'prefix' | 'suffix'>): boolean {
  const sharedEvent = a.events.some((x) => b.events.some((y) => eventsOverlap(x, y)));
  const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return sharedEvent && prefixes && suffixes;
}

/**
 * The event types S3 can notify about (S3 User Guide, "Supported event types for SQS, SNS, and Lambda",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html).
 */
export const SUPPORTED_EVENTS: ReadonlySet<string> = new Set([
  's3:TestEvent',
  's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*', 's3:ObjectRestore:Post', 's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*', 's3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold', 's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition', 's3:IntelligentTiering',
  's3:ObjectTagging:*', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/** S3's answer to a configuration it refuses: HTTP 400 with this code and message. */
export interface ConfigurationProblem {
  code: 'InvalidArgument';
  message: string;
  /** The two rules that overlap, when that is the problem. */
  rules?: [string, string];
}

/**
 * S3's own messages. The overlap text is S3's answer as users quote it (aws/aws-cli#2387,
 * aws-solutions/aws-waf-security-automations#49); the identical-events-without-filters text and the filter-rule
 * texts are S3's as mirrored by MinIO's S3 error table (minio/minio#2472, cmd/api-errors.go).
 */
export const S3_MESSAGES = {
  overlap: 'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
  sameEvents: 'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
  filterName: 'filter rule name must be either prefix or suffix',
  twoPrefixes: 'Cannot specify more than one prefix rule in a filter.',
  twoSuffixes: 'Cannot specify more than one suffix rule in a filter.',
  valueTooLong: 'Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation',
  event: 'The event is not supported for notifications',
} as const;

/**
 * What S3 would answer PutBucketNotificationConfiguration with this configuration: undefined when it accepts it.
 * @example validateConfiguration({ LambdaFunctionConfigurations: [bucketWide, prefixed] })
 *   // → { code: 'InvalidArgument', message: 'Configuration is ambiguously defined. …', rules: ['router', 'model-a'] }
 */
export function validateConfiguration(config: NotificationConfiguration): ConfigurationProblem | undefined {
  const problem = (message: string, rules?: [string, string]): ConfigurationProblem => ({ code: 'InvalidArgument', message, ...(rules ? { rules } : {}) });
  const all = [...(config.LambdaFunctionConfigurations ?? []), ...(config.QueueConfigurations ?? []), ...(config.TopicConfigurations ?? [])];
  for (const c of all) {
    if (!c.Events || c.Events.length === 0 || c.Events.some((e) => !SUPPORTED_EVENTS.has(e))) return problem(S3_MESSAGES.event);
    let prefixes = 0;
    let suffixes = 0;
    for (const r of c.Filter?.Key?.FilterRules ?? []) {
      const name = (r.Name ?? '').toLowerCase();
      if (name === 'prefix') prefixes++;
      else if (name === 'suffix') suffixes++;
      else return problem(S3_MESSAGES.filterName);
      if (Buffer.byteLength(r.Value ?? '', 'utf8') > 1024) return problem(S3_MESSAGES.valueTooLong);
    }
    if (prefixes > 1) return problem(S3_MESSAGES.twoPrefixes);
    if (suffixes > 1) return problem(S3_MESSAGES.twoSuffixes);
  }
  const rules = flattenRules(config);
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i]!;
      const b = rules[j]!;
      if (!rulesOverlap(a, b)) continue;
      const unfiltered = !a.prefix && !a.suffix && !b.prefix && !b.suffix;
      return problem(unfiltered ? S3_MESSAGES.sameEvents : S3_MESSAGES.overlap, [a.id, b.id]);
    }
  }
  return undefined;
}

/** Whether a rule fires for this event (`ObjectCreated:Put` as in an S3 record, or `s3:ObjectCreated:Put`) and key. */
export function ruleMatches(rule: NotificationRule, eventName: string, key: string): boolean {
  const event = eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
  return rule.events.some((e) => eventsOverlap(e, event)) && key.startsWith(rule.prefix) && key.endsWith(rule.suffix);
}

/**
 * The rules (and so targets) S3 would send this event to. A valid configuration yields at most one rule per event.
 * @example matchingTargets(config, 'ObjectCreated:Put', 'models/a/ep/v/2026/01/01/00/x.jsonl') // → [{ id: 'model-a', target: 'arn:…:model-a', … }]
 */
export function matchingTargets(config: NotificationConfiguration, eventName: string, key: string): NotificationRule[] {
  return flattenRules(config).filter((rule) => ruleMatches(rule, eventName, key));
}

/** The Id of the router's rule on the local stack (a deployed stack's rule carries {@link deployRuleId}). */
export const ROUTER_RULE_ID = 'capture-router-jsonl';

/**
 * The Id the deploy gives the router's rule on an existing bucket: osls's S3 custom resource names the rules it
 * owns `{functionName}-{md5 of JSON.stringify(bucketConfig)}` and, on every deploy, replaces the ones so named
 * (osls lib/plugins/aws/custom-resources/resources/s3/lib/bucket.js, generateId / isOwnedConfiguration;
 * bucketConfig is `{Event, Rules}` with start-cased rule keys, compile/events/s3/index.js). migrate puts the rule
 * under that Id so a later deploy replaces it instead of adding a second, overlapping one.
 * @example deployRuleId('capture-router-prod-router') // → 'capture-router-prod-router-<32 hex>'
 */
export function deployRuleId(functionName: string): string {
  const bucketConfig = { Event: 's3:ObjectCreated:*', Rules: [{ Suffix: '.jsonl' }] };
  return `${functionName}-${createHash('md5').update(JSON.stringify(bucketConfig)).digest('hex')}`;
}

/**
 * The router's one rule: every object created, suffix `.jsonl`, no prefix (DESIGN.md, "Flow").
 * @example bucketWideRule('arn:aws:lambda:us-east-1:1:function:router').Events // → ['s3:ObjectCreated:*']
 */
export function bucketWideRule(routerArn: string, id: string = ROUTER_RULE_ID): LambdaFunctionConfiguration {
  return { Id: id, LambdaFunctionArn: routerArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jsonl' }] } } };
}
