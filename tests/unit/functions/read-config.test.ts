import { describe, expect, it } from '@jest/globals';
import { readAdminConfig } from '../../../functions/admin/app.js';
import { readBackfillConfig } from '../../../functions/backfill/app.js';
import { readRouterConfig } from '../../../functions/router/app.js';
import { readUploadConfig } from '../../../functions/upload/app.js';
import { readValidateConfig } from '../../../functions/validate/app.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:capture-router-ingest';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:arthur-AbCdEf';

describe('readRouterConfig', () => {
  it('reads the table, the state machine, the TTL in seconds and the deployed name', () => {
    expect(readRouterConfig({ MAPPINGS_TABLE: 't', STATE_MACHINE_ARN: ARN, MAPPING_CACHE_TTL_SECONDS: '30', AWS_LAMBDA_FUNCTION_NAME: 'cr-prod-router' })).toEqual({
      mappingsTable: 't',
      stateMachineArn: ARN,
      cacheTtlMs: 30_000,
      functionName: 'cr-prod-router',
    });
  });

  it('names the function and the variable in its message', () => {
    expect(() => readRouterConfig({ STATE_MACHINE_ARN: ARN })).toThrow('router: environment variable MAPPINGS_TABLE is required but not set');
  });
});

describe('readValidateConfig', () => {
  const complete = { ARTIFACTS_BUCKET: 'artifacts', INGESTIONS_TABLE: 'ingestions' };

  it('defaults to 10 MiB / 10,000-record parts and virtual-hosted S3 addressing', () => {
    expect(readValidateConfig(complete)).toEqual({
      artifactsBucket: 'artifacts',
      ingestionsTable: 'ingestions',
      limits: { maxBytes: 10 * 1024 * 1024, maxRecords: 10_000 },
      s3ForcePathStyle: false,
    });
  });

  it('takes path-style addressing only when told (an emulator), never from an endpoint variable', () => {
    expect(readValidateConfig({ ...complete, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4580' }).s3ForcePathStyle).toBe(false);
    expect(readValidateConfig({ ...complete, S3_FORCE_PATH_STYLE: 'true' }).s3ForcePathStyle).toBe(true);
  });

  it.each([
    ['ARTIFACTS_BUCKET missing', {}, 'validate: environment variable ARTIFACTS_BUCKET is required'],
    ['INGESTIONS_TABLE missing (the ledger it reads first)', { ARTIFACTS_BUCKET: 'artifacts' }, 'validate: environment variable INGESTIONS_TABLE is required'],
    ['a part size of 0', { ...complete, MAX_PART_BYTES: '0' }, 'validate: environment variable MAX_PART_BYTES must be an integer'],
    ['a record limit that is not an integer', { ...complete, MAX_PART_RECORDS: '1e3.5' }, 'validate: environment variable MAX_PART_RECORDS must be an integer'],
    ['a path-style flag that is not a boolean', { ...complete, S3_FORCE_PATH_STYLE: '1' }, 'validate: environment variable S3_FORCE_PATH_STYLE must be true or false'],
  ])('fails naming the variable on %s', (_case, env, message) => {
    expect(() => readValidateConfig(env)).toThrow(message);
  });
});

describe('readUploadConfig', () => {
  const complete = { ARTHUR_HOST: 'https://app.arthur.ai', ARTHUR_TOKEN_SECRET_ARN: SECRET, ARTHUR_HOST_ALLOWLIST: 'app.arthur.ai' };

  it('reads ARTHUR_ORGANIZATION_ID, sent as Arthur-Organization-ID', () => {
    expect(readUploadConfig({ ...complete, ARTHUR_ORGANIZATION_ID: ' 0f8a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b ' }).organizationId).toBe('0f8a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b');
  });

  it('reads the default host, secret, allowlist and a 300 s default timeout (what Arthur\'s own client waits)', () => {
    expect(readUploadConfig(complete)).toEqual({ defaultHost: 'https://app.arthur.ai', defaultSecretArn: SECRET, allowlist: ['app.arthur.ai'], timeoutMs: 300_000 });
  });

  it.each([
    ['ARTHUR_HOST missing', { ...complete, ARTHUR_HOST: undefined }, 'upload: environment variable ARTHUR_HOST is required but not set (serverless.yml sets it)'],
    ['a timeout in words', { ...complete, ARTHUR_TIMEOUT_MS: '30s' }, 'upload: environment variable ARTHUR_TIMEOUT_MS must be an integer of milliseconds ≥ 1, got "30s"'],
    ['a default host outside its own allowlist', { ...complete, ARTHUR_HOST: 'https://elsewhere.example.com' }, 'not in the allowlist'],
  ])('fails on %s', (_case, env, message) => {
    expect(() => readUploadConfig(env)).toThrow(message);
  });
});

describe('readBackfillConfig', () => {
  it('reads the bucket, the table and the state machine', () => {
    expect(readBackfillConfig({ CAPTURE_BUCKET: 'b', MAPPINGS_TABLE: 't', STATE_MACHINE_ARN: ARN })).toEqual({ captureBucket: 'b', mappingsTable: 't', stateMachineArn: ARN });
  });

  it('names the missing variable', () => {
    expect(() => readBackfillConfig({ MAPPINGS_TABLE: 't', STATE_MACHINE_ARN: ARN })).toThrow('backfill: environment variable CAPTURE_BUCKET is required');
  });
});

describe('readAdminConfig', () => {
  const complete = { MAPPINGS_TABLE: 't', STATE_MACHINE_ARN: ARN, CAPTURE_BUCKET: 'b', ARTHUR_HOST_ALLOWLIST: 'app.arthur.ai, *.arthur.ai' };

  it('reads its variables, with 1,000 objects per replay call by default', () => {
    expect(readAdminConfig({ ...complete, MAPPING_SECRET_ARN_PREFIX: 'arn:aws:secretsmanager:us-east-1:1:secret:capture-router/' })).toEqual({
      mappingsTable: 't',
      stateMachineArn: ARN,
      captureBucket: 'b',
      allowlist: ['app.arthur.ai', '*.arthur.ai'],
      mappingSecretArnPrefix: 'arn:aws:secretsmanager:us-east-1:1:secret:capture-router/',
      replayMaxObjects: 1000,
    });
  });

  it.each([['0'], ['1001'], ['x']])('refuses REPLAY_MAX_OBJECTS=%j, saying the bounds', (value) => {
    expect(() => readAdminConfig({ ...complete, REPLAY_MAX_OBJECTS: value })).toThrow(
      `admin: environment variable REPLAY_MAX_OBJECTS must be an integer from 1 to 1000, got "${value}"`,
    );
  });
});
