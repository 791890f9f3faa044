/**
 * Onboarding the users of Arthur's per-model Lambda guide, end to end on the local stack, driven with the AWS CLI
 * as a user would: two legacy functions and their prefix rules → `migrate` names both; `--apply` leaves one
 * bucket-wide rule and a mapping per model; a capture put afterwards reaches the right model; no token is printed;
 * `doctor` fails a badly configured endpoint with the fixes and passes a good one, naming its model.
 *
 * Everything runs on the stack itself: its S3 answers the notification configuration and delivers by its rules
 * (stack.s3Notifications records each delivery), its Lambda, SageMaker and Secrets Manager APIs answer migrate and
 * doctor.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runDoctor } from '../../cli/doctor-command.js';
import type { Io } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { runMigrate } from '../../cli/migrate-command.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { bucketWideRule, deployRuleId } from '../../src/onboarding/notification-rules.js';

const AWS = '/usr/bin/aws';
const haveCli = existsSync(AWS);
if (!haveCli) console.warn(`skipping the onboarding end-to-end test: the AWS CLI (${AWS}) is not installed`);
const exec = promisify(execFile);
const FIXTURE = join(process.cwd(), 'tests/fixtures/captures/csv-fraud-scores.jsonl');
const FRAUD = '6a1f3e2c-0000-4000-8000-00000000f4a0';
const CHURN = '9b2e4d3f-0000-4000-8000-0000000c4a12';
const ROUTER_NAME = 'capture-router-local-router';
const ROUTER_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${ROUTER_NAME}`;

function bufferIo(): Io & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return { lines, isTty: false, out: (l) => void lines.push(l), err: (l) => void lines.push(l), text: () => lines.join('\n') };
}

(haveCli ? describe : describe.skip)('onboarding from Arthur per-model Lambdas on the local stack', () => {
  let dir: string;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  // AWS CLI 2.9 reads no AWS_ENDPOINT_URL_* variables: --endpoint-url per service, as a user of it would.
  const aws = async (service: string, ...args: string[]) => {
    const { endpoints } = stack;
    const endpoint = { s3: endpoints.s3, s3api: endpoints.s3, lambda: endpoints.lambda, sagemaker: endpoints.sagemaker }[service];
    return (await exec(AWS, ['--endpoint-url', endpoint!, service, ...args], { env })).stdout;
  };
  const idle = () => stack.waitForIdle();
  const received = async (model: string) => (await (await fetch(`${stack.endpoints.arthur}/__received?model=${model}`)).json()) as unknown[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onboarding-'));
    stack = await startLocalStack({ dataDir: join(dir, 'stack'), retryIntervalMs: 0, routerRetryDelaysMs: [0, 0], log: () => {} });
    env = {
      ...process.env,
      ...stack.env,
      AWS_PAGER: '',
    };
    const zip = join(dir, 'fn.zip');
    writeFileSync(zip, Buffer.from('504b0506000000000000000000000000000000000000', 'hex'));
    const create = (name: string, runtime: string, handler: string, variables?: Record<string, string>) =>
      aws('lambda', 'create-function', '--function-name', name, '--runtime', runtime, '--handler', handler, '--role', 'arn:aws:iam::000000000000:role/lambda', '--zip-file', `fileb://${zip}`, ...(variables ? ['--environment', JSON.stringify({ Variables: variables })] : []));
    // Arthur's sample, one per model: the model id, the host and the token in the environment.
    await create('arthur-fraud', 'python3.12', 'lambda_function.lambda_handler', { ARTHUR_MODEL_ID: FRAUD, ARTHUR_HOST: stack.endpoints.arthur, ARTHUR_ACCESS_TOKEN: stack.arthurToken });
    await create('arthur-churn', 'python3.12', 'lambda_function.lambda_handler', { ARTHUR_MODEL_ID: CHURN, ARTHUR_HOST: stack.endpoints.arthur, ARTHUR_ACCESS_TOKEN: stack.arthurToken });
    await create(ROUTER_NAME, 'nodejs22.x', 'handler.handler');
  }, 120_000);

  afterAll(async () => {
    await idle().catch(() => {});
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const legacyRule = (model: string) => ({
    Id: `arthur-${model}`,
    LambdaFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:arthur-${model}`,
    Events: ['s3:ObjectCreated:*'],
    Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `models/${model}/` }, { Name: 'suffix', Value: '.jsonl' }] } },
  });
  const audit = { Id: 'audit-removals', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:audit', Events: ['s3:ObjectRemoved:*'] };
  const putConfig = (config: object) => {
    const file = join(dir, `n-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    return aws('s3api', 'put-bucket-notification-configuration', '--bucket', 'datacapture', '--notification-configuration', `file://${file}`);
  };
  const getConfig = async () => JSON.parse((await aws('s3api', 'get-bucket-notification-configuration', '--bucket', 'datacapture', '--output', 'json')) || '{}');

  it("refuses the router's rule beside the per-model rules with S3's overlap message (why the deploy fails)", async () => {
    const refused = await putConfig({ LambdaFunctionConfigurations: [bucketWideRule(ROUTER_ARN), legacyRule('fraud'), legacyRule('churn')] }).catch((e: { stderr: string }) => e.stderr);
    expect(refused).toContain('An error occurred (InvalidArgument) when calling the PutBucketNotificationConfiguration operation: Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.');
    // The user's bucket as Arthur's guide leaves it.
    await putConfig({ LambdaFunctionConfigurations: [legacyRule('fraud'), legacyRule('churn')], QueueConfigurations: [audit] });
  });

  it('sends a capture put before the migration to the old function only', async () => {
    const before = stack.s3Notifications.deliveries.length;
    await aws('s3', 'cp', FIXTURE, 's3://datacapture/models/fraud/AllTraffic/2026/12/01/10/00-00-000-before.jsonl');
    await idle();
    expect(stack.s3Notifications.deliveries.slice(before).map((d) => [d.ruleId, d.handled])).toEqual([['arthur-fraud', false]]);
    expect(await received(FRAUD)).toHaveLength(0);
  });

  it('plans: names both models and their prefixes, keeps the other rule, changes nothing, prints no token', async () => {
    const io = bufferIo();
    expect(await runMigrate(['--bucket', 'datacapture'], io, { env })).toBe(0);
    const text = io.text();
    expect(text).toContain(`mapping models/fraud/ → model ${FRAUD}, host ${stack.endpoints.arthur}, token in ARTHUR_ACCESS_TOKEN (value not shown)`);
    expect(text).toContain(`mapping models/churn/ → model ${CHURN}`);
    expect(text).toContain('keep audit-removals (queue');
    expect(text).toContain('plan: 2 mapping(s), 0 rule(s) that cannot be mapped, 1 kept; nothing changed');
    expect(text).not.toContain(stack.arthurToken);
    expect((await getConfig()).LambdaFunctionConfigurations).toHaveLength(2);
  });

  let saved: string;
  it('applies: one bucket-wide rule, a mapping per model, the tokens in Secrets Manager, nothing printed of them', async () => {
    saved = join(dir, 'saved.json');
    const io = bufferIo();
    expect(await runMigrate(['--bucket', 'datacapture', '--apply', '--store-tokens', '--save', saved], io, { env })).toBe(0);
    expect(io.text()).not.toContain(stack.arthurToken);
    expect(io.text()).toContain('swapped in one PutBucketNotificationConfiguration: 2 rule(s) out');
    const config = await getConfig();
    expect(config.LambdaFunctionConfigurations).toEqual([{ Id: deployRuleId(ROUTER_NAME), LambdaFunctionArn: ROUTER_ARN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jsonl' }] } } }]);
    expect(config.QueueConfigurations).toEqual([audit]);
    const listed = bufferIo();
    await main(['mappings', 'list', '--endpoint', stack.endpoints.admin, '--json'], listed);
    const items = JSON.parse(listed.lines[0]!).items as Array<{ prefix: string; modelId: string; tokenSecretArn?: string }>;
    expect(items.map((m) => [m.prefix, m.modelId])).toEqual([['models/churn/', CHURN], ['models/fraud/', FRAUD]]);
    const sm = new SecretsManagerClient({ endpoint: stack.endpoints.secretsmanager, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const stored = await sm.send(new GetSecretValueCommand({ SecretId: items[1]!.tokenSecretArn! }));
    sm.destroy();
    expect(stored.Name).toBe(`capture-router/arthur-token-${FRAUD}`);
    expect(stored.SecretString).toBe(stack.arthurToken);
    expect(JSON.parse(readFileSync(saved, 'utf8')).configuration.LambdaFunctionConfigurations.map((c: { Id: string }) => c.Id)).toEqual(['arthur-fraud', 'arthur-churn']);
  });

  it('delivers a capture put afterwards to the router and the right model, not to the old function', async () => {
    const before = stack.s3Notifications.deliveries.length;
    await aws('s3', 'cp', FIXTURE, 's3://datacapture/models/fraud/AllTraffic/2026/12/01/11/00-00-000-after.jsonl');
    await idle();
    expect(stack.s3Notifications.deliveries.slice(before).map((d) => [d.ruleId, d.handled])).toEqual([[deployRuleId(ROUTER_NAME), true]]);
    const fraud = await received(FRAUD);
    expect(fraud.length).toBeGreaterThan(0);
    expect(await received(CHURN)).toHaveLength(0);
  });

  it('doctor: exits 1 with the fixes for 20 % sampling, Input only and no content-type header', async () => {
    await aws('sagemaker', 'create-endpoint-config', '--endpoint-config-name', 'legacy-config', '--production-variants', JSON.stringify([{ VariantName: 'AllTraffic', ModelName: 'legacy', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }]), '--data-capture-config', JSON.stringify({ EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: 's3://datacapture/unmapped', CaptureOptions: [{ CaptureMode: 'Input' }] }));
    await aws('sagemaker', 'create-endpoint', '--endpoint-name', 'legacy', '--endpoint-config-name', 'legacy-config');
    const io = bufferIo();
    expect(await runDoctor(['legacy'], io, { env })).toBe(1);
    const text = io.text();
    expect(text).toContain('✘ InitialSamplingPercentage is 20');
    expect(text).toContain('fix: set InitialSamplingPercentage to 100');
    expect(text).toContain('✘ CaptureOptions capture Input only');
    expect(text).toContain('fix: set CaptureOptions to [{CaptureMode: Input}, {CaptureMode: Output}]');
    expect(text).toContain('✘ no CaptureContentTypeHeader: SageMaker writes every payload BASE64-encoded; this router still decodes and delivers them');
    expect(text).toContain('✘ no mapping covers unmapped/legacy/');
    expect(text).toContain('fix: capture-router mappings put unmapped/legacy/ MODEL_ID');
  });

  it('doctor: exits 0 naming the model for a well-configured endpoint under a mapped prefix', async () => {
    await aws('sagemaker', 'create-endpoint-config', '--endpoint-config-name', 'fraud-config', '--production-variants', JSON.stringify([{ VariantName: 'AllTraffic', ModelName: 'fraud', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }]), '--data-capture-config', JSON.stringify({ EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://datacapture/models', CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }], CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] } }));
    await aws('sagemaker', 'create-endpoint', '--endpoint-name', 'fraud', '--endpoint-config-name', 'fraud-config');
    const io = bufferIo();
    const code = await runDoctor(['fraud', '--capture-bucket', 'datacapture'], io, { env });
    expect(io.text()).toContain(`✔ captures go to model ${FRAUD} (mapping models/fraud/)`);
    expect(io.text()).toContain("✔ newest capture is valid by Arthur's rules");
    expect(io.text()).toMatch(/✔ last \d+ execution\(s\): \d+ SUCCEEDED/);
    expect(io.text()).not.toContain('✘');
    expect(code).toBe(0);
    const json = bufferIo();
    expect(await runDoctor(['--all', '--json'], json, { env })).toBe(1);
    expect(json.lines.map((l) => JSON.parse(l)).map((r: { endpoint: string; ok: boolean }) => [r.endpoint, r.ok])).toEqual([['fraud', true], ['legacy', false]]);
  });

  it('rolls back to the saved configuration', async () => {
    const io = bufferIo();
    expect(await runMigrate(['--rollback', saved], io, { env })).toBe(0);
    expect((await getConfig()).LambdaFunctionConfigurations.map((c: { Id: string }) => c.Id)).toEqual(['arthur-fraud', 'arthur-churn']);
  });
});
