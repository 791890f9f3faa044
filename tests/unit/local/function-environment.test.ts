import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFunctionEnvironment } from '../../../local/lambda/function-environment.js';
import { localFunctionEnv } from '../../../local/tasks.js';
import { stackNames } from '../../../local/stack-names.js';

const dir = mkdtempSync(join(tmpdir(), 'function-environment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a function environment as serverless.yml deploys it by default', () => {
  it("gives the router the repository's mappingCacheTtlSeconds param, whatever its value", () => {
    const file = join(process.cwd(), 'serverless.yml');
    const doc = parseYaml(readFileSync(file, 'utf8'), { logLevel: 'silent' }) as { params: { default: Record<string, string> } };
    expect(readFunctionEnvironment(file, 'router').MAPPING_CACHE_TTL_SECONDS).toBe(doc.params.default.mappingCacheTtlSeconds);
  });

  it('replaces ${param:X} with params.default.X and leaves out CloudFormation references and other variables', () => {
    const file = join(dir, 'serverless.yml');
    writeFileSync(
      file,
      [
        'params:',
        '  default:',
        "    ttl: '7'",
        '    retries: 3',
        'functions:',
        '  router:',
        '    environment:',
        '      MAPPING_CACHE_TTL_SECONDS: ${param:ttl}',
        '      LABEL: ttl-${param:ttl}-x${param:retries}',
        '      PLAIN: plain',
        '      MAPPINGS_TABLE:',
        '        Ref: MappingsTable',
        '      NAME: capture-router-${sls:stage}',
        '      MISSING: ${param:nope}',
      ].join('\n'),
    );
    expect(readFunctionEnvironment(file, 'router')).toEqual({ MAPPING_CACHE_TTL_SECONDS: '7', LABEL: 'ttl-7-x3', PLAIN: 'plain' });
    expect(readFunctionEnvironment(file, 'absent')).toEqual({});
  });

  it("sets the local router's MAPPING_CACHE_TTL_SECONDS to what it is given, and leaves it unset (the router's default) without it", () => {
    const base = { names: stackNames(), stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x', arthurHost: 'http://127.0.0.1:1', write: () => {} };
    expect(localFunctionEnv({ ...base, mappingCacheTtlSeconds: '60' }).router.MAPPING_CACHE_TTL_SECONDS).toBe('60');
    expect(localFunctionEnv({ ...base, mappingCacheTtlSeconds: 0 }).router.MAPPING_CACHE_TTL_SECONDS).toBe('0');
    expect(localFunctionEnv(base).router).not.toHaveProperty('MAPPING_CACHE_TTL_SECONDS');
  });
});
