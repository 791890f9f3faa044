/**
 * `capture-router doctor ENDPOINT… | --all`: checks each SageMaker endpoint's capture setup end to end —
 * DescribeEndpoint → DescribeEndpointConfig → the DataCaptureConfig checks, the mapping its captures resolve to
 * (the admin API's /resolve), the newest capture (ListObjectsV2) and whether it validates (checkCaptureFile), the
 * model's last executions. The checks themselves are pure: src/onboarding/capture-checks.ts.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, ListEndpointsCommand } from '@aws-sdk/client-sagemaker';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ExecutionInspector } from '../src/aws/execution-inspector.js';
import { checkCaptureFile } from '../src/capture/index.js';
import { listExecutions } from '../src/diagnostics/execution-report.js';
import { type CaptureCheck, capturePath, type EndpointFacts, type Read, runCaptureChecks, type DataCaptureFacts } from '../src/onboarding/capture-checks.js';
import { CONNECTION_OPTIONS } from './admin-commands.js';
import { AdminClient } from './admin-client.js';
import { findStack } from './stack-target.js';
import { describeAwsError, type OperatorClients, operatorClients } from './aws-clients.js';
import { type Io, UsageError } from './io.js';

const HELP = `usage: capture-router doctor ENDPOINT… | --all [--json] [--capture-bucket B] [--recent 24h]
                             [--state-machine-arn ARN --ingestions-table NAME] [--executions N] [connection options]

For each SageMaker endpoint: capture enabled, InitialSamplingPercentage 100, CaptureOptions Input and Output,
a CaptureContentTypeHeader (else SageMaker writes BASE64: still delivered, larger and slower), KMS key access,
the destination in the capture bucket and under a mapping (names the model), the newest capture's age and
validity, the model's last executions. One line per check — ✔ pass, ✘ fail (with the fix), ? not checkable
(does not fail).

  --all                   every endpoint of the account and region (ListEndpoints)
  --capture-bucket B      the bucket the router watches (default $CAPTURE_BUCKET)
  --recent DURATION       how old the newest capture may be: 90m, 24h, 7d (default 24h)
  --state-machine-arn ARN default $CAPTURE_ROUTER_STATE_MACHINE_ARN; --ingestions-table NAME default
                          $CAPTURE_ROUTER_INGESTIONS_TABLE (both: the last executions are checked)
  --executions N          how many of the model's last executions to look at (default 10)
  --endpoint URL          the admin API (default $CAPTURE_ROUTER_API_URL, else --stack's HttpApiUrl output)
  --stack NAME, --stage S, --region R, --sigv4

Exit code: 0 every check passed, 1 any failed, 2 usage.`;

export interface DoctorDeps {
  env?: NodeJS.ProcessEnv;
  clients?: OperatorClients;
  fetch?: typeof fetch;
  now?: () => Date;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        all: { type: 'boolean' },
        'capture-bucket': { type: 'string' },
        recent: { type: 'string' },
        'state-machine-arn': { type: 'string' },
        'ingestions-table': { type: 'string' },
        executions: { type: 'string' },
        ...CONNECTION_OPTIONS,
      },
    });
  } catch (error) {
    throw new UsageError(`doctor: ${(error as Error).message}\n\n${HELP}`);
  }
}

type Values = ReturnType<typeof parse>['values'];

export async function runDoctor(argv: string[], io: Io, deps: DoctorDeps = {}): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (Boolean(values.all) === positionals.length > 0) throw new UsageError(`doctor: name one or more endpoints, or --all\n\n${HELP}`);
  const recentMs = duration(values.recent ?? '24h');
  const executionLimit = values.executions === undefined ? 10 : wholeNumber('--executions', values.executions);
  const env = deps.env ?? process.env;
  const clients = deps.clients ?? operatorClients(env, values.region);
  const now = deps.now ?? (() => new Date());
  try {
    const endpoints = values.all ? await allEndpoints(clients) : positionals;
    const admin = await adminClient(values, env, deps.fetch);
    const stateMachineArn = values['state-machine-arn'] ?? env.CAPTURE_ROUTER_STATE_MACHINE_ARN;
    const ingestionsTable = values['ingestions-table'] ?? env.CAPTURE_ROUTER_INGESTIONS_TABLE;
    const inspector = stateMachineArn && ingestionsTable ? new ExecutionInspector(clients.sfn, clients.dynamodb, { stateMachineArn, ingestionsTable }) : undefined;
    let failed = 0;
    for (const endpoint of endpoints) {
      const facts = await gatherFacts(endpoint, { clients, admin, inspector, captureBucket: values['capture-bucket'] ?? env.CAPTURE_BUCKET, recentMs, executionLimit, now: now() });
      const checks = runCaptureChecks(facts);
      const bad = checks.filter((c) => c.status === 'fail').length;
      if (bad > 0) failed++;
      print(io, endpoint, checks, Boolean(values.json));
    }
    if (!values.json && endpoints.length === 0) io.out('no endpoints');
    return failed > 0 ? 1 : 0;
  } finally {
    if (!deps.clients) clients.destroy();
  }
}

function print(io: Io, endpoint: string, checks: CaptureCheck[], json: boolean): void {
  const bad = checks.filter((c) => c.status === 'fail').length;
  if (json) {
    io.out(JSON.stringify({ endpoint, ok: bad === 0, checks }));
    return;
  }
  io.out(endpoint);
  for (const c of checks) {
    io.out(`  ${c.status === 'pass' ? '✔' : c.status === 'fail' ? '✘' : '?'} ${c.message}`);
    if (c.fix && c.status !== 'pass') io.out(`      fix: ${c.fix}`);
  }
  io.out(`${endpoint}: ${bad === 0 ? `all ${checks.filter((c) => c.status === 'pass').length} checks passed` : `${bad} of ${checks.length} checks failed`}`);
}

interface Sources {
  clients: OperatorClients;
  admin?: AdminClient;
  inspector?: ExecutionInspector;
  captureBucket?: string;
  recentMs: number;
  executionLimit: number;
  now: Date;
}

async function gatherFacts(endpoint: string, s: Sources): Promise<EndpointFacts> {
  const base = { endpoint, now: s.now, recentMs: s.recentMs, ...(s.captureBucket ? { captureBucket: s.captureBucket } : {}) };
  const config = await read(async () => {
    const e = await s.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const c = await s.clients.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: e.EndpointConfigName! }));
    const variants = (c.ProductionVariants ?? []).map((v) => v.VariantName!).filter(Boolean);
    return { endpointConfigName: e.EndpointConfigName!, variant: variants[0] ?? 'AllTraffic', variants, ...(c.DataCaptureConfig ? { capture: c.DataCaptureConfig as DataCaptureFacts } : {}) };
  });
  if ('error' in config) return { ...base, config };
  const where = config.value.capture?.DestinationS3Uri ? capturePath(config.value.capture.DestinationS3Uri, endpoint) : undefined;
  if (!where || config.value.capture?.EnableCapture === false) return { ...base, config };
  const probe = `${where.prefix}${config.value.variant}/${s.now.toISOString().slice(0, 13).replace(/[-T]/g, '/')}/doctor-probe.jsonl`;
  const resolution = s.admin ? await read(async () => resolveMapping(s.admin!, probe)) : undefined;
  const newest = await read(() => newestObject(s.clients, where.bucket, where.prefix, config.value.variants, new Date(s.now.getTime() - s.recentMs)));
  const found = 'value' in newest ? newest.value : null;
  const newestReport = found ? await read(() => validateObject(s.clients, where.bucket, found.key)) : undefined;
  const modelId = resolution && 'value' in resolution ? resolution.value?.modelId : undefined;
  const executions = s.inspector && modelId ? await read(() => listExecutions(s.inspector!, { model: modelId, limit: s.executionLimit })) : undefined;
  return { ...base, config, ...(resolution ? { resolution } : {}), newest, ...(newestReport ? { newestReport } : {}), ...(executions ? { executions } : {}) };
}

async function read<T>(load: () => Promise<T>): Promise<Read<T>> {
  try {
    return { value: await load() };
  } catch (error) {
    return { error: describeAwsError(error) };
  }
}

async function resolveMapping(admin: AdminClient, key: string): Promise<{ prefix: string; modelId: string; enabled: boolean } | null> {
  const body = (await admin.request('GET', '/resolve', { query: { key } })).body;
  const mapping = body?.match?.mapping;
  return mapping ? { prefix: mapping.prefix, modelId: mapping.modelId, enabled: mapping.enabled !== false } : null;
}

/**
 * The most recently modified capture under the prefix. SageMaker's keys sort by time within a variant
 * ({variant}/yyyy/mm/dd/hh/…), so each variant is first listed only from the hour partition of `since`; only when
 * that finds nothing is the whole prefix listed, to say how old the newest capture is.
 */
async function newestObject(clients: OperatorClients, bucket: string, prefix: string, variants: string[], since: Date): Promise<{ key: string; lastModified: Date } | null> {
  const hour = since.toISOString().slice(0, 13).replace(/[-T]/g, '/');
  let newest: { key: string; lastModified: Date } | null = null;
  for (const variant of variants) newest = later(newest, await newestListed(clients, bucket, `${prefix}${variant}/`, `${prefix}${variant}/${hour}`));
  return newest ?? (await newestListed(clients, bucket, prefix));
}

async function newestListed(clients: OperatorClients, bucket: string, prefix: string, startAfter?: string): Promise<{ key: string; lastModified: Date } | null> {
  let newest: { key: string; lastModified: Date } | null = null;
  let token: string | undefined;
  do {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, ...(startAfter && !token ? { StartAfter: startAfter } : {}) }));
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith('.jsonl') && o.LastModified) newest = later(newest, { key: o.Key, lastModified: o.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return newest;
}

function later<T extends { lastModified: Date }>(a: T | null, b: T | null): T | null {
  if (!a) return b;
  if (!b) return a;
  return b.lastModified > a.lastModified ? b : a;
}

async function validateObject(clients: OperatorClients, bucket: string, key: string) {
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const report = await checkCaptureFile(object.Body as Readable);
  return { valid: report.valid, records: report.records, errors: report.errors.map((e) => ({ line: e.line, code: e.code, message: e.message })) };
}

async function allEndpoints(clients: OperatorClients): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.sagemaker.send(new ListEndpointsCommand({ MaxResults: 100, NextToken: token }));
    names.push(...(page.Endpoints ?? []).map((e) => e.EndpointName!));
    token = page.NextToken;
  } while (token);
  return names;
}

async function adminClient(values: Values, env: NodeJS.ProcessEnv, fetchImpl?: typeof fetch): Promise<AdminClient | undefined> {
  // Optional for doctor: without an admin API, the mapping check says it cannot tell instead of failing.
  const endpoint = (await findStack({ flags: { apiUrl: values.endpoint }, stack: values.stack, region: values.region, env, fetch: fetchImpl })).apiUrl;
  return endpoint ? new AdminClient({ endpoint, ...(values.sigv4 ? { sign: true } : {}), region: values.region, env, fetch: fetchImpl }) : undefined;
}

function duration(text: string): number {
  const m = /^(\d+)(m|h|d)$/.exec(text);
  if (!m) throw new UsageError(`doctor: --recent takes a duration like 90m, 24h or 7d, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

function wholeNumber(flag: string, text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`doctor: ${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
