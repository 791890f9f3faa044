/**
 * A Secrets Manager endpoint speaking the JSON 1.1 protocol for GetSecretValue, so tests drive the real
 * SecretsManagerClient (signing, serialization, typed exceptions) without AWS.
 *
 * Protocol: `POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, `Content-Type: application/x-amz-json-1.1`,
 * body `{"SecretId": "…"}`; errors are HTTP 400 with `{"__type": "ResourceNotFoundException", "Message": "…"}`.
 */
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStub {
  endpoint: string;
  /** SecretId of every GetSecretValue received, in order. */
  calls: string[];
  setSecret(arn: string, secretString: string): void;
  deleteSecret(arn: string): void;
  /** Answers the next calls with this error type (e.g. AccessDeniedException). */
  failNext(type: string, count?: number): void;
  client(config?: SecretsManagerClientConfig): SecretsManagerClient;
  close(): Promise<void>;
}

export async function startSecretsManagerStub(initial: Record<string, string> = {}): Promise<SecretsManagerStub> {
  const secrets = new Map(Object.entries(initial));
  const calls: string[] = [];
  const failures: string[] = [];

  const server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const answer = (status: number, payload: unknown): void => {
          const text = JSON.stringify(payload);
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        };
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target !== 'secretsmanager.GetSecretValue') {
          return answer(400, { __type: 'UnknownOperationException', Message: `stub does not implement ${target}` });
        }
        const id = String((body as { SecretId?: unknown }).SecretId ?? '');
        calls.push(id);
        const failure = failures.shift();
        if (failure) return answer(400, { __type: failure, Message: `injected ${failure}` });
        const value = secrets.get(id);
        if (value === undefined) {
          return answer(400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        }
        answer(200, {
          ARN: id,
          Name: id.split(':').pop(),
          SecretString: value,
          VersionId: '00000000-0000-4000-8000-000000000001',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_764_000_000,
        });
      })
      .catch(() => {
        res.writeHead(400).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SecretsManagerClient[] = [];

  return {
    endpoint,
    calls,
    setSecret: (arn, value) => void secrets.set(arn, value),
    deleteSecret: (arn) => void secrets.delete(arn),
    failNext: (type, count = 1) => {
      for (let i = 0; i < count; i++) failures.push(type);
    },
    client(config = {}) {
      const client = new SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        // One attempt: a test of an error must not wait out the SDK's retries.
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}
