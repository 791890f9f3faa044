/**
 * The local Secrets Manager as the real SDK client and the real token provider see it: AWS's error types at their
 * HTTP statuses (so the SDK's own retry decision is AWS's), version stages after a rotation, and the fault
 * controls over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { localSecretsManagerClient } from '../../../local/clients.js';
import { startSecretsManager, type LocalSecretsManager } from '../../../local/secrets-manager/index.js';
import { createTokenProvider } from '../../../src/aws/token-provider.js';

let api: LocalSecretsManager;
/** One attempt: what the service answered, before any retry. */
let once: SecretsManagerClient;
/** The deployed configuration: standard retry mode, 3 attempts. */
let standard: SecretsManagerClient;
let arn: string;

beforeAll(async () => {
  api = await startSecretsManager();
  once = localSecretsManagerClient(api.url, { maxAttempts: 1 });
  standard = localSecretsManagerClient(api.url);
  arn = (await once.send(new CreateSecretCommand({ Name: 'capture-router/local-sm-test', SecretString: 'token-1' }))).ARN!;
});
afterAll(async () => {
  once.destroy();
  standard.destroy();
  await api.close();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: { name: string; $fault: string; $metadata: { httpStatusCode?: number } }) => ({ name: e.name, fault: e.$fault, status: e.$metadata.httpStatusCode }),
  );
const reads = () => api.stats().GetSecretValue?.calls ?? 0;

describe('GetSecretValue errors, as the SDK receives them', () => {
  it.each([
    ['an unknown secret', undefined, 'nope', { name: 'ResourceNotFoundException', fault: 'client', status: 400 }],
    ['an empty SecretId', undefined, '', { name: 'InvalidParameterException', fault: 'client', status: 400 }],
    ['throttled', { error: 'ThrottlingException' }, undefined, { name: 'ThrottlingException', fault: 'client', status: 400 }],
    ['a server error', { error: 'InternalServiceError' }, undefined, { name: 'InternalServiceError', fault: 'server', status: 500 }],
    ['unavailable', { error: 'ServiceUnavailable' }, undefined, { name: 'ServiceUnavailable', fault: 'server', status: 503 }],
  ])('%s: %j', async (_label, fault, secretId, expected) => {
    api.setFaults(fault ?? []);
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: secretId ?? arn })))).toEqual(expected);
  });

  it('answers an injected fault for the next N calls of its action only, and counts them', async () => {
    const before = api.stats();
    api.setFaults({ error: 'ThrottlingException', count: 2 });
    await once.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: arn })))).toMatchObject({ name: 'ThrottlingException' });
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: arn })))).toMatchObject({ name: 'ThrottlingException' });
    expect((await once.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBeDefined();
    const after = api.stats();
    expect(after.GetSecretValue!.calls - (before.GetSecretValue?.calls ?? 0)).toBe(3);
    expect(after.GetSecretValue!.faults - (before.GetSecretValue?.faults ?? 0)).toBe(2);
    expect(after.DescribeSecret!.faults - (before.DescribeSecret?.faults ?? 0)).toBe(0);
  });
});

describe("the SDK's standard retries against it (3 attempts)", () => {
  it('retries a 500 InternalServiceError itself: two faults, the third call answers', async () => {
    const before = reads();
    api.setFaults({ error: 'InternalServiceError', count: 2 });
    expect((await standard.send(new GetSecretValueCommand({ SecretId: arn }))).ARN).toBe(arn);
    expect(reads() - before).toBe(3);
  });

  it('gives up after 3 calls; the token provider turns that into SecretsUnavailableError, not cached', async () => {
    const getToken = createTokenProvider(standard);
    const before = reads();
    api.setFaults({ error: 'InternalServiceError', count: 3 });
    await expect(getToken(arn)).rejects.toMatchObject({ name: 'SecretsUnavailableError' });
    expect(reads() - before).toBe(3);
    expect(await getToken(arn)).toMatch(/^token-/);
  });

  it('does not retry InternalServiceError sent as 400 (an older page gave that status); the provider still says SecretsUnavailableError', async () => {
    const getToken = createTokenProvider(standard);
    const before = reads();
    api.setFaults({ error: 'InternalServiceError', status: 400 });
    await expect(getToken(arn)).rejects.toMatchObject({ name: 'SecretsUnavailableError' });
    expect(reads() - before).toBe(1);
  });

  it('does not retry ResourceNotFoundException: the provider says ConfigurationError after one call', async () => {
    const getToken = createTokenProvider(standard);
    const before = reads();
    await expect(getToken(`${arn.slice(0, -7)}-other`)).rejects.toMatchObject({ name: 'ConfigurationError' });
    expect(reads() - before).toBe(1);
  });
});

describe('rotation', () => {
  it('PutSecretValue makes the new version AWSCURRENT and the former one AWSPREVIOUS, by name, ARN or partial ARN', async () => {
    const first = await once.send(new GetSecretValueCommand({ SecretId: arn }));
    const put = await once.send(new PutSecretValueCommand({ SecretId: 'capture-router/local-sm-test', SecretString: 'token-2' }));
    const current = await once.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }));
    expect(current).toMatchObject({ SecretString: 'token-2', VersionId: put.VersionId, VersionStages: ['AWSCURRENT'] });
    const previous = await once.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({ SecretString: first.SecretString, VersionId: first.VersionId, VersionStages: ['AWSPREVIOUS'] });
    expect((await once.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages).toEqual({ [first.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] });
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: arn, VersionId: first.VersionId, VersionStage: 'AWSCURRENT' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a cached token survives the rotation until invalidate(), then the new one is read', async () => {
    const getToken = createTokenProvider(standard);
    const cached = await getToken(arn);
    await once.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'token-3' }));
    expect(await getToken(arn)).toBe(cached);
    getToken.invalidate(arn);
    expect(await getToken(arn)).toBe('token-3');
  });
});

describe('the fault controls over HTTP', () => {
  it('POST /__faults arms faults, GET /__stats counts them; an unknown error type is refused', async () => {
    const post = (body: unknown) => fetch(`${api.url}/__faults`, { method: 'POST', body: JSON.stringify(body) });
    const armed = await post([{ error: 'ThrottlingException', count: 2 }, { error: 'ServiceUnavailable' }]);
    expect([armed.status, await armed.json()]).toEqual([200, { pending: 3 }]);
    expect(await failure(once.send(new GetSecretValueCommand({ SecretId: arn })))).toMatchObject({ name: 'ThrottlingException' });
    const refused = await post({ error: 'Throttling' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ __type: 'InvalidParameterException' });
    const reset = await post({ reset: true });
    expect(await reset.json()).toEqual({ pending: 0 });
    const stats = (await (await fetch(`${api.url}/__stats`)).json()) as Record<string, unknown>;
    expect(stats).toEqual({});
    expect((await once.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('token-3');
  });
});
