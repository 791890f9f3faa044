import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The SDK clients a function's `build<Name>Deps` takes: built once per container by handler.ts, or by the local
 * stack and the tests pointed at their emulators. Each function picks the ones it needs.
 */
export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  secrets: SecretsManagerClient;
}
