import { describe, expect, it } from '@jest/globals';
import { type FunctionInfo, normalizeHost, planMigration } from '../../../src/onboarding/migration-plan.js';
import { bucketWideRule, deployRuleId, type LambdaFunctionConfiguration, validateConfiguration } from '../../../src/onboarding/notification-rules.js';

const ROUTER = 'arn:aws:lambda:us-east-1:1:function:capture-router-dev-router';
const arn = (name: string) => `arn:aws:lambda:us-east-1:1:function:${name}`;
const rule = (id: string, prefix: string, suffix = '.jsonl', events = ['s3:ObjectCreated:*']): LambdaFunctionConfiguration => ({
  Id: id,
  LambdaFunctionArn: arn(id),
  Events: events,
  Filter: { Key: { FilterRules: [...(prefix ? [{ Name: 'prefix', Value: prefix }] : []), ...(suffix ? [{ Name: 'suffix', Value: suffix }] : [])] } },
});
const arthurFn = (name: string, env: Record<string, string>): [string, FunctionInfo] => [arn(name), { arn: arn(name), name, environment: env }];

describe('planMigration', () => {
  const functions = new Map<string, FunctionInfo>([
    arthurFn('fraud', { ARTHUR_MODEL_ID: 'm-fraud', ARTHUR_HOST: 'app.arthur.ai', ARTHUR_ACCESS_TOKEN: 'secret-fraud' }),
    arthurFn('churn', { ARTHUR_MODEL_ID: 'm-churn' }),
    arthurFn('thumbnails', { SIZE: '128' }),
    [arn('gone'), { arn: arn('gone'), error: 'ResourceNotFoundException: Function not found' }],
  ]);

  it('turns each Arthur-sample rule into a mapping, names the token variable and never its value', () => {
    const plan = planMigration('b', { LambdaFunctionConfigurations: [rule('fraud', 'models/fraud/'), rule('churn', 'models/churn')] }, functions, ROUTER);
    expect(plan.mappings.map((m) => [m.prefix, m.modelId, m.arthurHost, m.tokenVariable])).toEqual([
      ['models/fraud/', 'm-fraud', 'https://app.arthur.ai', 'ARTHUR_ACCESS_TOKEN'],
      ['models/churn/', 'm-churn', undefined, undefined],
    ]);
    expect(plan.mappings[1]!.notes[0]).toContain('also caught keys like "models/churn-other/…"');
    expect(JSON.stringify(plan)).not.toContain('secret-fraud');
  });

  it.each([
    ['a function without ARTHUR_MODEL_ID', rule('thumbnails', 'images/'), 'has no ARTHUR_MODEL_ID'],
    ['a function that cannot be read', rule('gone', 'models/gone/'), 'cannot read function'],
    ['a rule without a prefix', rule('fraud', ''), 'has no usable prefix'],
  ])('names %s as unmappable', (_name, r, reason) => {
    const plan = planMigration('b', { LambdaFunctionConfigurations: [r] }, functions, ROUTER);
    expect(plan.mappings).toEqual([]);
    expect(plan.unmappable[0]!.reason).toContain(reason);
  });

  it('keeps rules that do not overlap the router and builds a configuration S3 accepts', () => {
    const config = {
      LambdaFunctionConfigurations: [rule('fraud', 'models/fraud/'), rule('thumbnails', 'images/', '.png')],
      QueueConfigurations: [{ Id: 'audit', QueueArn: 'arn:aws:sqs:us-east-1:1:audit', Events: ['s3:ObjectRemoved:*'] }],
      TopicConfigurations: [{ Id: 'csv', TopicArn: 'arn:aws:sns:us-east-1:1:csv', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } } }],
    };
    const plan = planMigration('b', config, functions, ROUTER);
    expect(plan.replaced.map((r) => r.id)).toEqual(['fraud']);
    expect(plan.kept.map((r) => r.id)).toEqual(['thumbnails', 'audit', 'csv']);
    expect(plan.next.LambdaFunctionConfigurations!.map((c) => c.Id)).toEqual(['thumbnails', deployRuleId('capture-router-dev-router')]);
    expect(plan.next.QueueConfigurations).toEqual(config.QueueConfigurations);
    expect(plan.next.TopicConfigurations).toEqual(config.TopicConfigurations);
    expect(validateConfiguration(plan.next)).toBeUndefined();
    expect(plan.nextProblem).toBeUndefined();
  });

  it('sees a bucket the router already has as nothing to migrate', () => {
    const plan = planMigration('b', { LambdaFunctionConfigurations: [bucketWideRule(ROUTER)] }, functions, ROUTER);
    expect(plan).toMatchObject({ routerPresent: true, replaced: [], mappings: [] });
    expect(plan.next.LambdaFunctionConfigurations).toEqual([bucketWideRule(ROUTER, deployRuleId('capture-router-dev-router'))]);
  });

  it('names a queue target as unmappable', () => {
    const plan = planMigration('b', { QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:1:q', Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'models/x/' }] } } }] }, functions, ROUTER);
    expect(plan.unmappable[0]!.reason).toContain('not a Lambda function');
    expect(plan.next.QueueConfigurations).toEqual([]);
  });

  it("names the router's rule as the deploy's S3 custom resource does, so a later deploy replaces it", () => {
    expect(deployRuleId('capture-router-dev-router')).toMatch(/^capture-router-dev-router-[a-f0-9]{32}$/);
    expect(deployRuleId('a')).not.toBe(deployRuleId('b'));
  });

  it.each([
    ['app.arthur.ai', 'https://app.arthur.ai'],
    ['https://app.arthur.ai/', 'https://app.arthur.ai'],
    ['http://127.0.0.1:4584', 'http://127.0.0.1:4584'],
  ])('normalizes the host %s to %s', (host, url) => {
    expect(normalizeHost(host)).toBe(url);
  });
});
