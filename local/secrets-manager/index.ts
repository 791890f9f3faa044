/**
 * A local Secrets Manager on its JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.<Action>`):
 * CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret — what `capture-router migrate --store-tokens`
 * and the upload function's token provider use. A secret's ARN ends in `-` and six random characters, as
 * Secrets Manager's do; a SecretId is the name, the full ARN, or the ARN without that suffix. Errors as the
 * service sends them (Secrets Manager API Reference, CreateSecret / GetSecretValue "Errors",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
 * tests/support/secrets-manager-stub.ts stays the fault-injecting GetSecretValue stub of the unit tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../aws-json-protocol.js';

export interface SecretsManagerOptions {
  port?: number;
  region?: string;
  accountId?: string;
}

interface Secret {
  ARN: string;
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  versions: Array<{ id: string; value: { SecretString?: string; SecretBinary?: string }; created: number }>;
  CreatedDate: number;
  LastChangedDate: number;
  Tags?: Array<{ Key: string; Value: string }>;
}

export interface LocalSecretsManager {
  url: string;
  /** Names of the secrets, in creation order (never their values). */
  names(): string[];
  close(): Promise<void>;
}

class SecretsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}

const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const NOT_FOUND_VALUE = "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT";

export async function startSecretsManager(options: SecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  const secrets = new Map<string, Secret>();
  const findSecret = (id: unknown): Secret => {
    if (typeof id !== 'string' || id === '') throw new SecretsError('InvalidParameterException', 'You must provide a SecretId.');
    for (const s of secrets.values()) if (s.Name === id || s.ARN === id || s.ARN.slice(0, -7) === id) return s;
    throw new SecretsError('ResourceNotFoundException', NOT_FOUND);
  };
  const secretValueOf = (body: Record<string, any>) => {
    const has = (k: string) => typeof body[k] === 'string';
    if (has('SecretString') === has('SecretBinary')) return undefined;
    return has('SecretString') ? { SecretString: body.SecretString as string } : { SecretBinary: body.SecretBinary as string };
  };
  const now = () => Date.now() / 1000;

  const actions: Record<string, (body: Record<string, any>) => unknown> = {
    CreateSecret(body) {
      const name = body.Name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) throw new SecretsError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
      if ([...secrets.values()].some((s) => s.Name === name)) throw new SecretsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      if (typeof body.SecretString === 'string' && typeof body.SecretBinary === 'string') throw new SecretsError('InvalidParameterException', 'You can\'t specify both a binary secret value and a string secret value in the same secret.');
      const value = secretValueOf(body);
      const t = now();
      const secret: Secret = {
        ARN: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(6).toString('base64url').slice(0, 6)}`,
        Name: name,
        ...(body.Description ? { Description: body.Description } : {}),
        ...(body.KmsKeyId ? { KmsKeyId: body.KmsKeyId } : {}),
        ...(Array.isArray(body.Tags) ? { Tags: body.Tags } : {}),
        versions: value ? [{ id: body.ClientRequestToken ?? randomUUID(), value, created: t }] : [],
        CreatedDate: t,
        LastChangedDate: t,
      };
      secrets.set(secret.ARN, secret);
      return { ARN: secret.ARN, Name: name, ...(value ? { VersionId: secret.versions[0]!.id } : {}) };
    },
    PutSecretValue(body) {
      const secret = findSecret(body.SecretId);
      const value = secretValueOf(body);
      if (!value) throw new SecretsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
      const version = { id: body.ClientRequestToken ?? randomUUID(), value, created: now() };
      secret.versions.push(version);
      secret.LastChangedDate = version.created;
      return { ARN: secret.ARN, Name: secret.Name, VersionId: version.id, VersionStages: ['AWSCURRENT'] };
    },
    GetSecretValue(body) {
      const secret = findSecret(body.SecretId);
      const current = secret.versions[secret.versions.length - 1];
      if (!current) throw new SecretsError('ResourceNotFoundException', NOT_FOUND_VALUE);
      return { ARN: secret.ARN, Name: secret.Name, VersionId: current.id, ...current.value, VersionStages: ['AWSCURRENT'], CreatedDate: current.created };
    },
    DescribeSecret(body) {
      const secret = findSecret(body.SecretId);
      const current = secret.versions[secret.versions.length - 1];
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        ...(secret.Description ? { Description: secret.Description } : {}),
        ...(secret.KmsKeyId ? { KmsKeyId: secret.KmsKeyId } : {}),
        ...(secret.Tags ? { Tags: secret.Tags } : {}),
        CreatedDate: secret.CreatedDate,
        LastChangedDate: secret.LastChangedDate,
        VersionIdsToStages: current ? { [current.id]: ['AWSCURRENT'] } : {},
      };
    },
  };

  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    readBody(req)
      .then((text) => {
        const action = target.startsWith('secretsmanager.') ? actions[target.slice('secretsmanager.'.length)] : undefined;
        if (!action) throw new SecretsError('UnknownOperationException', `The local Secrets Manager does not implement ${target || '(no X-Amz-Target)'}`);
        send(res, 200, action(JSON.parse(text || '{}')));
      })
      .catch((error: unknown) => {
        if (error instanceof SecretsError) return send(res, 400, { __type: error.type, Message: error.message });
        send(res, 400, { __type: 'InvalidRequestException', Message: (error as Error).message });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    names: () => [...secrets.values()].map((s) => s.Name),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() });
  res.end(text);
}
