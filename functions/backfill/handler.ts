/** The backfill state machine's task (statemachines/backfill.asl.yml): routes one batch of listed objects. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { buildBackfillDeps, createBackfillHandler, readBackfillConfig } from './app.js';

const config = readBackfillConfig(process.env);
export const handler = createBackfillHandler(buildBackfillDeps(config, { dynamodb: new DynamoDBClient({}), sfn: new SFNClient({}) }));
