/**
 * `osls package` of the real service, then assertions on the CloudFormation it would deploy: one bucket-wide
 * notification, least-privilege roles per function, encrypted private buckets, PITR tables, alarms, and the
 * state machine definition being the ASL file. Packaged twice: with the capture bucket created by the stack
 * (defaults), and with an existing bucket plus every optional parameter set.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveIntrinsics } from '../../local/workflow-runner.js';
import {
  ROOT,
  actionsOf,
  packageService,
  pathsContaining,
  readZip,
  resolveConditions,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type Packaged,
  type Template,
} from '../support/cloudformation.js';

const STATE_MACHINE_NAME = 'capture-router-dev-ingest';
const EXISTING = {
  captureBucketExisting: 'true',
  captureBucketName: 'acme-sagemaker-captures',
  arthurTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:arthur/prod-token-AbCdEf',
  captureBucketKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  arthurTokenSecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/9876fedc-12ab-34cd-56ef-1234567890ab',
  alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:capture-router-alarms',
  tracing: 'true',
};

/**
 * Actions AWS offers no resource-level permission for, so `Resource: "*"` is the only way to grant them:
 * - CloudWatch Logs vended-log delivery, which Step Functions logging uses;
 * - X-Ray trace and sampling calls (only when tracing is on).
 */
const AWS_REQUIRES_STAR = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
]);

const FUNCTIONS = {
  router: 'RouterLambdaFunction',
  validate: 'ValidateLambdaFunction',
  upload: 'UploadLambdaFunction',
  admin: 'AdminLambdaFunction',
  backfill: 'BackfillLambdaFunction',
} as const;
const LAMBDA_ROLES = ['RouterRole', 'ValidateRole', 'UploadRole', 'AdminRole', 'BackfillRole'];
const BACKFILL_NAME = 'capture-router-dev-backfill';
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

let created: Packaged;
let existing: Packaged;
beforeAll(async () => {
  // One after the other: serverless-esbuild builds in the service directory.
  created = await packageService();
  existing = await packageService(EXISTING);
}, 180_000);
afterAll(() => {
  for (const packaged of [created, existing]) if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
});

const CONFIGS = ['created bucket', 'existing bucket'] as const;
type Config = (typeof CONFIGS)[number];
const templateOf = (config: Config) => (config === 'created bucket' ? created.template : existing.template);
const both = () => CONFIGS.map((config) => [config, templateOf(config)] as [Config, Template]);

describe('the capture bucket notification', () => {
  it('is one rule on the bucket the stack creates: ObjectCreated, suffix .jsonl, no prefix', () => {
    const t = created.template;
    const notified = resourcesOfType(t, 'AWS::S3::Bucket').filter(([, b]) => b.Properties?.NotificationConfiguration);
    expect(notified.map(([id]) => id)).toEqual(['S3BucketCaptureBucket']);
    const [, bucket] = notified[0]!;
    expect(bucket.Properties.BucketName).toBe('capture-router-dev-datacapture');
    const { LambdaConfigurations, QueueConfigurations, TopicConfigurations } = bucket.Properties.NotificationConfiguration;
    expect(QueueConfigurations).toBeUndefined();
    expect(TopicConfigurations).toBeUndefined();
    expect(LambdaConfigurations).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Function: getAtt('RouterLambdaFunction'),
        Filter: { S3Key: { Rules: [{ Name: 'suffix', Value: '.jsonl' }] } },
      },
    ]);
    expect(resourcesOfType(t, 'Custom::S3')).toEqual([]);
    const [[, permission]] = resourcesOfType(t, 'AWS::Lambda::Permission') as [[string, any]];
    expect(permission.Properties).toMatchObject({ Principal: 's3.amazonaws.com', SourceAccount: { Ref: 'AWS::AccountId' } });
  });

  it('is one rule added to an existing bucket by the custom resource: ObjectCreated, suffix .jsonl, no prefix', () => {
    const t = existing.template;
    const custom = resourcesOfType(t, 'Custom::S3');
    expect(custom).toHaveLength(1);
    const [, resource] = custom[0]!;
    expect(resource.Properties.BucketName).toBe('acme-sagemaker-captures');
    expect(resource.Properties.FunctionName).toBe('capture-router-dev-router');
    expect(resource.Properties.BucketConfigs).toEqual([{ Event: 's3:ObjectCreated:*', Rules: [{ Suffix: '.jsonl' }] }]);
    expect(resourcesOfType(t, 'AWS::S3::Bucket').filter(([, b]) => b.Properties?.NotificationConfiguration)).toEqual([]);
    // Someone else's bucket: the stack neither creates it nor replaces its policy.
    expect(resourcesOfType(t, 'AWS::S3::Bucket').map(([id]) => id).sort()).toEqual(['ArtifactsBucket', 'ServerlessDeploymentBucket']);
    expect(t.Resources.CaptureBucketPolicy).toBeUndefined();
  });

  it("scopes the custom resource's role to the router: lambda:AddPermission on no other function, the notification on that bucket only", () => {
    const statements = roleStatements(existing.template, 'IamRoleCustomResourcesLambdaExecution');
    expect(resourcesFor(statements, 'lambda:AddPermission')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:capture-router-dev-router' }]);
    expect(resourcesFor(statements, 'lambda:RemovePermission')).toEqual(resourcesFor(statements, 'lambda:AddPermission'));
    expect(resourcesFor(statements, 's3:PutBucketNotification')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::acme-sagemaker-captures' }]);
    expect(JSON.stringify(statements)).not.toMatch(/function:\*|function","\*"/);
    // The role exists only with the custom resource: a created bucket has neither.
    expect(created.template.Resources.IamRoleCustomResourcesLambdaExecution).toBeUndefined();
  });

  it('keeps a bucket the stack creates private, encrypted and TLS-only', () => {
    const t = created.template;
    expect(t.Resources.S3BucketCaptureBucket!.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(t.Resources.S3BucketCaptureBucket!.Properties.BucketEncryption).toBeDefined();
    expectDenyWithoutTls(t.Resources.CaptureBucketPolicy!.Properties.PolicyDocument);
  });
});

describe('IAM', () => {
  it.each(CONFIGS)('gives each function its own role (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = Object.values(FUNCTIONS).map((id) => t.Resources[id]!.Properties.Role);
    expect(roles).toEqual(LAMBDA_ROLES.map((role) => getAtt(role)));
    for (const role of LAMBDA_ROLES) {
      expect(t.Resources[role]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it.each(CONFIGS)('grants no Action "*" or "service:*" and Resource "*" only where AWS requires it (%s)', (label) => {
    const t = templateOf(label);
    for (const [roleId] of resourcesOfType(t, 'AWS::IAM::Role')) {
      for (const s of roleStatements(t, roleId).filter((st) => st.Effect === 'Allow')) {
        for (const action of s.Action) {
          expect({ roleId, action, wildcard: action === '*' || /^[a-z0-9-]+:\*$/i.test(action) }).toMatchObject({ wildcard: false });
        }
        if (s.Resource.includes('*')) {
          expect({ roleId, notRequiredByAws: s.Action.filter((a) => !AWS_REQUIRES_STAR.has(a)) }).toEqual({ roleId, notRequiredByAws: [] });
        }
      }
    }
  });

  it.each(CONFIGS)('lets the router read mappings, start the ingest workflow and feed its DLQ, nothing else (%s)', (label) => {
    const t = templateOf(label);
    const s = roleStatements(t, 'RouterRole');
    const tracing = t === existing.template ? ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] : [];
    expect(actionsOf(s)).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
        'states:StartExecution',
        ...tracing,
      ].sort(),
    );
    expect(resourcesFor(s, 'dynamodb:BatchGetItem')).toEqual([getAtt('MappingsTable')]);
    expect(resourcesFor(s, 'dynamodb:GetItem')).toEqual([getAtt('MappingsTable')]);
    expect(resourcesFor(s, 'states:StartExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` },
    ]);
    expect(resourcesFor(s, 'sqs:SendMessage')).toEqual([getAtt('RouterDeadLetterQueue')]);
    expect(resourcesFor(s, 'logs:PutLogEvents')).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/capture-router-dev-router:*' },
    ]);
  });

  it.each(CONFIGS)('lets validate read captures and the ledger, write only artifacts; no secret or workflow (%s)', (label) => {
    const t = templateOf(label);
    const s = roleStatements(t, 'ValidateRole');
    const actions = actionsOf(s);
    // The ledger is read, never written, and only the ingestions table (src/aws/dynamodb-ingestion-ledger.ts).
    expect(actions.filter((a) => /^(dynamodb|secretsmanager|states|sqs|lambda):/.test(a))).toEqual(['dynamodb:BatchGetItem']);
    expect(resourcesFor(s, 'dynamodb:BatchGetItem')).toEqual([getAtt('IngestionsTable')]);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']));
    const bucket = label === 'created bucket' ? 'capture-router-dev-datacapture' : 'acme-sagemaker-captures';
    expect(resourcesFor(s, 's3:GetObject')).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` }]);
    expect(resourcesFor(s, 's3:PutObject')).toEqual([{ 'Fn::Sub': '${ArtifactsBucket.Arn}/captures/*' }]);
    // A streamed quarantine is a multipart upload, aborted on failure: only under the artifacts' captures/.
    expect(resourcesFor(s, 's3:AbortMultipartUpload')).toEqual([{ 'Fn::Sub': '${ArtifactsBucket.Arn}/captures/*' }]);
  });

  it.each(CONFIGS)('lets upload read parts and the Arthur token secrets, write only part outcomes: no DynamoDB (%s)', (label) => {
    const t = templateOf(label);
    const s = roleStatements(t, 'UploadRole');
    const actions = actionsOf(s);
    expect(actions.filter((a) => /^(dynamodb|states|sqs|lambda):/.test(a))).toEqual([]);
    expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual(['s3:PutObject']);
    // Arthur's answer per part, beside the part manifest: no other key of either bucket.
    expect(resourcesFor(s, 's3:PutObject')).toEqual([{ 'Fn::Sub': '${ArtifactsBucket.Arn}/captures/*/outcomes/part-*.json' }]);
    const bucket = label === 'created bucket' ? 'capture-router-dev-datacapture' : 'acme-sagemaker-captures';
    expect(resourcesFor(s, 's3:GetObject')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` },
      { 'Fn::Sub': '${ArtifactsBucket.Arn}/captures/*' },
    ]);
    const prefixPattern = {
      'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:capture-router/*',
    };
    expect(resourcesFor(s, 'secretsmanager:GetSecretValue')).toEqual(
      label === 'created bucket' ? [prefixPattern] : [EXISTING.arthurTokenSecretArn, prefixPattern],
    );
  });

  it('lets validate and upload decrypt SSE-KMS captures only with the key given', () => {
    const t = existing.template;
    expect(resourcesFor(roleStatements(t, 'ValidateRole'), 'kms:Decrypt')).toEqual([EXISTING.captureBucketKmsKeyArn]);
    expect(resourcesFor(roleStatements(t, 'UploadRole'), 'kms:Decrypt')).toEqual([EXISTING.arthurTokenSecretKmsKeyArn, EXISTING.captureBucketKmsKeyArn]);
    expect(t.Conditions!.HasCaptureBucketKmsKey).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [EXISTING.captureBucketKmsKeyArn, ''] }] });
    expect(created.template.Conditions!.HasCaptureBucketKmsKey).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it('lets upload decrypt a token secret under a customer key only with that key, only through Secrets Manager', () => {
    const statement = roleStatements(existing.template, 'UploadRole').find((st) => st.Resource[0] === EXISTING.arthurTokenSecretKmsKeyArn);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } },
    });
    expect(existing.template.Conditions!.HasTokenSecretKmsKey).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [EXISTING.arthurTokenSecretKmsKeyArn, ''] }] });
    expect(created.template.Conditions!.HasTokenSecretKmsKey).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(resourcesFor(roleStatements(created.template, 'UploadRole'), 'kms:Decrypt')).toEqual([]);
  });

  it.each(CONFIGS)('lets the state machine invoke its two tasks and put ingestion items, nothing else (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.IngestStateMachine!.Properties.RoleArn).toEqual(getAtt('IngestStateMachineRole'));
    const trust = t.Resources.IngestStateMachineRole!.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({ Principal: { Service: { 'Fn::Sub': 'states.${AWS::Region}.amazonaws.com' } }, Action: 'sts:AssumeRole' }),
    ]);
    const s = roleStatements(t, 'IngestStateMachineRole');
    expect(resourcesFor(s, 'lambda:InvokeFunction')).toEqual([getAtt('ValidateLambdaFunction'), getAtt('UploadLambdaFunction')]);
    expect(resourcesFor(s, 'dynamodb:PutItem')).toEqual([getAtt('IngestionsTable')]);
    const scoped = actionsOf(s).filter((a) => !AWS_REQUIRES_STAR.has(a));
    expect(scoped).toEqual(['dynamodb:PutItem', 'lambda:InvokeFunction']);
  });

  it('never builds anything from a Ref of the state machine but its output and the terminal-failure rule (a dependency cycle)', () => {
    // The rule comes after the machine (nothing the machine needs depends on it); a function's role or environment
    // naming the machine by Ref would make the cycle.
    for (const [, t] of both()) {
      const refs = pathsOfRefsTo(t, 'IngestStateMachine');
      expect(refs).toEqual(['$.Resources.TerminalFailureRule.Properties.EventPattern.detail.stateMachineArn[0]', '$.Outputs.IngestStateMachineArn.Value']);
    }
  });
});

describe('terminal failures of ingest executions (issue 12): the rule and its recorder', () => {
  const RECORDER = 'capture-router-dev-record-terminal';
  const RULE_NAME = 'capture-router-dev-terminal-failures';

  it.each(CONFIGS)('matches the ingest state machine\'s status changes to FAILED, TIMED_OUT and ABORTED, nothing else (%s)', (label) => {
    const rule = templateOf(label).Resources.TerminalFailureRule!;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties).toMatchObject({ Name: RULE_NAME, State: 'ENABLED' });
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus, where Step Functions sends its events
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: 'IngestStateMachine' }] },
    });
  });

  it.each(CONFIGS)('starts the Express recorder with the whole event, retried 24 h, then into its own encrypted DLQ (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.TerminalFailureRule!.Properties.Targets).toEqual([
      {
        Id: 'record-terminal',
        Arn: { Ref: 'RecordTerminalStateMachine' },
        RoleArn: getAtt('TerminalFailureRuleRole'),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: getAtt('TerminalFailureDeadLetterQueue') },
      },
    ]);
    expect(t.Resources.RecordTerminalStateMachine!.Properties).toMatchObject({
      StateMachineName: RECORDER,
      StateMachineType: 'EXPRESS',
      RoleArn: getAtt('RecordTerminalStateMachineRole'),
    });
    expect(t.Resources.TerminalFailureDeadLetterQueue!.Properties).toEqual({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
    expect(t.Outputs).toMatchObject({
      TerminalFailureDeadLetterQueueUrl: { Value: { Ref: 'TerminalFailureDeadLetterQueue' } },
      RecordTerminalStateMachineArn: { Value: { Ref: 'RecordTerminalStateMachine' } },
    });
  });

  it.each(CONFIGS)('is deployed with the definition of statemachines/record-terminal.asl.yml (%s)', (label) => {
    const file = parseYaml(readFileSync(join(ROOT, 'statemachines', 'record-terminal.asl.yml'), 'utf8'));
    expect(withoutDefaultQueryLanguage(deployedDefinition(templateOf(label), 'RecordTerminalStateMachine'))).toEqual(resolveIntrinsics(file, symbolic));
  });

  it.each(CONFIGS)('lets only this rule\'s EventBridge start the recorder, nothing else (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.TerminalFailureRuleRole!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${RULE_NAME}` } },
        },
      },
    ]);
    const s = roleStatements(t, 'TerminalFailureRuleRole');
    expect(actionsOf(s)).toEqual(['states:StartExecution']);
    expect(resourcesFor(s, 'states:StartExecution')).toEqual([{ Ref: 'RecordTerminalStateMachine' }]);
  });

  it.each(CONFIGS)('lets the recorder put ingestion items, nothing else: no read, no delete, no logs (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.RecordTerminalStateMachineRole!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: { 'Fn::Sub': 'states.${AWS::Region}.amazonaws.com' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const s = roleStatements(t, 'RecordTerminalStateMachineRole');
    expect(actionsOf(s)).toEqual(['dynamodb:PutItem']);
    expect(resourcesFor(s, 'dynamodb:PutItem')).toEqual([getAtt('IngestionsTable')]);
  });

  it.each(CONFIGS)('lets only EventBridge, for this rule, send to the DLQ (%s)', (label) => {
    const policy = templateOf(label).Resources.TerminalFailureDeadLetterQueuePolicy!.Properties;
    expect(policy.Queues).toEqual([{ Ref: 'TerminalFailureDeadLetterQueue' }]);
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'TerminalFailureRuleDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAtt('TerminalFailureDeadLetterQueue'),
        Condition: { ArnEquals: { 'aws:SourceArn': getAtt('TerminalFailureRule') } },
      },
    ]);
  });

  it('alarms when the recorder fails and when an event waits in its DLQ, notifying the topic when one is given', () => {
    for (const [label, t] of both()) {
      expect({ label, alarm: t.Resources.RecordTerminalFailedAlarm!.Properties }).toEqual({
        label,
        alarm: expect.objectContaining({
          Namespace: 'AWS/States',
          MetricName: 'ExecutionsFailed',
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'RecordTerminalStateMachine' } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      });
      expect(t.Resources.TerminalFailureDeadLetterAlarm!.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt('TerminalFailureDeadLetterQueue', 'QueueName') }],
        Threshold: 1,
      });
      for (const id of ['RecordTerminalFailedAlarm', 'TerminalFailureDeadLetterAlarm']) {
        expect(t.Resources[id]!.Properties.AlarmActions).toEqual({
          'Fn::If': ['HasAlarmTopic', [label === 'created bucket' ? '' : EXISTING.alarmTopicArn], { Ref: 'AWS::NoValue' }],
        });
      }
    }
  });
});

describe('functions', () => {
  it.each(CONFIGS)('run on nodejs22.x, the framework custom resource included (%s)', (label) => {
    const t = templateOf(label);
    const functions = resourcesOfType(t, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const [id, fn] of functions) expect({ id, runtime: fn.Properties.Runtime }).toEqual({ id, runtime: 'nodejs22.x' });
  });

  it('keeps the secret ARN in IAM and in the environment as an ARN, and no secret value anywhere', () => {
    const t = existing.template;
    const allowed = [/^\$\.Conditions\.HasTokenSecretArn\./, /^\$\.Resources\.UploadRole\.Properties\.Policies/, /^\$\.Resources\.UploadLambdaFunction\.Properties\.Environment\.Variables\.ARTHUR_TOKEN_SECRET_ARN\b/];
    const places = pathsContaining(t, EXISTING.arthurTokenSecretArn);
    expect(places.length).toBeGreaterThanOrEqual(3);
    expect(places.filter((p) => !allowed.some((a) => a.test(p)))).toEqual([]);

    for (const [, template] of both()) {
      for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const variables = resolveConditions(template, fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
        for (const [name, value] of Object.entries(variables)) {
          if (!/TOKEN|SECRET|PASSWORD|API_?KEY|CREDENTIAL/i.test(name)) continue;
          const text = typeof value === 'string' ? value : ((value as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(value));
          expect({ id, name, text }).toEqual({ id, name, text: expect.stringMatching(/^arn:(aws|\$\{AWS::Partition\}):secretsmanager:/) });
        }
      }
    }
  });

  it.each(CONFIGS)('configure the router as the design says: async retries, DLQ, env from fixed names (%s)', (label) => {
    const t = templateOf(label);
    const config = t.Resources.RouterLambdaEvConf!.Properties;
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.MaximumEventAgeInSeconds).toBeLessThanOrEqual(21600);
    expect(config.DestinationConfig).toEqual({ OnFailure: { Destination: getAtt('RouterDeadLetterQueue') } });
    expect(t.Resources.RouterLambdaFunction!.Properties.Environment.Variables).toEqual({
      MAPPINGS_TABLE: { Ref: 'MappingsTable' },
      STATE_MACHINE_ARN: { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` },
      MAPPING_CACHE_TTL_SECONDS: '60',
    });
    expect(t.Resources.IngestStateMachine!.Properties.StateMachineName).toBe(STATE_MACHINE_NAME);
  });

  it('give validate and upload the variables their handlers read', () => {
    const t = created.template;
    expect(Object.keys(t.Resources.ValidateLambdaFunction!.Properties.Environment.Variables).sort()).toEqual([
      'ARTIFACTS_BUCKET',
      'INGESTIONS_TABLE',
      'MAX_PART_BYTES',
      'MAX_PART_RECORDS',
    ]);
    expect(Object.keys(t.Resources.UploadLambdaFunction!.Properties.Environment.Variables).sort()).toEqual([
      'ARTHUR_HOST',
      'ARTHUR_HOST_ALLOWLIST',
      'ARTHUR_ORGANIZATION_ID',
      'ARTHUR_TIMEOUT_MS',
      'ARTHUR_TOKEN_SECRET_ARN',
    ]);
    // Arthur's client waits 300 s: the default request timeout, and the function's own timeout above it.
    expect(t.Resources.UploadLambdaFunction!.Properties.Environment.Variables.ARTHUR_TIMEOUT_MS).toBe('300000');
    expect(t.Resources.UploadLambdaFunction!.Properties.Timeout).toBeGreaterThan(300);
    // A multi-GB capture streams for minutes: validate gets Lambda's maximum, 900 s.
    expect(t.Resources.ValidateLambdaFunction!.Properties.Timeout).toBe(900);
  });

  it('trace with X-Ray only when tracing is on', () => {
    for (const id of Object.values(FUNCTIONS)) {
      expect(existing.template.Resources[id]!.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(created.template.Resources[id]!.Properties.TracingConfig).toBeUndefined();
    }
    expect(existing.template.Resources.IngestStateMachine!.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(created.template.Resources.IngestStateMachine!.Properties.TracingConfiguration).toEqual({ Enabled: false });
  });

  it('keep their logs for the configured retention', () => {
    for (const id of ['RouterLogGroup', 'ValidateLogGroup', 'UploadLogGroup', 'AdminLogGroup', 'BackfillLogGroup', 'IngestStateMachineLogGroup']) {
      expect({ id, days: created.template.Resources[id]!.Properties.RetentionInDays }).toEqual({ id, days: 30 });
    }
  });

  it.each(Object.keys(FUNCTIONS))('bundle %s as an ES module with the createRequire banner and without the AWS SDK', (name) => {
    const files = readZip(join(created.dir, `${name}.zip`));
    const handler = files.get(`functions/${name}/handler.mjs`);
    expect(handler).toBeDefined();
    const code = handler!.toString('utf8');
    expect(code.split('\n')[0]).toBe("import { createRequire } from 'module'; const require = createRequire(import.meta.url);");
    expect(code).toMatch(/from "@aws-sdk\/client-[a-z0-9-]+"/);
    expect(code).not.toMatch(/\/\/ node_modules\/@aws-sdk\//);
    expect([...files.keys()].filter((f) => f.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });
});

describe('the admin API', () => {
  const ROUTE_KEYS = [
    'DELETE /mappings/{prefix+}',
    'GET /mappings',
    'GET /mappings/{prefix+}',
    'GET /resolve',
    'POST /replay',
    'PUT /mappings',
  ];

  it.each(CONFIGS)('serves its six routes only behind IAM authorization, through one payload 2.0 integration (%s)', (label) => {
    const t = templateOf(label);
    const routes = resourcesOfType(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(ROUTE_KEYS);
    for (const route of routes) expect({ route: route.RouteKey, auth: route.AuthorizationType }).toEqual({ route: route.RouteKey, auth: 'AWS_IAM' });
    const integrations = resourcesOfType(t, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(integrations[0]![1].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt('AdminLambdaFunction'),
      PayloadFormatVersion: '2.0',
    });
    // No other authorizer (JWT, Lambda) that could let an unsigned request through.
    expect(resourcesOfType(t, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    expect(t.Outputs).toMatchObject({ HttpApiUrl: expect.anything() });
  });

  it.each(CONFIGS)('lets the admin function manage mappings, start ingest executions and list the capture bucket, nothing else (%s)', (label) => {
    const t = templateOf(label);
    const s = roleStatements(t, 'AdminRole');
    const tracing = label === 'existing bucket' ? ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] : [];
    expect(actionsOf(s)).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:ListBucket',
        'states:StartExecution',
        ...tracing,
      ].sort(),
    );
    for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']) {
      expect(resourcesFor(s, action)).toEqual([getAtt('MappingsTable')]);
    }
    // The ledger is read, never written: a replay skips what the ingestions table records as delivered.
    expect(resourcesFor(s, 'dynamodb:BatchGetItem')).toEqual([getAtt('MappingsTable'), getAtt('IngestionsTable')]);
    expect(resourcesFor(s, 'states:StartExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` },
    ]);
    const bucket = label === 'created bucket' ? 'capture-router-dev-datacapture' : 'acme-sagemaker-captures';
    // The bucket ARN, not its objects: listing only, it never reads a capture's content.
    expect(resourcesFor(s, 's3:ListBucket')).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }]);
    expect(resourcesFor(s, 'logs:PutLogEvents')).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/capture-router-dev-admin:*' },
    ]);
  });

  it.each(CONFIGS)('gives the admin function the variables its handler reads (%s)', (label) => {
    const t = templateOf(label);
    const variables = t.Resources.AdminLambdaFunction!.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      MAPPINGS_TABLE: { Ref: 'MappingsTable' },
      STATE_MACHINE_ARN: { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` },
      CAPTURE_BUCKET: label === 'created bucket' ? 'capture-router-dev-datacapture' : 'acme-sagemaker-captures',
      ARTHUR_HOST_ALLOWLIST: 'app.arthur.ai',
      INGESTIONS_TABLE: { Ref: 'IngestionsTable' },
      MAPPING_SECRET_ARN_PREFIX: {
        'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:capture-router/',
      },
    });
    expect(t.Resources.AdminLambdaFunction!.Properties.Timeout).toBeLessThan(30); // API Gateway's integration limit
  });
});

describe('the backfill workflow', () => {
  it.each(CONFIGS)('is deployed with the definition of statemachines/backfill.asl.yml (%s)', (label) => {
    const t = templateOf(label);
    const file = parseYaml(readFileSync(join(ROOT, 'statemachines', 'backfill.asl.yml'), 'utf8'));
    expect(withoutDefaultQueryLanguage(deployedDefinition(t, 'BackfillStateMachine'))).toEqual(resolveIntrinsics(file, symbolic));
    expect(t.Resources.BackfillStateMachine!.Properties).toMatchObject({ StateMachineName: BACKFILL_NAME, StateMachineType: 'STANDARD' });
    expect(t.Outputs).toMatchObject({ BackfillStateMachineArn: { Value: { Ref: 'BackfillStateMachine' } } });
  });

  it.each(CONFIGS)('lets the backfill state machine list the bucket, invoke its task, run its own Map children and write their results, nothing else (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.BackfillStateMachine!.Properties.RoleArn).toEqual(getAtt('BackfillStateMachineRole'));
    const s = roleStatements(t, 'BackfillStateMachineRole');
    const scoped = actionsOf(s).filter((a) => !AWS_REQUIRES_STAR.has(a));
    expect(scoped).toEqual([
      'lambda:InvokeFunction',
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListBucket',
      's3:ListMultipartUploadParts',
      's3:PutObject',
      'states:DescribeExecution',
      'states:RedriveExecution',
      'states:StartExecution',
      'states:StopExecution',
    ]);
    // Redriving a failed backfill redrives its Map Run: the children (execution:<machine>/<label>:<name>) and the parent.
    expect(resourcesFor(s, 'states:RedriveExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${BACKFILL_NAME}/*` },
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${BACKFILL_NAME}:*` },
    ]);
    const bucket = label === 'created bucket' ? 'capture-router-dev-datacapture' : 'acme-sagemaker-captures';
    expect(resourcesFor(s, 's3:ListBucket')).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }]);
    expect(resourcesFor(s, 'lambda:InvokeFunction')).toEqual([getAtt('BackfillLambdaFunction')]);
    // Distributed Map children are executions of the backfill machine itself, never of the ingest machine.
    expect(resourcesFor(s, 'states:StartExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${BACKFILL_NAME}` },
    ]);
    expect(resourcesFor(s, 'states:StopExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${BACKFILL_NAME}/*` },
    ]);
  });

  it.each(CONFIGS)('runs its Map children as STANDARD executions, their task timing out after the function does (%s)', (label) => {
    const t = templateOf(label);
    const map = (deployedDefinition(t, 'BackfillStateMachine') as any).States.RouteObjects;
    // Express children may run 5 minutes at most (Step Functions service quotas); one batch's timeout and retries
    // take longer, so the children are Standard.
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.Label).toBe('RouteObjects');
    const task = map.ItemProcessor.States.RouteBatch;
    const lambdaTimeout = t.Resources.BackfillLambdaFunction!.Properties.Timeout as number;
    // The function's own timeout (TimeoutError, or Lambda.Unknown when killed) is what the Retry sees, not States.Timeout.
    expect(lambdaTimeout).toBe(300);
    expect(task.TimeoutSeconds).toBeGreaterThan(lambdaTimeout);
    expect(task.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).toEqual(expect.arrayContaining(['TimeoutError', 'Lambda.Unknown', 'States.Timeout']));
  });

  it.each(CONFIGS)('writes the Map Run’s results under backfill-results/ of the artifacts bucket, and may write nothing else (%s)', (label) => {
    const t = templateOf(label);
    const map = (deployedDefinition(t, 'BackfillStateMachine') as any).States.RouteObjects;
    expect(map.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: '<Ref ArtifactsBucket>', Prefix: 'backfill-results' } });
    // The state keeps the Map Run ARN and the manifest's location, never the results.
    expect(map.ResultPath).toBe('$.mapRun');
    const s = roleStatements(t, 'BackfillStateMachineRole');
    // What AWS lists for a ResultWriter ("ResultWriter (Map)", IAM policies for ResultWriter), on its prefix only.
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload']) {
      expect({ action, resources: resourcesFor(s, action) }).toEqual({ action, resources: [{ 'Fn::Sub': `\${ArtifactsBucket.Arn}/${map.ResultWriter.Parameters.Prefix}/*` }] });
    }
  });

  it.each(CONFIGS)('lets the backfill task read mappings and start ingest executions only (%s)', (label) => {
    const t = templateOf(label);
    const s = roleStatements(t, 'BackfillRole');
    const scoped = actionsOf(s).filter((a) => !AWS_REQUIRES_STAR.has(a));
    expect(scoped).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'states:StartExecution']);
    expect(resourcesFor(s, 'dynamodb:BatchGetItem')).toEqual([getAtt('MappingsTable'), getAtt('IngestionsTable')]);
    expect(t.Resources.BackfillLambdaFunction!.Properties.Environment.Variables.INGESTIONS_TABLE).toEqual({ Ref: 'IngestionsTable' });
    expect(resourcesFor(s, 'states:StartExecution')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` },
    ]);
  });
});

describe('data', () => {
  it.each(CONFIGS)('keeps point-in-time recovery and on-demand billing on both tables (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.MappingsTable!.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'prefix', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(t.Resources.IngestionsTable!.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'objectKey', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it.each(CONFIGS)('keeps the artifacts bucket private, encrypted, TLS-only and expiring (%s)', (label) => {
    const t = templateOf(label);
    const bucket = t.Resources.ArtifactsBucket!.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/AES256|aws:kms/);
    expect(bucket.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', Prefix: 'captures/', ExpirationInDays: 30 })]),
    );
    const policy = t.Resources.ArtifactsBucketPolicy!.Properties;
    expect(policy.Bucket).toEqual({ Ref: 'ArtifactsBucket' });
    expectDenyWithoutTls(policy.PolicyDocument);
  });

  it.each(CONFIGS)('keeps router failures 14 days in an encrypted queue (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Resources.RouterDeadLetterQueue!.Properties).toMatchObject({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
  });

  it.each(CONFIGS)('exports the state machine ARN, the tables, the artifacts bucket and the DLQ URL (%s)', (label) => {
    const t = templateOf(label);
    expect(t.Outputs).toMatchObject({
      IngestStateMachineArn: { Value: { Ref: 'IngestStateMachine' } },
      MappingsTableName: { Value: { Ref: 'MappingsTable' } },
      IngestionsTableName: { Value: { Ref: 'IngestionsTable' } },
      ArtifactsBucketName: { Value: { Ref: 'ArtifactsBucket' } },
      RouterDeadLetterQueueUrl: { Value: { Ref: 'RouterDeadLetterQueue' } },
    });
  });
});

describe('the state machine', () => {
  it.each(CONFIGS)('logs errors only, without execution data, to its own log group (%s)', (label) => {
    const t = templateOf(label);
    const sm = t.Resources.IngestStateMachine!.Properties;
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt('IngestStateMachineLogGroup') } }],
    });
    expect(t.Resources.IngestStateMachineLogGroup!.Properties.LogGroupName).toBe(`/aws/vendedlogs/states/${STATE_MACHINE_NAME}`);
  });

  it.each(CONFIGS)('is deployed with the definition of statemachines/ingest.asl.yml (%s)', (label) => {
    const t = templateOf(label);
    const file = parseYaml(readFileSync(join(ROOT, 'statemachines', 'ingest.asl.yml'), 'utf8'));
    // The plugin's asl-validator run writes the default `QueryLanguage: JSONPath` into each state it checks:
    // the same meaning, so it is left out of the comparison.
    expect(withoutDefaultQueryLanguage(deployedDefinition(t))).toEqual(resolveIntrinsics(file, symbolic));
  });

  it('alarms on failed and timed-out executions and on a non-empty DLQ, notifying the topic when one is given', () => {
    for (const [label, t] of both()) {
      const failed = t.Resources.IngestExecutionsFailedAlarm!.Properties;
      expect({ label, metric: `${failed.Namespace}/${failed.MetricName}` }).toEqual({ label, metric: 'AWS/States/ExecutionsFailed' });
      expect(failed.Dimensions).toEqual([
        { Name: 'StateMachineArn', Value: { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STATE_MACHINE_NAME}` } },
      ]);
      expect(t.Resources.IngestExecutionsTimedOutAlarm!.Properties.MetricName).toBe('ExecutionsTimedOut');
      const dlq = t.Resources.RouterDeadLetterAlarm!.Properties;
      expect(dlq).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt('RouterDeadLetterQueue', 'QueueName') }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      for (const id of ['IngestExecutionsFailedAlarm', 'IngestExecutionsTimedOutAlarm', 'RouterDeadLetterAlarm']) {
        expect(t.Resources[id]!.Properties.AlarmActions).toEqual({
          'Fn::If': ['HasAlarmTopic', [label === 'created bucket' ? '' : EXISTING.alarmTopicArn], { Ref: 'AWS::NoValue' }],
        });
      }
    }
    expect(existing.template.Conditions!.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [EXISTING.alarmTopicArn, ''] }] });
  });
});

describe('operations (alarms on the EMF metrics, dashboard)', () => {
  const fn = (name: string) => ({ Name: 'Function', Value: `capture-router-dev-${name}` });
  const service = { Name: 'service', Value: 'capture-router' };

  it('alarms on unrouted files above the unroutedFilesAlarmThreshold param, from the router EMF metric', () => {
    for (const [label, t] of both()) {
      expect({ label, alarm: t.Resources.UnroutedFilesAlarm!.Properties }).toEqual({
        label,
        alarm: expect.objectContaining({ Namespace: 'CaptureRouter', MetricName: 'FilesUnrouted', Dimensions: [service, fn('router')], Threshold: '10', Statistic: 'Sum' }),
      });
    }
  });

  it('alarms on the Arthur 5xx rate: ArthurServerErrors over UploadAttempts of the upload function, in percent', () => {
    const alarm = created.template.Resources.Arthur5xxRateAlarm!.Properties;
    const byId = Object.fromEntries((alarm.Metrics as any[]).map((m) => [m.Id, m]));
    expect(byId.rate).toMatchObject({ ReturnData: true, Expression: expect.stringContaining('100 * FILL(errors, 0) / attempts') });
    expect(byId.errors.MetricStat.Metric).toEqual({ Namespace: 'CaptureRouter', MetricName: 'ArthurServerErrors', Dimensions: [service, fn('upload')] });
    expect(byId.attempts.MetricStat.Metric).toEqual({ Namespace: 'CaptureRouter', MetricName: 'UploadAttempts', Dimensions: [service, fn('upload')] });
    expect(alarm).toMatchObject({ Threshold: '5', ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(existing.template.Resources.Arthur5xxRateAlarm!.Properties.AlarmActions).toEqual({ 'Fn::If': ['HasAlarmTopic', [EXISTING.alarmTopicArn], { Ref: 'AWS::NoValue' }] });
  });

  it('has a dashboard whose body is JSON naming the metrics the functions emit', async () => {
    const { METRIC_NAMES } = await import('../../src/observability/telemetry.js');
    const [body, vars] = created.template.Resources.RouterDashboard!.Properties.DashboardBody['Fn::Sub'];
    const widgets = JSON.stringify(JSON.parse(String(body).replace(/\$\{[^}]+\}/g, 'X')).widgets);
    const missing = METRIC_NAMES.filter((name) => name !== 'InferencesValidated' && !widgets.includes(`"${name}\\"`) && !widgets.includes(`"${name}"`));
    expect(missing).toEqual([]);
    expect(vars).toMatchObject({ RouterName: 'capture-router-dev-router', UploadName: 'capture-router-dev-upload' });
  });
});

// ---- helpers ------------------------------------------------------------------------------------------------

function expectDenyWithoutTls(document: { Statement: any[] }) {
  expect(document.Statement).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]),
  );
  const deny = document.Statement.find((s) => s.Effect === 'Deny');
  expect(deny.Resource).toHaveLength(2); // the bucket and every object in it
}

function withoutDefaultQueryLanguage(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaultQueryLanguage);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'QueryLanguage' && v === 'JSONPath'))
      .map(([k, v]) => [k, withoutDefaultQueryLanguage(v)]),
  );
}

/** JSON paths of every Ref or GetAtt that names `logicalId`. */
function pathsOfRefsTo(value: unknown, logicalId: string, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => pathsOfRefsTo(v, logicalId, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  if (o.Ref === logicalId) return [path];
  const att = o['Fn::GetAtt'];
  if ((Array.isArray(att) && att[0] === logicalId) || (typeof att === 'string' && att.startsWith(`${logicalId}.`))) return [path];
  if (typeof o['Fn::Sub'] === 'string' && o['Fn::Sub'].includes(`\${${logicalId}`)) return [path];
  return Object.entries(o).flatMap(([k, v]) => pathsOfRefsTo(v, logicalId, `${path}.${k}`));
}

/** Resolves intrinsics to readable symbols, so the file and the deployed definition compare as equals. */
const symbolic = {
  functionArn: (id: string) => `<GetAtt ${id}.Arn>`,
  tableArn: (id: string) => `<GetAtt ${id}.Arn>`,
  ref: (id: string) => `<Ref ${id}>`,
};

/** The definition CloudFormation would hand to Step Functions, with its intrinsics in symbolic form. */
function deployedDefinition(t: Template, stateMachineId = 'IngestStateMachine'): unknown {
  const raw = t.Resources[stateMachineId]!.Properties.DefinitionString;
  const [template, variables] =
    typeof raw === 'string' ? [raw, {}] : Array.isArray(raw['Fn::Sub']) ? raw['Fn::Sub'] : [raw['Fn::Sub'], {}];
  // serverless-step-functions may also inline a function's ARN from its name, which breaks no cycle here but
  // would read differently: map those back to the function's logical ID.
  const byName = new Map(resourcesOfType(t, 'AWS::Lambda::Function').map(([id, fn]) => [fn.Properties.FunctionName as string, id]));
  const text = (template as string)
    .replace(/arn:\$\{AWS::Partition\}:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:function:([\w-]+)/g, (m, name: string) =>
      byName.has(name) ? `<GetAtt ${byName.get(name)}.Arn>` : m,
    )
    .replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name in variables ? String(resolveIntrinsics((variables as Record<string, unknown>)[name], symbolic)) : `<Ref ${name}>`,
    );
  return JSON.parse(text);
}
