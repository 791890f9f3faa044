/**
 * Real SDK clients pointed at a running local stack, as a user's script would configure them (local/clients.ts:
 * path-style S3 with checksums only when required, the stack's dummy credentials).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { localDynamoDbClient, localS3Client, localSfnClient } from '../../local/clients.js';
import type { LocalStack } from '../../local/stack.js';

export const stackS3 = (stack: LocalStack): S3Client => localS3Client(stack.endpoints.s3);

export const stackSfn = (stack: LocalStack): SFNClient => localSfnClient(stack.endpoints.sfn);

export const stackDynamoDb = (stack: LocalStack): DynamoDBClient => localDynamoDbClient(stack.endpoints.dynamodb);
