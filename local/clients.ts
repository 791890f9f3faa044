/**
 * The SDK clients of the local stack, configured in one place: its region, its dummy credentials (s3rver's own
 * key pair; dynalite and the Step Functions endpoint accept any) and the S3 settings s3rver needs.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** s3rver checks the access key; dynalite and the SFN endpoint accept anything. One pair works for all three. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const common = { region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };

/**
 * Path style (s3rver has no virtual hosts) and checksums only when required: otherwise s3rver stores a streamed
 * put with its aws-chunked framing.
 * @example
 * const s3 = localS3Client(stack.endpoints.s3);
 */
export function localS3Client(endpoint: string, config: S3ClientConfig = {}): S3Client {
  return new S3Client({ ...common, endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', ...config });
}

export function localDynamoDbClient(endpoint: string, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...common, endpoint, ...config });
}

export function localSfnClient(endpoint: string, config: SFNClientConfig = {}): SFNClient {
  return new SFNClient({ ...common, endpoint, ...config });
}

/**
 * The deployed upload function's client (`new SecretsManagerClient({})` in functions/upload/handler.ts) pointed at
 * the local endpoint: the SDK's own retry strategy as there (standard mode, 3 attempts, its backoff), nothing tuned.
 */
export function localSecretsManagerClient(endpoint: string, config: SecretsManagerClientConfig = {}): SecretsManagerClient {
  return new SecretsManagerClient({ ...common, endpoint, ...config });
}

/** The three clients a script of the local stack needs, for the endpoints it serves. */
export interface LocalClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
}

export function localClients(endpoints: { s3: string; dynamodb: string; sfn: string }): LocalClients {
  return { s3: localS3Client(endpoints.s3), dynamodb: localDynamoDbClient(endpoints.dynamodb), sfn: localSfnClient(endpoints.sfn) };
}
