import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTokenProvider } from '../../../src/aws/token-provider.js';
import { ConfigurationError, SecretsUnavailableError } from '../../../src/errors.js';
import { startSecretsManagerStub, type SecretsManagerStub } from '../../support/secrets-manager-stub.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:arthur-token-AbCdEf';
const VALUE = 'ak_live_0123456789abcdef';

let stub: SecretsManagerStub;
beforeAll(async () => {
  stub = await startSecretsManagerStub();
});
afterAll(() => stub.close());
beforeEach(() => {
  stub.calls.length = 0;
  stub.setSecret(ARN, VALUE);
});

describe('reading the token', () => {
  it.each([
    ['the raw token', VALUE],
    ['the raw token with a trailing newline', `${VALUE}\n`],
    ['JSON {"token"}', JSON.stringify({ token: VALUE })],
    ['JSON {"api_key"}', JSON.stringify({ api_key: VALUE, host: 'https://app.arthur.ai' })],
  ])('from %s', async (_label, secretString) => {
    stub.setSecret(ARN, secretString);
    await expect(createTokenProvider(stub.client())(ARN)).resolves.toBe(VALUE);
  });

  it.each([
    ['JSON without token or api_key', JSON.stringify({ password: VALUE }), /"token" or "api_key"/],
    ['JSON with an empty token', JSON.stringify({ token: ' ' }), /"token" or "api_key"/],
    ['broken JSON', `{"token": "${VALUE}"`, /not valid JSON/],
    ['an empty string', '   ', /is empty/],
    ['several lines', `${VALUE}\nsecond line`, /several lines/],
  ])('refuses %s with ConfigurationError naming the ARN, never the value', async (_label, secretString, message) => {
    stub.setSecret(ARN, secretString);
    const err = (await createTokenProvider(stub.client())(ARN).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(ARN);
    expect(err.message).not.toContain(VALUE);
  });
});

describe('failures of Secrets Manager', () => {
  it('a missing secret → ConfigurationError with the ARN', async () => {
    stub.deleteSecret(ARN);
    const err = (await createTokenProvider(stub.client())(ARN).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toContain(ARN);
    expect(err.message).toContain('ResourceNotFoundException');
  });

  it('access denied → ConfigurationError saying which permission is needed', async () => {
    stub.failNext('AccessDeniedException');
    await expect(createTokenProvider(stub.client())(ARN)).rejects.toThrow(/secretsmanager:GetSecretValue/);
  });

  it.each(['InternalServiceError', 'ThrottlingException'])('%s → SecretsUnavailableError (the workflow retries it) with the SDK error as cause, not cached', async (type) => {
    // One attempt: the SDK's own retries of a throttle are not what this tests.
    const getToken = createTokenProvider(stub.client({ maxAttempts: 1 }));
    stub.failNext(type);
    const err = (await getToken(ARN).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect(err.name).toBe('SecretsUnavailableError');
    expect((err.cause as Error).name).toBe(type);
    expect(err.message).toContain(ARN);
    stub.calls.length = 0;
    await expect(getToken(ARN)).resolves.toBe(VALUE);
    expect(stub.calls).toHaveLength(1);
  });

  it('no answer at all (nothing listening) → SecretsUnavailableError', async () => {
    const closed = await startSecretsManagerStub();
    const client = closed.client({ maxAttempts: 1 });
    await closed.close();
    await expect(createTokenProvider(client)(ARN)).rejects.toMatchObject({ name: 'SecretsUnavailableError' });
  });

  it('an empty ARN is a ConfigurationError without a call', async () => {
    await expect(createTokenProvider(stub.client())('')).rejects.toThrow(ConfigurationError);
    expect(stub.calls).toHaveLength(0);
  });
});

describe('the in-container cache', () => {
  it('reads each secret once per TTL, and again after it', async () => {
    let now = 1_000_000;
    const getToken = createTokenProvider(stub.client(), { ttlMs: 60_000, now: () => now });
    await getToken(ARN);
    await getToken(ARN);
    expect(stub.calls).toEqual([ARN]);
    stub.setSecret(ARN, 'rotated-token-value');
    now += 59_000;
    await expect(getToken(ARN)).resolves.toBe(VALUE);
    now += 2_000;
    await expect(getToken(ARN)).resolves.toBe('rotated-token-value');
    expect(stub.calls).toEqual([ARN, ARN]);
  });

  it('reads the secret again after invalidate(arn), for a refresh after a 401; other ARNs stay cached', async () => {
    const other = `${ARN}-other`;
    stub.setSecret(other, 'other-token');
    const provider = createTokenProvider(stub.client(), { ttlMs: 60_000 });
    await provider(ARN);
    await provider(other);
    stub.setSecret(ARN, 'rotated-token-value');
    await expect(provider(ARN)).resolves.toBe(VALUE);
    provider.invalidate(ARN);
    await expect(provider(ARN)).resolves.toBe('rotated-token-value');
    await expect(provider(other)).resolves.toBe('other-token');
    expect(stub.calls).toEqual([ARN, other, ARN]);
  });

  it('shares one request among concurrent reads, and keeps secrets apart', async () => {
    const other = `${ARN}-other`;
    stub.setSecret(other, 'other-token');
    const getToken = createTokenProvider(stub.client());
    const tokens = await Promise.all([getToken(ARN), getToken(ARN), getToken(other), getToken(ARN)]);
    expect(tokens).toEqual([VALUE, VALUE, 'other-token', VALUE]);
    expect(stub.calls.sort()).toEqual([ARN, other].sort());
  });
});
