import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, SecretsUnavailableError } from '../errors.js';

export type GetToken = (secretArn: string) => Promise<string>;

/** A GetToken whose cache can be dropped: after Arthur answers 401, read the (maybe rotated) token once more. */
export type TokenProvider = GetToken & {
  /** Forgets the cached token of `secretArn` (every ARN when absent): the next call reads Secrets Manager. */
  invalidate(secretArn?: string): void;
};

export interface TokenProviderOptions {
  /**
   * How long a token read stays in the container. Short enough that a rotated key is picked up within
   * minutes, long enough that a burst of part uploads costs one GetSecretValue, not one each.
   */
  ttlMs?: number;
  now?: () => number;
}

/** Secrets Manager errors that no retry can fix: the mapping, the secret or the role is wrong. */
const CONFIGURATION_FAULTS: Record<string, string> = {
  ResourceNotFoundException: 'does not exist (or is not in this account and region)',
  AccessDeniedException: 'cannot be read by this function\'s role (secretsmanager:GetSecretValue, kms:Decrypt)',
  DecryptionFailure: 'cannot be decrypted with its KMS key by this function\'s role',
  InvalidRequestException: 'cannot be read now (is it scheduled for deletion?)',
  InvalidParameterException: 'is not a valid secret ID',
};

/**
 * A cached reader of Arthur tokens kept in Secrets Manager. The secret string is the raw token, or JSON
 * `{"token": "…"}` / `{"api_key": "…"}`. Concurrent reads of one ARN share one request. Errors name the ARN
 * and never the value.
 * @example
 * const getToken = createTokenProvider(new SecretsManagerClient({}));
 * const token = await getToken('arn:aws:secretsmanager:eu-west-1:123456789012:secret:arthur-token-AbCdEf');
 */
export function createTokenProvider(client: SecretsManagerClient, options: TokenProviderOptions = {}): TokenProvider {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: Promise<string>; expiresAt: number }>();

  const getToken = (secretArn: string): Promise<string> => {
    if (typeof secretArn !== 'string' || secretArn.trim() === '') {
      return Promise.reject(new ConfigurationError('No Arthur token secret is configured (empty secret ARN).'));
    }
    const hit = cache.get(secretArn);
    if (hit && hit.expiresAt > now()) return hit.token;
    const token = readToken(client, secretArn);
    cache.set(secretArn, { token, expiresAt: now() + ttlMs });
    // A failed read is not cached: the next part retries it (a fixed policy or a restored secret works at once).
    token.catch(() => {
      if (cache.get(secretArn)?.token === token) cache.delete(secretArn);
    });
    return token;
  };
  const invalidate = (secretArn?: string): void => {
    if (secretArn === undefined) cache.clear();
    else cache.delete(secretArn);
  };
  return Object.assign(getToken, { invalidate });
}

/**
 * Whether a GetSecretValue failure is transient: throttling, a server fault (5xx: InternalServiceError), or no
 * answer at all (a network error or a timeout carries no HTTP status). The SDK has retried these already
 * (Secrets Manager API Reference, "Common errors": ThrottlingException 400, InternalFailure/ServiceUnavailable 5xx).
 */
function isTransient(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'ThrottlingException' || e?.name === 'InternalServiceError' || e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (e?.$fault === 'server' || (status !== undefined && status >= 500)) return true;
  return status === undefined && e?.$fault === undefined;
}

async function readToken(client: SecretsManagerClient, secretArn: string): Promise<string> {
  let secretString: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    secretString = out.SecretString;
  } catch (err) {
    const name = (err as Error)?.name ?? '';
    const why = Object.hasOwn(CONFIGURATION_FAULTS, name) ? CONFIGURATION_FAULTS[name] : undefined;
    if (why) {
      throw new ConfigurationError(`The Arthur token secret ${secretArn} ${why} (${name}).`, { cause: err });
    }
    if (isTransient(err)) {
      throw new SecretsUnavailableError(`Secrets Manager did not return the Arthur token secret ${secretArn} for now (${name || 'network error'}); retry.`, { cause: err });
    }
    throw err;
  }
  if (secretString === undefined) {
    throw new ConfigurationError(
      `The Arthur token secret ${secretArn} has no SecretString (binary secrets are not supported); ` +
        'store the token as text or as JSON {"token": "…"}.',
    );
  }
  return tokenOf(secretString, secretArn);
}

/** Extracts the token from a secret string (raw, or JSON with `token` / `api_key`). */
export function tokenOf(secretString: string, secretArn: string): string {
  const text = secretString.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigurationError(
        `The Arthur token secret ${secretArn} starts with "{" but is not valid JSON; store the raw token or ` +
          '{"token": "…"}.',
      );
    }
    const record = parsed as Record<string, unknown>;
    const token = record.token ?? record.api_key;
    if (typeof token !== 'string' || token.trim() === '') {
      throw new ConfigurationError(
        `The Arthur token secret ${secretArn} is JSON without a non-empty "token" or "api_key" string field.`,
      );
    }
    return token.trim();
  }
  if (text === '') throw new ConfigurationError(`The Arthur token secret ${secretArn} is empty.`);
  if (/[\r\n]/.test(text)) {
    // A header value cannot hold a line break; better to say so than to send a broken request.
    throw new ConfigurationError(`The Arthur token secret ${secretArn} holds several lines; store the token alone.`);
  }
  return text;
}
