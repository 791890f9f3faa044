/** The upload Lambda: the UploadPart task of the ingest workflow. */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { buildUploadDeps, createUploadHandler, readUploadConfig } from './app.js';

const config = readUploadConfig(process.env);
export const handler = createUploadHandler(buildUploadDeps(config, { s3: new S3Client({}), secrets: new SecretsManagerClient({}) }));
