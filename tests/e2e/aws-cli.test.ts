/**
 * `capture-router local` driven as a user drives it: the serve mode started as a child process
 * (`node bin/capture-router.mjs local --port-base 0`), its printed endpoints and environment parsed, and the
 * real AWS CLI v2 against them — put a mapping into DynamoDB, copy a capture into S3, watch the execution in
 * Step Functions, find the UPLOADED record in the ingestions table.
 *
 * Needs an AWS CLI v2 (`apt-get install awscli`; .ci/run installs it when apt is there). /usr/bin/aws is
 * preferred: a pyenv shim earlier on PATH may be a CLI v1. Without one the test is skipped, saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const FIXTURE = 'tests/fixtures/captures/csv-fraud-scores.jsonl';
const MODEL = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const PREFIX = 'cli-test/fraud-endpoint/';
const KEY = `${PREFIX}AllTraffic/2026/11/25/10/00-01-234-aws-cli.jsonl`;

/** The first AWS CLI v2 found: $CAPTURE_ROUTER_AWS_CLI (`none`: skip), else /usr/bin/aws, then `aws` on PATH. */
function findAwsCliV2(): string | undefined {
  const chosen = process.env.CAPTURE_ROUTER_AWS_CLI;
  if (chosen === 'none') return undefined;
  for (const candidate of chosen ? [chosen] : ['/usr/bin/aws', '/usr/local/bin/aws', 'aws']) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      if (/^aws-cli\/2\./.test(version.trim())) return candidate;
    } catch {
      // Not there, or a shim that fails (pyenv without awscli): try the next.
    }
  }
  return undefined;
}

const aws = findAwsCliV2();

if (!aws) {
  console.warn('tests/e2e/aws-cli.test.ts skipped: no AWS CLI v2 found (apt-get install awscli; /usr/bin/aws is preferred)');
  describe('AWS CLI against capture-router local', () => {
    // biome-ignore lint/suspicious/noSkippedTests: skipped only where no AWS CLI v2 is installed, and the name says so
    it.skip(`SKIPPED: no AWS CLI v2 found (${process.env.CAPTURE_ROUTER_AWS_CLI ? `CAPTURE_ROUTER_AWS_CLI=${process.env.CAPTURE_ROUTER_AWS_CLI}` : 'tried /usr/bin/aws, /usr/local/bin/aws, aws on PATH'}); apt-get install awscli to run it`, () => {});
  });
} else {
  describe(`AWS CLI (${aws}) against capture-router local`, () => {
    let server: ChildProcess;
    let exited: Promise<number | null>;
    const output: string[] = [];
    let env: Record<string, string> = {};
    let home: string;
    let cliEnv: NodeJS.ProcessEnv;

    /** Runs the AWS CLI with the local stack's dummy credentials; JSON output parsed. */
    const run = async (args: string[]): Promise<any> => {
      const { stdout } = await exec(aws, [...args, '--output', 'json'], { env: cliEnv, timeout: 60_000, maxBuffer: 1 << 24 });
      // `s3 cp` prints progress text, not JSON, whatever --output says.
      return args[0] === 's3' ? stdout : stdout.trim() ? JSON.parse(stdout) : undefined;
    };

    beforeAll(async () => {
      server = spawn(process.execPath, ['bin/capture-router.mjs', 'local', '--port-base', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
      let buffered = '';
      const banner = new Promise<void>((resolve, reject) => {
        server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          output.push(...lines);
          if (lines.some((l) => l.includes('Ctrl-C to stop'))) resolve();
        });
        server.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(`stderr: ${chunk}`));
        void exited.then((code) => reject(new Error(`capture-router local exited (${code}) before it was up:\n${output.join('\n')}`)));
      });
      await banner;
      // The printed `export NAME=value` lines, as a user pastes them (values here are never quoted: no spaces).
      env = Object.fromEntries(output.flatMap((l) => [...l.matchAll(/^export (\w+)=(.*)$/g)].map((m) => [m[1]!, m[2]!.replace(/^'(.*)'$/, '$1')])));

      // A clean CLI home: no user config or credentials, path-style S3 addressing for the emulator.
      home = mkdtempSync(join(tmpdir(), 'capture-router-aws-cli-'));
      writeFileSync(join(home, 'config'), '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
      cliEnv = {
        PATH: process.env.PATH,
        HOME: home,
        ...env,
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_PAGER: '',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
    }, 60_000);

    afterAll(async () => {
      if (server && server.exitCode === null) {
        server.kill('SIGTERM');
        await exited;
      }
      if (home) rmSync(home, { recursive: true, force: true });
    }, 30_000);

    it('prints the endpoints and the environment the AWS CLI needs', () => {
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SFN', 'MAPPINGS_TABLE', 'INGESTIONS_TABLE', 'STATE_MACHINE_ARN', 'CAPTURE_BUCKET', 'ARTHUR_HOST']),
      );
    });

    it('put-item a mapping, s3 cp a capture: the execution SUCCEEDS and the ingestions table says UPLOADED', async () => {
      // --endpoint-url on every call: AWS_ENDPOINT_URL_<SERVICE> is honoured only from CLI 2.13 on (Debian 12 has 2.9).
      await run([
        'dynamodb', 'put-item', '--endpoint-url', env.AWS_ENDPOINT_URL_DYNAMODB!, '--table-name', env.MAPPINGS_TABLE!,
        '--item', JSON.stringify({ prefix: { S: PREFIX }, modelId: { S: MODEL } }),
      ]);
      await run(['s3', 'cp', FIXTURE, `s3://${env.CAPTURE_BUCKET}/${KEY}`, '--only-show-errors', '--endpoint-url', env.AWS_ENDPOINT_URL_S3!]);

      let executions: Array<{ name: string; status: string; executionArn: string }> = [];
      const deadline = Date.now() + 60_000;
      for (;;) {
        ({ executions } = await run(['stepfunctions', 'list-executions', '--endpoint-url', env.AWS_ENDPOINT_URL_SFN!, '--state-machine-arn', env.STATE_MACHINE_ARN!]));
        if (executions.length > 0 && executions.every((e) => e.status !== 'RUNNING')) break;
        if (Date.now() > deadline) throw new Error(`no ended execution after 60 s: ${JSON.stringify(executions)}\n${output.join('\n')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
      expect(executions[0]!.name).toContain('fraud-endpoint');

      const { Items } = await run(['dynamodb', 'scan', '--endpoint-url', env.AWS_ENDPOINT_URL_DYNAMODB!, '--table-name', env.INGESTIONS_TABLE!]);
      const record = (Items as Array<Record<string, { S?: string; N?: string }>>).find((i) => i.objectKey?.S === `${env.CAPTURE_BUCKET}/${KEY}`);
      expect(record).toBeDefined();
      expect({ status: record!.status?.S, modelId: record!.modelId?.S, executionName: record!.executionName?.S }).toEqual({
        status: 'UPLOADED',
        modelId: MODEL,
        executionName: executions[0]!.name,
      });

      // And the receiver holds the file's inferences under the mapped model.
      const received = (await (await fetch(`${env.ARTHUR_HOST}/__received?model=${MODEL}`)).json()) as unknown[];
      expect(received.length).toBeGreaterThan(0);
      expect(Number(record!.inferences?.N)).toBe(received.length);
    }, 120_000);

    it('stops cleanly on SIGTERM', async () => {
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output.at(-1)).toBe('stopped');
    }, 30_000);
  });
}
