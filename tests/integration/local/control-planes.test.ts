import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import { CreateEndpointCommand, CreateEndpointConfigCommand, DeleteEndpointCommand, DeleteEndpointConfigCommand, DescribeEndpointCommand, DescribeEndpointConfigCommand, ListEndpointConfigsCommand, ListEndpointsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startLambdaApi, type LambdaApi } from '../../../local/lambda-api/index.js';
import { startSageMakerApi, type SageMakerApi } from '../../../local/sagemaker-api/index.js';
import { startSecretsManager, type LocalSecretsManager } from '../../../local/secrets-manager/index.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ROLE = 'arn:aws:iam::000000000000:role/arthur-lambda';
const zip = new Uint8Array(Buffer.from('PK\u0005\u0006'.padEnd(22, '\0')));

describe('local Lambda API (configuration only)', () => {
  let api: LambdaApi;
  let lambda: LambdaClient;
  beforeAll(async () => {
    api = await startLambdaApi();
    lambda = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    lambda.destroy();
    await api.close();
  });

  it('creates a function and reads its configuration back by name and by ARN, environment included', async () => {
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'arthur-fraud', Role: ROLE, Runtime: 'python3.12', Handler: 'lambda_function.lambda_handler', Code: { ZipFile: zip }, Environment: { Variables: { ARTHUR_MODEL_ID: 'm-1', ARTHUR_HOST: 'https://app.arthur.ai' } } }));
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:arthur-fraud');
    const byArn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: created.FunctionArn }));
    expect(byArn).toMatchObject({ FunctionName: 'arthur-fraud', Runtime: 'python3.12', Timeout: 3, MemorySize: 128, Environment: { Variables: { ARTHUR_MODEL_ID: 'm-1' } } });
    const full = await lambda.send(new GetFunctionCommand({ FunctionName: 'arthur-fraud' }));
    expect(full.Configuration?.FunctionName).toBe('arthur-fraud');
    expect(full.Code?.RepositoryType).toBe('S3');
  });

  it("answers Lambda's errors: a second create conflicts, an unknown function is not found, a bad request is refused", async () => {
    await expect(lambda.send(new CreateFunctionCommand({ FunctionName: 'arthur-fraud', Role: ROLE, Runtime: 'python3.12', Handler: 'h.h', Code: { ZipFile: zip } }))).rejects.toMatchObject({ name: 'ResourceConflictException', message: 'Function already exist: arthur-fraud' });
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope', $metadata: { httpStatusCode: 404 } });
    await expect(lambda.send(new CreateFunctionCommand({ FunctionName: 'x', Role: ROLE, Code: { ZipFile: zip } }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('lists every function across Marker pages', async () => {
    for (let i = 0; i < 5; i++) await lambda.send(new CreateFunctionCommand({ FunctionName: `page-${i}`, Role: ROLE, Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { ZipFile: zip } }));
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, {})) {
      pages++;
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    }
    expect(names).toEqual(['arthur-fraud', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(pages).toBe(3);
  });

  (existsSync('/usr/bin/aws') ? it : it.skip)('answers the AWS CLI', async () => {
    const { stdout } = await promisify(execFile)('/usr/bin/aws', ['--endpoint-url', api.url, 'lambda', 'get-function-configuration', '--function-name', 'arthur-fraud', '--output', 'json'], { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' } });
    expect(JSON.parse(stdout).Environment.Variables.ARTHUR_MODEL_ID).toBe('m-1');
  });
});

describe('local SageMaker API (endpoint configs and endpoints)', () => {
  let api: SageMakerApi;
  let sm: SageMakerClient;
  beforeAll(async () => {
    api = await startSageMakerApi();
    sm = new SageMakerClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    sm.destroy();
    await api.close();
  });
  const variants = [{ VariantName: 'AllTraffic', ModelName: 'fraud', InstanceType: 'ml.m5.large' as const, InitialInstanceCount: 1 }];
  const capture = { EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: 's3://datacapture/models/fraud', KmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k', CaptureOptions: [{ CaptureMode: 'Input' as const }], CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] } };

  it('keeps DataCaptureConfig as given and describes the endpoint with its capture summary', async () => {
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'Fraud-Config', ProductionVariants: variants, DataCaptureConfig: capture }));
    const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'Fraud-Config' }));
    expect(config.DataCaptureConfig).toEqual(capture);
    expect(config.EndpointConfigArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/fraud-config');
    expect(config.CreationTime).toBeInstanceOf(Date);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'Fraud-Config' }));
    const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: 'fraud' }));
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'Fraud-Config', DataCaptureConfig: { EnableCapture: true, CaptureStatus: 'Started', CurrentSamplingPercentage: 20, DestinationS3Uri: 's3://datacapture/models/fraud' } });
    expect((await sm.send(new ListEndpointsCommand({}))).Endpoints?.map((e) => e.EndpointName)).toEqual(['fraud']);
    expect((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs?.map((e) => e.EndpointConfigName)).toEqual(['Fraud-Config']);
  });

  it("answers SageMaker's ValidationExceptions", async () => {
    await expect(sm.send(new DescribeEndpointCommand({ EndpointName: 'missing' }))).rejects.toMatchObject({ name: 'ValidationException', message: 'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/missing".' });
    await expect(sm.send(new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'Fraud-Config' }))).rejects.toMatchObject({ name: 'ValidationException', message: 'Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/fraud".' });
    await expect(sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'bad', ProductionVariants: variants, DataCaptureConfig: { ...capture, InitialSamplingPercentage: 101 } }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sm.send(new CreateEndpointCommand({ EndpointName: 'other', EndpointConfigName: 'nope' }))).rejects.toMatchObject({ message: 'Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/nope".' });
  });

  it('deletes endpoints and configurations', async () => {
    await sm.send(new DeleteEndpointCommand({ EndpointName: 'fraud' }));
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'Fraud-Config' }));
    await expect(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'Fraud-Config' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('local Secrets Manager', () => {
  let api: LocalSecretsManager;
  let secrets: SecretsManagerClient;
  beforeAll(async () => {
    api = await startSecretsManager();
    secrets = new SecretsManagerClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    secrets.destroy();
    await api.close();
  });

  it('creates, reads by name and by ARN, puts a new version, and describes without the value', async () => {
    const created = await secrets.send(new CreateSecretCommand({ Name: 'capture-router/arthur-token-m-1', SecretString: 'first' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:capture-router\/arthur-token-m-1-[A-Za-z0-9_-]{6}$/);
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('first');
    await secrets.send(new PutSecretValueCommand({ SecretId: 'capture-router/arthur-token-m-1', SecretString: 'second' }));
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'capture-router/arthur-token-m-1' }))).SecretString).toBe('second');
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    expect(JSON.stringify(described)).not.toContain('second');
    await expect(secrets.send(new CreateSecretCommand({ Name: 'capture-router/arthur-token-m-1', SecretString: 'x' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
  });
});
