/**
 * What the upload Lambda needs around it, as emulators: s3rver with one generated capture object, a Secrets
 * Manager stub holding the Arthur token, and the Arthur-compatible receiver. `env()` gives the environment the
 * deployed function would get, pointed at them through the SDK's standard endpoint variables.
 */
import { startArthurReceiver, type ArthurReceiver } from '../../local/arthur/index.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { startS3rver, type S3rverServer } from './s3rver-server.js';
import { startSecretsManagerStub, type SecretsManagerStub } from './secrets-manager-stub.js';

export const RIG_BUCKET = 'datacapture';
export const RIG_MODEL = '9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
export const RIG_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:arthur-AbCdEf';
export const RIG_KEY = 'ep/AllTraffic/2026/11/24/12/00-01-123-abcd.jsonl';

export interface UploadRig {
  s3: S3rverServer;
  secrets: SecretsManagerStub;
  arthur: ArthurReceiver;
  /** The capture object at RIG_KEY, and how many inferences it holds. */
  captureText: string;
  inferences: number;
  /** The upload function's environment; `undefined` in overrides removes a variable. */
  env(overrides?: Record<string, string | undefined>): Record<string, string | undefined>;
  close(): Promise<void>;
}

export async function startUploadRig(options: { token: string; seed: number; records: number }): Promise<UploadRig> {
  const [s3, secrets, arthur] = await Promise.all([
    startS3rver(),
    startSecretsManagerStub({ [RIG_SECRET_ARN]: options.token }),
    startArthurReceiver({ token: options.token }),
  ]);
  await s3.createBucket(RIG_BUCKET);
  const generator = new CaptureGenerator({ seed: options.seed });
  let captureText = '';
  let inferences = 0;
  for (let i = 0; i < options.records; i++) {
    const line = generator.line();
    captureText += `${line.text}\n`;
    inferences += line.inferences;
  }
  await s3.put(RIG_BUCKET, RIG_KEY, captureText);
  return {
    s3,
    secrets,
    arthur,
    captureText,
    inferences,
    env: (overrides = {}) => ({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      ARTHUR_HOST: arthur.url,
      ARTHUR_TOKEN_SECRET_ARN: RIG_SECRET_ARN,
      ARTHUR_HOST_ALLOWLIST: '127.0.0.1',
      // Each re-import of a handler would print the SDK's Node 20 notice again.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...overrides,
    }),
    close: async () => {
      await Promise.all([s3.close(), secrets.close(), arthur.close()]);
    },
  };
}

/** Applies an environment to process.env: a value sets the variable, `undefined` deletes it. */
export function applyEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
