/**
 * `capture-router executions list|show`: what the ingest workflow did with capture files, read from Step
 * Functions (executions, their history) and the ingestions table, against AWS (default credential chain) or the
 * local stack (AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL_DYNAMODB, which `capture-router local` prints).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseArgs } from 'node:util';
import type { IngestionItem } from '../src/contracts.js';
import { ExecutionInspector, type ExecutionDetail } from '../src/aws/execution-inspector.js';
import { executionPath, readableCause, type ExecutionPath } from '../src/diagnostics/execution-path.js';
import { explain, type Explanation } from '../src/diagnostics/explain.js';
import { UsageError, type Io } from './io.js';

const HELP = `usage: capture-router executions list [--model ID] [--status S] [--since T] [--limit N] [options]
       capture-router executions show NAME|KEY [options]

  list   newest executions of the ingest state machine, each with its file, model and recorded outcome
         --status RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED   --since ISO or 30m, 6h, 2d   --limit N (default 50)
         --model ID   only executions of that model
  show   one execution (its name or ARN) or one file (s3://BUCKET/KEY, BUCKET/KEY, or KEY with --bucket): the states
         it went through, each failed attempt with its error and whether it was retried, the ingestion record,
         where the quarantine object is, and why the file is or is not in Arthur

options:
  --state-machine-arn ARN  default $CAPTURE_ROUTER_STATE_MACHINE_ARN
  --ingestions-table NAME  default $CAPTURE_ROUTER_INGESTIONS_TABLE
  --artifacts-bucket NAME  where quarantine objects are; default $CAPTURE_ROUTER_ARTIFACTS_BUCKET
  --bucket NAME            the capture bucket for a bare KEY; default $CAPTURE_BUCKET
  --endpoint URL           the Step Functions endpoint (default $AWS_ENDPOINT_URL_SFN, else AWS)
  --dynamodb-endpoint URL  the DynamoDB endpoint (default $AWS_ENDPOINT_URL_DYNAMODB, else AWS)
  --region R               default $AWS_REGION
  --json                   one JSON document per line

Exit code: 0 found, 1 not found, 2 usage error or AWS unreachable.`;

export interface ExecutionsDeps {
  env?: NodeJS.ProcessEnv;
  /** Tests inject one built on the local stack. */
  inspector?: ExecutionInspector;
}

export async function runExecutions(argv: string[], io: Io, deps: ExecutionsDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub === undefined ? 2 : 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        status: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        'state-machine-arn': { type: 'string' },
        'ingestions-table': { type: 'string' },
        'artifacts-bucket': { type: 'string' },
        bucket: { type: 'string' },
        endpoint: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`executions: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const env = deps.env ?? process.env;
  const stateMachineArn = values['state-machine-arn'] ?? env.CAPTURE_ROUTER_STATE_MACHINE_ARN;
  const ingestionsTable = values['ingestions-table'] ?? env.CAPTURE_ROUTER_INGESTIONS_TABLE;
  const artifactsBucket = values['artifacts-bucket'] ?? env.CAPTURE_ROUTER_ARTIFACTS_BUCKET;
  let inspector = deps.inspector;
  if (!inspector) {
    if (!stateMachineArn) throw new UsageError('executions: give --state-machine-arn or set CAPTURE_ROUTER_STATE_MACHINE_ARN (the stack\'s IngestStateMachineArn output; `capture-router local` prints it)');
    if (!ingestionsTable) throw new UsageError('executions: give --ingestions-table or set CAPTURE_ROUTER_INGESTIONS_TABLE');
    const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    const sfn = new SFNClient({ ...(region ? { region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}) });
    const dynamodb = new DynamoDBClient({ ...(region ? { region } : {}), ...(values['dynamodb-endpoint'] ? { endpoint: values['dynamodb-endpoint'] } : {}) });
    inspector = new ExecutionInspector(sfn, dynamodb, { stateMachineArn, ingestionsTable });
  }
  try {
    switch (sub) {
      case 'list':
        return await list(inspector, io, {
          model: values.model,
          status: status(values.status),
          since: values.since === undefined ? undefined : since(values.since),
          limit: limit(values.limit),
          json: Boolean(values.json),
        });
      case 'show': {
        if (positionals.length !== 1) throw new UsageError('executions show: give one execution name or one file (s3://BUCKET/KEY)');
        return await show(inspector, io, positionals[0]!, { bucket: values.bucket ?? env.CAPTURE_BUCKET, artifactsBucket, json: Boolean(values.json) });
      }
      default:
        throw new UsageError(`executions: unknown subcommand "${sub}"\n\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`capture-router executions: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`);
    return 2;
  }
}

export interface ListedExecution {
  name: string;
  status: string;
  startDate?: string;
  stopDate?: string;
  bucket?: string;
  key?: string;
  modelId?: string;
  outcome?: string;
  error?: string;
}

/** Executions with their file and outcome (DescribeExecution and GetItem per execution: bounded by --limit). */
export async function listExecutions(inspector: ExecutionInspector, options: { model?: string; status?: string; since?: Date; limit: number }): Promise<ListedExecution[]> {
  // With --model the state machine cannot filter: read more and keep that model's.
  const summaries = await inspector.list({ status: options.status, since: options.since, limit: options.model ? Math.max(options.limit * 4, 200) : options.limit });
  const rows = await mapLimit(summaries, 8, async (s): Promise<ListedExecution> => {
    const d = await inspector.describe(s.executionArn);
    const input = d?.input;
    const ingestion = input?.bucket && input.key ? await inspector.ingestion(`${input.bucket}/${input.key}`) : undefined;
    return {
      name: s.name,
      status: s.status,
      startDate: s.startDate,
      ...(s.stopDate ? { stopDate: s.stopDate } : {}),
      ...(input?.bucket ? { bucket: input.bucket } : {}),
      ...(input?.key ? { key: input.key } : {}),
      ...(input?.modelId ? { modelId: input.modelId } : {}),
      ...(ingestion?.executionName === s.name ? { outcome: ingestion.status, ...(ingestion.error ? { error: ingestion.error } : {}) } : {}),
    };
  });
  return rows.filter((r) => !options.model || r.modelId === options.model).slice(0, options.limit);
}

async function list(inspector: ExecutionInspector, io: Io, options: { model?: string; status?: string; since?: Date; limit: number; json: boolean }): Promise<number> {
  const rows = await listExecutions(inspector, options);
  if (options.json) {
    for (const row of rows) io.out(JSON.stringify(row));
    return 0;
  }
  if (rows.length === 0) {
    io.out('no executions');
    return 0;
  }
  io.out(['STATUS', 'STARTED', 'OUTCOME', 'MODEL', 'FILE'].join('\t'));
  for (const r of rows) {
    io.out([r.status, r.startDate ?? '', `${r.outcome ?? '-'}${r.error ? ` (${r.error})` : ''}`, r.modelId ?? '-', r.bucket && r.key ? `s3://${r.bucket}/${r.key}` : '-'].join('\t'));
    io.out(`  ${r.name}`);
  }
  return 0;
}

export interface ExecutionReport {
  file?: { bucket: string; key: string; objectKey: string };
  execution?: ExecutionDetail;
  path?: ExecutionPath;
  ingestion?: IngestionItem;
  quarantine?: string;
  explanation: Explanation;
}

/** Everything known about one execution or one file. */
export async function executionReport(inspector: ExecutionInspector, target: string, options: { bucket?: string; artifactsBucket?: string }): Promise<ExecutionReport> {
  let objectKey: string | undefined;
  let ingestion: IngestionItem | undefined;
  if (target.startsWith('s3://')) objectKey = target.slice('s3://'.length);
  else if (target.includes('/')) {
    // A KEY in the capture bucket, or BUCKET/KEY: the first form that has a record wins (a key may itself start
    // with the bucket's name, e.g. SageMaker's DestinationS3Uri s3://datacapture/datacapture/…).
    const candidates = [...(options.bucket ? [`${options.bucket}/${target}`] : []), target];
    for (const candidate of candidates) {
      ingestion = await inspector.ingestion(candidate);
      if (ingestion) {
        objectKey = candidate;
        break;
      }
    }
    objectKey ??= candidates[0];
  }

  if (objectKey && !ingestion) ingestion = await inspector.ingestion(objectKey);
  const name = objectKey ? ingestion?.executionName : target;
  let execution = name ? await inspector.describe(name) : undefined;
  if (objectKey && !ingestion) execution = await runningExecutionOf(inspector, objectKey);
  if (!objectKey && execution?.input?.bucket && execution.input.key) {
    objectKey = `${execution.input.bucket}/${execution.input.key}`;
    ingestion = await inspector.ingestion(objectKey);
    // Another execution of the same key (a newer version, or a forced replay) wrote the record: not this one's.
    if (ingestion && ingestion.executionName !== execution.name) ingestion = undefined;
  }
  const path = execution ? executionPath(await inspector.history(execution.executionArn)) : undefined;
  const quarantineBucket = options.artifactsBucket;
  const slash = objectKey?.indexOf('/') ?? -1;
  return {
    ...(objectKey && slash > 0 ? { file: { bucket: objectKey.slice(0, slash), key: objectKey.slice(slash + 1), objectKey } } : {}),
    ...(execution ? { execution } : {}),
    ...(path ? { path } : {}),
    ...(ingestion ? { ingestion } : {}),
    ...(quarantineOf(ingestion, path, quarantineBucket) ? { quarantine: quarantineOf(ingestion, path, quarantineBucket) } : {}),
    explanation: explain(ingestion, execution, path, quarantineBucket),
  };
}

async function show(inspector: ExecutionInspector, io: Io, target: string, options: { bucket?: string; artifactsBucket?: string; json: boolean }): Promise<number> {
  const report = await executionReport(inspector, target, options);
  if (options.json) {
    io.out(JSON.stringify(report));
    return report.execution || report.ingestion ? 0 : 1;
  }
  const { execution, path, ingestion, file } = report;
  if (!execution && !ingestion) {
    io.out(`${target}: no execution of that name and no ingestion record of that file`);
    io.out(`why        ${report.explanation.reason}`);
    if (report.explanation.hint) io.out(`what to do ${report.explanation.hint}`);
    return 1;
  }
  if (execution) io.out(`execution  ${execution.name}  ${execution.status}  started ${execution.startDate ?? '?'}${execution.stopDate ? `  stopped ${execution.stopDate}` : ''}`);
  if (file) io.out(`file       s3://${file.bucket}/${file.key}${execution?.input?.modelId ? `  → model ${execution.input.modelId} (prefix ${execution.input.mappingPrefix ?? '?'})` : ''}`);
  if (path) io.out(`path       ${compressPath(path.states.map((s) => s.name)).join(' → ')}`);
  for (const f of path?.failures ?? []) {
    io.out(`${(f.retried ? 'retry' : 'failed').padEnd(11)}${f.state} attempt ${f.attempt} at ${f.at ?? '?'}: ${f.error}${f.cause ? `: ${oneLine(f.cause)}` : ''}${f.retried ? ' (retried)' : ' (not retried)'}`);
  }
  if (ingestion) {
    const counts = ['records', 'inferences', 'rejected', 'partCount'].filter((k) => (ingestion as unknown as Record<string, unknown>)[k] !== undefined).map((k) => `${k} ${(ingestion as unknown as Record<string, unknown>)[k]}`);
    io.out(`record     ${ingestion.status}  ${counts.join(', ')}${ingestion.error ? `  ${ingestion.error}` : ''}  (ingestions table, ${ingestion.objectKey})`);
  } else {
    io.out('record     none yet (the workflow writes it when it ends)');
  }
  if (report.quarantine) io.out(`quarantine ${report.quarantine}`);
  io.out(`why        ${report.explanation.verdict}: ${oneLine(report.explanation.reason)}`);
  if (report.explanation.hint) io.out(`what to do ${report.explanation.hint}`);
  return 0;
}

/**
 * A file without an ingestion record may still be in the workflow; its execution name hashes the ETag, which
 * the key alone does not give, so the running executions (at most 200, newest first) are searched by input.
 */
async function runningExecutionOf(inspector: ExecutionInspector, objectKey: string): Promise<ExecutionDetail | undefined> {
  for (const summary of await inspector.list({ status: 'RUNNING', limit: 200 })) {
    const detail = await inspector.describe(summary.executionArn);
    if (detail?.input?.bucket && `${detail.input.bucket}/${detail.input.key}` === objectKey) return detail;
  }
  return undefined;
}

/**
 * Where the rejected records are: the record's quarantineKey when validation returned; when it threw (every record
 * rejected), the recorded cause names the object.
 */
function quarantineOf(ingestion: IngestionItem | undefined, path: ExecutionPath | undefined, bucket: string | undefined): string | undefined {
  if (ingestion?.quarantineKey) return `s3://${bucket ?? '<artifacts bucket>'}/${ingestion.quarantineKey}`;
  const texts = [readableCause(ingestion?.cause), ...(path?.failures ?? []).map((f) => f.cause)];
  for (const text of texts) {
    const match = text ? /s3:\/\/[^\s;,)]+\.rejected\.jsonl/.exec(text) : null;
    if (match) return match[0];
  }
  return undefined;
}

/** UploadPart → UploadPart → UploadPart reads as UploadPart ×3. */
export function compressPath(names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; ) {
    let j = i;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? `${names[i]} ×${j - i}` : names[i]!);
    i = j;
  }
  return out;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 600 ? `${flat.slice(0, 597)}…` : flat;
}

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
function status(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (!STATUSES.has(upper)) throw new UsageError(`executions: --status ${value}: one of ${[...STATUSES].join(', ')}`);
  return upper;
}

/** An ISO instant, or a duration back from now: 30m, 6h, 2d. */
export function since(value: string, now: number = Date.now()): Date {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd']);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`executions: --since ${value}: an ISO instant (2026-11-25T10:00:00Z) or 30m, 6h, 2d`);
  return date;
}

function limit(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`executions: --limit ${value}: a whole number from 1 to 1000`);
  return n;
}

async function mapLimit<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
