/**
 * `capture-router executions list|show`: what the ingest workflow did with capture files, read from Step
 * Functions (executions, their history) and the ingestions table, against AWS (default credential chain) or the
 * local stack (AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL_DYNAMODB, which `capture-router local` prints).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseArgs } from 'node:util';
import { ExecutionInspector } from '../src/aws/execution-inspector.js';
import { createQuarantineReader, type ReadQuarantine } from '../src/aws/quarantine-reader.js';
import { formatGroup } from '../src/capture/index.js';
import { executionReport, listExecutions, type ExecutionReport } from '../src/diagnostics/execution-report.js';
import type { IngestionItem } from '../src/contracts.js';
import { outcomesPrefixOf } from '../src/parts/manifest.js';
import { partTotals } from '../src/parts/part-counts.js';
import { operatorS3Client } from './s3-client.js';
import { UsageError, type Io } from './io.js';
import { findStack, requireResource, type FoundStack } from './stack-target.js';

const HELP = `usage: capture-router executions list [--model ID] [--status S] [--since T] [--limit N] [options]
       capture-router executions show NAME|KEY [options]

  list   newest executions of the ingest state machine, each with its file, model and recorded outcome
         --status RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED   --since ISO or 30m, 6h, 2d   --limit N (default 50)
         --model ID   only executions of that model
  show   one execution (its name or ARN) or one file (s3://BUCKET/KEY, BUCKET/KEY, or KEY with --bucket): the states
         it went through, each failed attempt with its error and whether it was retried, the ingestion record,
         where the quarantine object is and its first reasons by code (count, lines, one example, its fix), and
         why the file is or is not in Arthur

Where the stack is: the flags below, else the variables \`capture-router local\` prints, else --stack NAME (a
deployed stack's outputs), else — against AWS_ENDPOINT_URL_SFN — its one state machine named …-ingest.

options:
  --stack NAME             a deployed capture-router stack: its outputs give everything below
  --state-machine-arn ARN  default $CAPTURE_ROUTER_STATE_MACHINE_ARN
  --ingestions-table NAME  default $CAPTURE_ROUTER_INGESTIONS_TABLE
  --artifacts-bucket NAME  where quarantine objects are; default $CAPTURE_ROUTER_ARTIFACTS_BUCKET
  --bucket NAME            the capture bucket for a bare KEY; default $CAPTURE_BUCKET
  --endpoint URL           the Step Functions endpoint (default $AWS_ENDPOINT_URL_SFN, else AWS)
  --dynamodb-endpoint URL  the DynamoDB endpoint (default $AWS_ENDPOINT_URL_DYNAMODB, else AWS)
                           (the quarantine object is read from $AWS_ENDPOINT_URL_S3, else AWS)
  --region R               default $AWS_REGION
  --json                   one JSON document per line

Exit code: 0 found, 1 not found, 2 usage error or AWS unreachable.`;

export interface ExecutionsDeps {
  env?: NodeJS.ProcessEnv;
  /** Tests inject one built on the local stack. */
  inspector?: ExecutionInspector;
  /** Tests inject one built on the local stack; else a reader over an S3 client from the environment. */
  readQuarantine?: ReadQuarantine;
}

const EXECUTIONS_OPTIONS = {
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
  stack: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseExecutionsArgs(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, options: EXECUTIONS_OPTIONS });
  } catch (error) {
    throw new UsageError(`executions: ${(error as Error).message}`);
  }
}

export async function runExecutions(argv: string[], io: Io, deps: ExecutionsDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub === undefined ? 2 : 0;
  }
  const { values, positionals } = parseExecutionsArgs(rest);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const env = deps.env ?? process.env;
  let inspector = deps.inspector;
  let stack: FoundStack = { sources: {} };
  let readQuarantine = deps.readQuarantine;
  let s3: S3Client | undefined;
  if (!inspector) {
    const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    // Endpoint flags win over the SDK's variables; discovery asks the same endpoint the commands will use.
    const sfnEnv = values.endpoint ? { ...env, AWS_ENDPOINT_URL_SFN: values.endpoint } : env;
    stack = await findStack({
      flags: { stateMachineArn: values['state-machine-arn'], ingestionsTable: values['ingestions-table'], artifactsBucket: values['artifacts-bucket'], captureBucket: values.bucket },
      stack: values.stack,
      region,
      env: sfnEnv,
    });
    const stateMachineArn = requireResource(stack, 'stateMachineArn', 'executions');
    const ingestionsTable = requireResource(stack, 'ingestionsTable', 'executions');
    const sfn = new SFNClient({ ...(region ? { region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}) });
    const dynamodb = new DynamoDBClient({ ...(region ? { region } : {}), ...(values['dynamodb-endpoint'] ? { endpoint: values['dynamodb-endpoint'] } : {}) });
    inspector = new ExecutionInspector(sfn, dynamodb, { stateMachineArn, ingestionsTable });
    if (!readQuarantine && sub === 'show') {
      s3 = operatorS3Client(env, region);
      readQuarantine = createQuarantineReader(s3);
    }
  } else {
    stack = { artifactsBucket: values['artifacts-bucket'] ?? env.CAPTURE_ROUTER_ARTIFACTS_BUCKET, captureBucket: values.bucket ?? env.CAPTURE_BUCKET, sources: {} };
  }
  const artifactsBucket = stack.artifactsBucket;
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
        return await show(inspector, io, positionals[0]!, { bucket: stack.captureBucket, artifactsBucket, readQuarantine, json: Boolean(values.json) });
      }
      default:
        throw new UsageError(`executions: unknown subcommand "${sub}"\n\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`capture-router executions: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`);
    return 2;
  } finally {
    s3?.destroy();
  }
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

async function show(inspector: ExecutionInspector, io: Io, target: string, options: { bucket?: string; artifactsBucket?: string; readQuarantine?: ReadQuarantine; json: boolean }): Promise<number> {
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
    if (ingestion.manifestKey) io.out(`parts      ${describeParts(ingestion)}`);
  } else {
    io.out('record     none yet (the workflow writes it when it ends)');
  }
  if (report.quarantine) io.out(`quarantine ${report.quarantine}`);
  printReasons(io, report.quarantineReasons);
  io.out(`why        ${report.explanation.verdict}: ${oneLine(report.explanation.reason)}`);
  if (report.explanation.hint) io.out(`what to do ${report.explanation.hint}`);
  return 0;
}

/** What Arthur answered per part, summed from the record, and where each part's full answer is. */
function describeParts(ingestion: IngestionItem): string {
  const totals = partTotals(ingestion);
  const refused = totals.failure > 0 ? `Arthur refused ${totals.failure} inference(s) in part(s) ${totals.refusedParts.slice(0, 10).join(', ')}${totals.refusedParts.length > 10 ? ', …' : ''}` : 'no refusal';
  const present = totals.alreadyPresent > 0 ? `, ${totals.alreadyPresent} already present from an earlier attempt` : '';
  const where = `s3://${ingestion.manifestBucket}/${outcomesPrefixOf(ingestion.manifestKey!)}`;
  return `${ingestion.partCount ?? '?'}: ${refused}${present}; each part's answer in ${where}`;
}

/** The quarantine's reasons as `validate` prints findings: per code its count and lines, one example and its fix. */
function printReasons(io: Io, reasons: ExecutionReport['quarantineReasons']): void {
  if (!reasons) return;
  reasons.groups.forEach((group, i) => {
    const [counted, example, fix] = formatGroup(group);
    io.out(`${i === 0 ? 'reasons    ' : ' '.repeat(11)}${counted}`);
    io.out(`             ${oneLine(example)}`);
    io.out(`             ${fix}`);
  });
  if (reasons.truncated) io.out(`${' '.repeat(11)}(the first reasons only: the quarantine object holds more, every one with its record)`);
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
