/**
 * The backfill state machine's task (statemachines/backfill.asl.yml): routes one batch of listed objects.
 * Composition root only: configuration is read and clients are built once per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import { MappingResolver } from '../../src/routing/mapping-resolver.js';
import { routeBatch, type BackfillBatchEvent, type BackfillBatchResult } from './route-batch.js';

const required = (name: string): string => {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`backfill: environment variable ${name} is required but not set`);
  return value;
};

const bucket = required('CAPTURE_BUCKET');
const store = new DynamoDbMappingStore(new DynamoDBClient({}), required('MAPPINGS_TABLE'));
// A backfill reads the same folders over and over: cache per container, as the router does.
const resolver = new MappingResolver((prefixes) => store.getMappings(prefixes), { ttlMs: 60_000 });
const starter = new SfnWorkflowStarter(new SFNClient({}), required('STATE_MACHINE_ARN'));

export const handler = middy<BackfillBatchEvent, BackfillBatchResult>().handler((event) =>
  routeBatch(event, { bucket, resolver, starter, concurrency: 8 }),
);
