/**
 * SDK client settings for the commands that read the operator's AWS resources (migrate, doctor): region and
 * credentials from the given environment (default chain when it names none), and each service's
 * AWS_ENDPOINT_URL_<SERVICE> from it too, so a test or the local stack's printed `export` lines point one command at
 * the emulators without touching process.env. S3 goes path-style when an endpoint is given (s3rver needs it).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { baseConfig, operatorS3Client } from './s3-client.js';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';

export interface OperatorClients {
  s3: S3Client;
  lambda: LambdaClient;
  sagemaker: SageMakerClient;
  secrets: SecretsManagerClient;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  destroy(): void;
}

export function operatorClients(env: NodeJS.ProcessEnv, region?: string): OperatorClients {
  const base = baseConfig(env, region);
  const at = (variable: string) => {
    const endpoint = env[variable] ?? env.AWS_ENDPOINT_URL;
    return endpoint ? { endpoint } : {};
  };
  const clients = {
    s3: operatorS3Client(env, region),
    lambda: new LambdaClient({ ...base, ...at('AWS_ENDPOINT_URL_LAMBDA') }),
    sagemaker: new SageMakerClient({ ...base, ...at('AWS_ENDPOINT_URL_SAGEMAKER') }),
    secrets: new SecretsManagerClient({ ...base, ...at('AWS_ENDPOINT_URL_SECRETS_MANAGER') }),
    sfn: new SFNClient({ ...base, ...at('AWS_ENDPOINT_URL_SFN') }),
    dynamodb: new DynamoDBClient({ ...base, ...at('AWS_ENDPOINT_URL_DYNAMODB') }),
  };
  return { ...clients, destroy: () => {
      for (const c of Object.values(clients)) c.destroy();
    }, };
}

/** The SDK error's name and message, for one line of output. */
export function describeAwsError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
