/**
 * A local Secrets Manager on its JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.<Action>`):
 * CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret — what `capture-router migrate --store-tokens`
 * writes and the local stack's UploadPart reads through the real token provider (src/aws/token-provider.ts).
 * A secret's ARN ends in `-` and six random characters, as Secrets Manager's do; a SecretId is the name, the full
 * ARN, or the ARN without that suffix. Errors with AWS's literal types and HTTP statuses (errors.ts).
 * Test controls beside the protocol (faults.ts): POST /__faults {error, count?, action?, status?, reset?} or an
 * array of them — the next `count` calls of the action answer with that error; GET /__stats — calls and injected
 * faults per action. tests/support/secrets-manager-stub.ts stays the GetSecretValue stub of the unit tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../aws-json-protocol.js';
import { SecretsError } from './errors.js';
import { SecretsFaults, type SecretsFaultSpec, type SecretsStats } from './faults.js';
import { SecretStore } from './store.js';

export type { SecretsFaultSpec, SecretsStats } from './faults.js';

export interface SecretsManagerOptions {
  port?: number;
  region?: string;
  accountId?: string;
}

export interface LocalSecretsManager {
  url: string;
  /** Names of the secrets, in creation order (never their values). */
  names(): string[];
  /** Replaces the pending faults (what POST /__faults does). */
  setFaults(faults: SecretsFaultSpec | SecretsFaultSpec[]): void;
  /** Calls received and faults injected, per action (what GET /__stats answers). */
  stats(): SecretsStats;
  close(): Promise<void>;
}

export async function startSecretsManager(options: SecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const store = new SecretStore(options.region ?? 'us-east-1', options.accountId ?? '000000000000');
  const faults = new SecretsFaults();
  const server = createServer((req, res) => {
    handle(req, res, store, faults).catch((error: unknown) => {
      if (error instanceof SecretsError) return send(res, error.status, { __type: error.type, Message: error.message });
      send(res, 400, { __type: 'InvalidRequestException', Message: (error as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    names: () => store.names(),
    setFaults: (specs) => faults.set(specs),
    stats: () => faults.stats(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, store: SecretStore, faults: SecretsFaults): Promise<void> {
  const text = await readBody(req);
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/__faults' && req.method === 'POST') {
    faults.set(JSON.parse(text || '{}') as SecretsFaultSpec | SecretsFaultSpec[]);
    return send(res, 200, { pending: faults.size });
  }
  if (path === '/__stats' && req.method === 'GET') return send(res, 200, faults.stats());
  const target = String(req.headers['x-amz-target'] ?? '');
  const name = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
  const action = store.action(name);
  if (!action) throw new SecretsError('UnknownOperationException', `The local Secrets Manager does not implement ${target || '(no X-Amz-Target)'}`);
  const injected = faults.take(name);
  if (injected) throw injected;
  send(res, 200, action(JSON.parse(text || '{}')));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() });
  res.end(text);
}
