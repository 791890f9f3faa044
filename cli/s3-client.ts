/**
 * The operator's S3 client on its own module: `executions` and `verify` need S3 only, and importing
 * cli/aws-clients.ts would load the Lambda and SageMaker SDKs at their start too.
 */
import { S3Client } from '@aws-sdk/client-s3';

/**
 * S3 as the operator's commands reach it: AWS, or AWS_ENDPOINT_URL_S3 (then path-style, which s3rver needs);
 * checksums only when required (s3rver stores a streamed put with aws-chunked framing otherwise).
 */
export function operatorS3Client(env: NodeJS.ProcessEnv, region?: string): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client({ ...baseConfig(env, region), ...(endpoint ? { endpoint, forcePathStyle: true } : {}), requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/** Region and credentials from `env` (the default chain when it names none). */
export function baseConfig(env: NodeJS.ProcessEnv, region?: string) {
  return {
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}

