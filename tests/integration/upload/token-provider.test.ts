import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTokenProvider } from '../../../src/aws/token-provider.js';
import { ConfigurationError } from '../../../src/errors.js';
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

  it('a transient service error keeps its SDK name, and is not cached', async () => {
    const getToken = createTokenProvider(stub.client());
    stub.failNext('InternalServiceError');
    await expect(getToken(ARN)).rejects.toMatchObject({ name: 'InternalServiceError' });
    await expect(getToken(ARN)).resolves.toBe(VALUE);
    expect(stub.calls).toHaveLength(2);
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

  it('shares one request among concurrent reads, and keeps secrets apart', async () => {
    const other = `${ARN}-other`;
    stub.setSecret(other, 'other-token');
    const getToken = createTokenProvider(stub.client());
    const tokens = await Promise.all([getToken(ARN), getToken(ARN), getToken(other), getToken(ARN)]);
    expect(tokens).toEqual([VALUE, VALUE, 'other-token', VALUE]);
    expect(stub.calls.sort()).toEqual([ARN, other].sort());
  });
});
