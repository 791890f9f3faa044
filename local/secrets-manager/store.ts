/**
 * The secrets of the local Secrets Manager and the actions on them, answered as the service answers (Secrets
 * Manager API Reference: CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret, each page's "Errors").
 * Versions carry the staging labels Secrets Manager moves on PutSecretValue: the new version becomes AWSCURRENT,
 * the former current one AWSPREVIOUS (User Guide, "Secret versions").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretsError } from './errors.js';

interface Version {
  id: string;
  value: { SecretString?: string; SecretBinary?: string };
  created: number;
}

interface Secret {
  ARN: string;
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  /** Oldest first: the last is AWSCURRENT, the one before it AWSPREVIOUS. */
  versions: Version[];
  CreatedDate: number;
  LastChangedDate: number;
  Tags?: Array<{ Key: string; Value: string }>;
}

export type Body = Record<string, any>;

const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** "a hyphen and six random characters" after the name (User Guide, "Finding a secret from a partial ARN"). */
function arnSuffix(): string {
  return [...randomBytes(6)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

export class SecretStore {
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  names(): string[] {
    return [...this.secrets.values()].map((s) => s.Name);
  }

  /** The action of an `X-Amz-Target: secretsmanager.<Action>`, or undefined when it is not implemented here. */
  action(name: string): ((body: Body) => unknown) | undefined {
    const actions: Record<string, (body: Body) => unknown> = {
      CreateSecret: (body) => this.create(body),
      PutSecretValue: (body) => this.put(body),
      GetSecretValue: (body) => this.get(body),
      DescribeSecret: (body) => this.describe(body),
    };
    return Object.hasOwn(actions, name) ? actions[name] : undefined;
  }

  /** A SecretId is the name, the full ARN, or the ARN without its six-character suffix (a partial ARN). */
  private find(id: unknown): Secret {
    if (typeof id !== 'string' || id === '') throw new SecretsError('InvalidParameterException', 'You must provide a SecretId.');
    for (const s of this.secrets.values()) if (s.Name === id || s.ARN === id || s.ARN.slice(0, -7) === id) return s;
    throw new SecretsError('ResourceNotFoundException', NOT_FOUND);
  }

  private create(body: Body) {
    const name = body.Name;
    if (typeof name !== 'string' || !NAME.test(name)) throw new SecretsError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    if (this.names().includes(name)) throw new SecretsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    if (typeof body.SecretString === 'string' && typeof body.SecretBinary === 'string') throw new SecretsError('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret.");
    const value = secretValueOf(body);
    const t = now();
    const secret: Secret = {
      ARN: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${arnSuffix()}`,
      Name: name,
      ...(body.Description ? { Description: body.Description } : {}),
      ...(body.KmsKeyId ? { KmsKeyId: body.KmsKeyId } : {}),
      ...(Array.isArray(body.Tags) ? { Tags: body.Tags } : {}),
      versions: value ? [{ id: body.ClientRequestToken ?? randomUUID(), value, created: t }] : [],
      CreatedDate: t,
      LastChangedDate: t,
    };
    this.secrets.set(secret.ARN, secret);
    return { ARN: secret.ARN, Name: name, ...(value ? { VersionId: secret.versions[0]!.id } : {}) };
  }

  private put(body: Body) {
    const secret = this.find(body.SecretId);
    const value = secretValueOf(body);
    if (!value) throw new SecretsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
    const version = { id: body.ClientRequestToken ?? randomUUID(), value, created: now() };
    secret.versions.push(version);
    secret.LastChangedDate = version.created;
    return { ARN: secret.ARN, Name: secret.Name, VersionId: version.id, VersionStages: ['AWSCURRENT'] };
  }

  private get(body: Body) {
    const secret = this.find(body.SecretId);
    const version = pickVersion(secret, body);
    return { ARN: secret.ARN, Name: secret.Name, VersionId: version.id, ...version.value, VersionStages: stagesOf(secret, version), CreatedDate: version.created };
  }

  private describe(body: Body) {
    const secret = this.find(body.SecretId);
    return {
      ARN: secret.ARN,
      Name: secret.Name,
      ...(secret.Description ? { Description: secret.Description } : {}),
      ...(secret.KmsKeyId ? { KmsKeyId: secret.KmsKeyId } : {}),
      ...(secret.Tags ? { Tags: secret.Tags } : {}),
      CreatedDate: secret.CreatedDate,
      LastChangedDate: secret.LastChangedDate,
      VersionIdsToStages: Object.fromEntries(
        secret.versions.map((v) => [v.id, stagesOf(secret, v)] as const).filter(([, stages]) => stages.length > 0),
      ),
    };
  }
}

/** GetSecretValue's version: by VersionId and/or VersionStage, AWSCURRENT when neither is given. */
function pickVersion(secret: Secret, body: Body): Version {
  const stage = typeof body.VersionStage === 'string' ? body.VersionStage : undefined;
  const id = typeof body.VersionId === 'string' ? body.VersionId : undefined;
  const byStage = (label: string) => {
    const n = secret.versions.length;
    return label === 'AWSCURRENT' ? secret.versions[n - 1] : label === 'AWSPREVIOUS' ? secret.versions[n - 2] : undefined;
  };
  if (id !== undefined) {
    const version = secret.versions.find((v) => v.id === id);
    if (!version || (stage !== undefined && byStage(stage) !== version)) {
      throw new SecretsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${id}`);
    }
    return version;
  }
  const label = stage ?? 'AWSCURRENT';
  const version = byStage(label);
  if (!version) throw new SecretsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`);
  return version;
}

function stagesOf(secret: Secret, version: Version): string[] {
  const i = secret.versions.indexOf(version);
  const n = secret.versions.length;
  return i === n - 1 ? ['AWSCURRENT'] : i === n - 2 ? ['AWSPREVIOUS'] : [];
}

function secretValueOf(body: Body): Version['value'] | undefined {
  const has = (k: string) => typeof body[k] === 'string';
  if (has('SecretString') === has('SecretBinary')) return undefined;
  return has('SecretString') ? { SecretString: body.SecretString as string } : { SecretBinary: body.SecretBinary as string };
}

const now = () => Date.now() / 1000;
