import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, type NotificationConfiguration, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../../cli/io.js';
import { main } from '../../../cli/main.js';
import { runMigrate } from '../../../cli/migrate-command.js';
import { startLambdaApi, type LambdaApi } from '../../../local/lambda-api/index.js';
import { startNotifyingS3, type NotifyingS3 } from '../../support/notifying-s3.js';

const ROUTER = 'arn:aws:lambda:us-east-1:000000000000:function:capture-router-dev-router';
const io = () => {
  const lines: string[] = [];
  return { lines, isTty: false, out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), text: () => lines.join('\n') } satisfies Io & { lines: string[]; text(): string };
};
const rule = (name: string, prefix: string) => ({ Id: name, LambdaFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }, { Name: 'suffix', Value: '.jsonl' }] } } });

describe('migrate refuses what would lose files', () => {
  let s3: NotifyingS3;
  let lambda: LambdaApi;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    s3 = await startNotifyingS3({ buckets: ['legacy-bucket', 'single-model'] });
    lambda = await startLambdaApi();
    const client = new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const zip = { ZipFile: new Uint8Array(Buffer.from('504b0506000000000000000000000000000000000000', 'hex')) };
    await client.send(new CreateFunctionCommand({ FunctionName: 'arthur-a', Role: 'arn:aws:iam::000000000000:role/r', Runtime: 'python3.12', Handler: 'h.h', Code: zip, Environment: { Variables: { ARTHUR_MODEL_ID: 'm-a', ARTHUR_ACCESS_TOKEN: 'tok-a-very-secret' } } }));
    await client.send(new CreateFunctionCommand({ FunctionName: 'resize', Role: 'arn:aws:iam::000000000000:role/r', Runtime: 'python3.12', Handler: 'h.h', Code: zip }));
    client.destroy();
    await s3.client().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'legacy-bucket', NotificationConfiguration: { LambdaFunctionConfigurations: [rule('arthur-a', 'models/a/'), rule('resize', 'images/')] } as NotificationConfiguration }));
    await s3.client().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'single-model', NotificationConfiguration: { LambdaFunctionConfigurations: [rule('arthur-a', 'models/a/')] } as NotificationConfiguration }));
    env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_LAMBDA: lambda.url, CAPTURE_ROUTER_ROUTER_ARN: ROUTER, CAPTURE_ROUTER_API_URL: 'http://127.0.0.1:9' };
  });
  afterAll(async () => {
    await s3?.close();
    await lambda?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses --apply while an overlapping rule cannot be mapped, and changes nothing', async () => {
    const out = io();
    expect(await runMigrate(['--bucket', 'legacy-bucket', '--apply', '--save', join(dir, 's.json')], out, { env })).toBe(1);
    expect(out.text()).toContain('cannot map resize');
    expect(out.text()).toContain('has no ARTHUR_MODEL_ID');
    expect(out.text()).toContain('1 overlapping rule(s) cannot be mapped');
    expect(out.text()).not.toContain('tok-a-very-secret');
    expect(existsSync(join(dir, 's.json'))).toBe(false);
    const config = await s3.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'legacy-bucket' }));
    expect(config.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['arthur-a', 'resize']);
  });

  it('asks before storing a token, keeps it out of Secrets Manager on a no, and swaps nothing when the admin API is unreachable', async () => {
    const out = io();
    const questions: string[] = [];
    const confirm = async (q: string) => {
      questions.push(q);
      return false;
    };
    await expect(runMigrate(['--bucket', 'single-model', '--apply', '--save', join(dir, 'single.json')], out, { env, confirm })).rejects.toThrow('cannot reach the admin API');
    expect(questions).toEqual(['store the token of arthur-a (ARTHUR_ACCESS_TOKEN) in Secrets Manager as capture-router/arthur-token-m-a? [y/N] ']);
    expect(out.text()).toContain("the token in arthur-a's ARTHUR_ACCESS_TOKEN was not stored");
    expect(out.text()).not.toContain('tok-a-very-secret');
    expect(existsSync(join(dir, 'single.json'))).toBe(true);
    const config = await s3.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'single-model' }));
    expect(config.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['arthur-a']);
  });

  it('prints the plan as JSON without the token value', async () => {
    const out = io();
    expect(await runMigrate(['--bucket', 'legacy-bucket', '--json'], out, { env })).toBe(0);
    const { plan } = JSON.parse(out.lines[0]!);
    expect(plan.mappings).toMatchObject([{ prefix: 'models/a/', modelId: 'm-a', tokenVariable: 'ARTHUR_ACCESS_TOKEN' }]);
    expect(out.text()).not.toContain('tok-a-very-secret');
  });

  it.each([
    [['migrate'], 2],
    [['migrate', '--bucket', 'legacy-bucket', '--apply', '--rollback', 'f'], 2],
    [['doctor'], 2],
    [['doctor', 'x', '--all'], 2],
    [['doctor', 'x', '--recent', 'soon'], 2],
    [['migrate', '--help'], 0],
    [['doctor', '--help'], 0],
  ])('capture-router %j exits %d', async (argv, code) => {
    expect(await main(argv, io())).toBe(code);
  });

  it('lists both commands in the help', async () => {
    const out = io();
    await main(['--help'], out);
    expect(out.text()).toMatch(/migrate --bucket B/);
    expect(out.text()).toMatch(/doctor ENDPOINT/);
  });
});
