/** The admin Lambda (HTTP API, IAM authorization): mappings, resolve, replay. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { buildAdminDeps, createAdminHandler, readAdminConfig } from './app.js';

const config = readAdminConfig(process.env);
export const handler = createAdminHandler(buildAdminDeps(config, { dynamodb: new DynamoDBClient({}), sfn: new SFNClient({}), s3: new S3Client({}) }));
