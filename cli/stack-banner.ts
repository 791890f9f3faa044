/**
 * What `capture-router local` and `npm start -- --keep` print about a running local stack: the console first (the
 * page a newcomer opens), then every endpoint, then the `export …` lines to paste into another shell.
 */
import type { LocalStack } from '../local/stack.js';

export function stackBanner(stack: LocalStack): string[] {
  const { endpoints } = stack;
  return [
    `  Console         ${endpoints.console}   ← open this: recent files by status and model, each one's path, retries and quarantined reasons`,
    `  S3              ${endpoints.s3}   (bucket ${stack.captureBucket}; credentials S3RVER/S3RVER, path-style)`,
    `  DynamoDB        ${endpoints.dynamodb}   (tables ${stack.mappingsTable}, ${stack.ingestionsTable})`,
    `  Step Functions  ${endpoints.sfn}   (${stack.stateMachineArn})`,
    `  Admin API       ${endpoints.admin}   (capture-router mappings … --endpoint ${endpoints.admin})`,
    `  Arthur          ${endpoints.arthur}${stack.receiver ? '   (local receiver; GET /__received?model=ID, POST /__faults)' : ''}`,
    `  Lambda          ${endpoints.lambda}   (function configurations, for capture-router migrate)`,
    `  SageMaker       ${endpoints.sagemaker}   (endpoints and their DataCaptureConfig, for capture-router doctor)`,
    `  Secrets Manager ${endpoints.secretsmanager}   (the token UploadPart reads: ${stack.env.ARTHUR_TOKEN_SECRET_ARN}; migrate --store-tokens; POST /__faults)`,
  ];
}

export function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

/** Single-quoted for POSIX shells, so a value with spaces or `$` pastes as it is. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
