/** The validate Lambda: the ValidateCapture task of the ingest workflow. */
import '../../src/polyfills.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { buildValidateDeps, createValidateHandler, readValidateConfig } from './app.js';

const config = readValidateConfig(process.env);
// Checksums only when required: a streamed PutObject to an emulator otherwise stores aws-chunked framing.
const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle, requestChecksumCalculation: 'WHEN_REQUIRED' });
export const handler = createValidateHandler(buildValidateDeps(config, { s3, dynamodb: new DynamoDBClient({}) }));
