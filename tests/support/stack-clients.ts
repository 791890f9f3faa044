/**
 * Real SDK clients pointed at a running local stack, as a user's script would configure them: path-style S3 with
 * checksums only when required (s3rver would store a streamed body with aws-chunked framing otherwise), the
 * stack's own dummy credentials.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { LocalStack } from '../../local/stack.js';

const REGION = 'us-east-1';
const credentialsOf = (stack: LocalStack) => ({ accessKeyId: stack.env.AWS_ACCESS_KEY_ID!, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY! });

export const stackS3 = (stack: LocalStack): S3Client =>
  new S3Client({ endpoint: stack.endpoints.s3, region: REGION, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: credentialsOf(stack) });

export const stackSfn = (stack: LocalStack): SFNClient => new SFNClient({ endpoint: stack.endpoints.sfn, region: REGION, credentials: credentialsOf(stack) });

export const stackDynamoDb = (stack: LocalStack): DynamoDBClient => new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: REGION, credentials: credentialsOf(stack) });
