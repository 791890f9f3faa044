/**
 * The admin Lambda (HTTP API, IAM authorization): mappings, resolve, replay. Composition root only:
 * configuration is read and clients are built once per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { S3CaptureLister } from '../../src/aws/capture-lister.js';
import { DynamoDbMappingStore } from '../../src/aws/dynamodb-mapping-store.js';
import { SfnWorkflowStarter } from '../../src/aws/sfn-workflow-starter.js';
import { parseAllowlist } from '../../src/arthur/host-policy.js';
import { createAdminHandler } from './app.js';

export interface AdminConfig {
  mappingsTable: string;
  stateMachineArn: string;
  captureBucket: string;
  allowlist: string[];
  mappingSecretArnPrefix?: string;
  replayMaxObjects: number;
}

/** Reads the admin function's configuration; throws naming the first missing or invalid variable. */
export function readAdminConfig(env: NodeJS.ProcessEnv): AdminConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`admin: environment variable ${name} is required but not set`);
    return value;
  };
  const maxObjects = env.REPLAY_MAX_OBJECTS?.trim() ? Number(env.REPLAY_MAX_OBJECTS) : 1000;
  if (!Number.isInteger(maxObjects) || maxObjects < 1 || maxObjects > 1000) {
    throw new Error(`admin: environment variable REPLAY_MAX_OBJECTS must be an integer from 1 to 1000, got ${JSON.stringify(env.REPLAY_MAX_OBJECTS)}`);
  }
  return {
    mappingsTable: required('MAPPINGS_TABLE'),
    stateMachineArn: required('STATE_MACHINE_ARN'),
    captureBucket: required('CAPTURE_BUCKET'),
    allowlist: parseAllowlist(required('ARTHUR_HOST_ALLOWLIST')),
    mappingSecretArnPrefix: env.MAPPING_SECRET_ARN_PREFIX?.trim() || undefined,
    replayMaxObjects: maxObjects,
  };
}

const config = readAdminConfig(process.env);

export const handler = createAdminHandler({
  store: new DynamoDbMappingStore(new DynamoDBClient({}), config.mappingsTable),
  starter: new SfnWorkflowStarter(new SFNClient({}), config.stateMachineArn),
  lister: new S3CaptureLister(new S3Client({}), config.captureBucket),
  bucket: config.captureBucket,
  allowlist: config.allowlist,
  mappingSecretArnPrefix: config.mappingSecretArnPrefix,
  // API Gateway gives an integration 30 s: 1,000 objects at 8 StartExecutions in flight fit with room to spare.
  replay: { maxObjectsPerCall: config.replayMaxObjects },
});
