/**
 * The router Lambda: one bucket-wide S3 notification (ObjectCreated, suffix .jsonl) invokes it asynchronously.
 * Endpoints come from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SFN when set (local stack, tests).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { buildRouterDeps, createRouterHandler, readRouterConfig } from './app.js';

export { readRouterConfig } from './app.js';

const config = readRouterConfig(process.env);
export const handler = createRouterHandler(buildRouterDeps(config, { dynamodb: new DynamoDBClient({}), sfn: new SFNClient({}) }));
