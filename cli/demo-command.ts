import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, type SFNClient, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { checkCaptureFile } from '../src/capture/index.js';
import { allPages } from '../src/pagination.js';
import { CaptureGenerator, type Kind } from '../local/capture-generator.js';
import { packageRoot, UsageError, type Io } from './io.js';
import { demoGroundTruth } from './demo-ground-truth.js';
import { exportLines, stackBanner } from './stack-banner.js';

const HELP = `usage: capture-router demo [--keep]   (what \`npm start\` runs)

Starts the whole pipeline on the embedded local stack (S3, DynamoDB, Step Functions, an Arthur-compatible
receiver), registers three models (one mapping nested under another), puts an hour of realistic captures through
the S3 API, waits for every execution and prints what happened to each file; then labels some of the fraud model's
inferences through a ground-truth mapping (one Model Monitor label file) and shows what Arthur holds.
  --keep   stay up afterwards (Ctrl-C to stop), to look around with the AWS CLI`;

interface DemoModel {
  name: string;
  modelId: string;
  prefix: string;
  files: Array<{ kinds: Kind[]; records: number; inferenceIdRate?: number; note: string }>;
}

const HOUR = '2026/11/25/10';

/** Three models, one nested under another: the shadow variant of the churn endpoint goes to its own Arthur model. */
const MODELS: DemoModel[] = [
  {
    name: 'fraud',
    modelId: '3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d',
    prefix: 'capture/fraud-detector/',
    files: [
      { kinds: ['csv'], records: 40, note: 'CSV' },
      { kinds: ['batch'], records: 12, inferenceIdRate: 1, note: 'CSV batches with an inferenceId' },
      { kinds: ['b64csv'], records: 25, note: 'BASE64 CSV (decoded)' },
      { kinds: ['csv', 'quoted'], records: 30, note: 'CSV with quoted fields' },
      { kinds: ['csv', 'csv', 'csv', 'mismatch', 'badTime', 'b64image'], records: 30, note: 'some bad records' },
    ],
  },
  {
    name: 'churn',
    modelId: '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e',
    prefix: 'capture/churn-model/',
    files: [
      { kinds: ['json1'], records: 30, note: 'JSON option 1 (features/probabilities)' },
      { kinds: ['json2'], records: 30, note: 'JSON option 2 (named features)' },
      { kinds: ['jsonl'], records: 15, note: 'JSON Lines (converted)' },
      { kinds: ['b64json'], records: 20, note: 'BASE64 JSON (decoded)' },
    ],
  },
  {
    name: 'churn-shadow',
    modelId: '9b7d5f31-2c4e-4a6b-8d0f-1e3a5c7b9d2f',
    prefix: 'capture/churn-model/Shadow/',
    files: [
      { kinds: ['json2'], records: 25, note: 'JSON option 2' },
      { kinds: ['flatList', 'reserved', 'noOutput'], records: 6, note: 'nothing valid (rejected)' },
    ],
  },
];

const UNMAPPED = { prefix: 'capture/legacy-endpoint/', kinds: ['csv'] as Kind[], records: 10 };

interface PlannedFile {
  key: string;
  model?: DemoModel;
  note: string;
  body: string;
  expectedIds: string[];
}

export async function runDemo(argv: string[], io: Io): Promise<number> {
  const keep = argv.includes('--keep');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--keep');
  if (unknown.length > 0) throw new UsageError(`demo: unknown option "${unknown[0]}"\n\n${HELP}`);

  const { startLocalStack } = await import('../local/stack.js');
  const { localClients } = await import('../local/clients.js');
  const logs: string[] = [];
  io.out('Starting the local stack (S3, DynamoDB, Step Functions, Arthur receiver) …');
  const stack = await startLocalStack({ portBase: 0, rootDir: packageRoot(), log: (line) => logs.push(line), retryIntervalMs: 200 });
  try {
    const { s3, sfn, dynamodb } = localClients(stack.endpoints);

    for (const model of MODELS) {
      await stack.putMapping(model.prefix, model.modelId, { description: `demo: ${model.name}` });
      io.out(`  mapping ${model.prefix.padEnd(30)} → model ${model.name} (${model.modelId})`);
    }

    const files = await planFiles();
    const mapped = files.filter((f) => f.model);
    io.out(`\nPutting ${files.length} capture files for the hour ${HOUR} through the S3 API (one under no mapping) …`);
    const started = Date.now();
    for (const file of files) {
      await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: file.key, Body: file.body, ContentType: 'application/jsonl' }));
    }

    const executions = await waitForExecutions(sfn, stack.stateMachineArn, mapped.length, io, files);
    await stack.waitForIdle();
    const seconds = (Date.now() - started) / 1000;

    const ingestions = new Map<string, Record<string, unknown>>();
    const scan = await dynamodb.send(new ScanCommand({ TableName: stack.ingestionsTable }));
    for (const item of scan.Items ?? []) {
      const record = unmarshall(item);
      ingestions.set(String(record.objectKey), record);
    }

    const rows = files.map((file) => {
      const item = ingestions.get(`${stack.captureBucket}/${file.key}`);
      const execution = executions.find((e) => item && e.name === item.executionName);
      const received = file.model ? new Set(stack.receiver?.received(file.model.modelId).map((r) => r.partnerInferenceId)) : new Set<string>();
      const sent = file.expectedIds.filter((id) => received.has(id)).length;
      return {
        file: shortKey(file.key),
        model: file.model?.name ?? '(no mapping)',
        status: file.model ? `${execution?.status ?? 'MISSING'} ${String(item?.status ?? '')}`.trim() : 'not routed',
        sent: String(file.model ? sent : 0),
        rejected: String(item?.rejected ?? (item?.status === 'REJECTED' ? 'all' : 0)),
        ids: file.expectedIds.length === 0 ? '—' : `${file.expectedIds[0]}${file.expectedIds.length > 1 ? ` (+${file.expectedIds.length - 1})` : ''}`,
        execution: String(item?.executionName ?? '—'),
      };
    });
    io.out('');
    printTable(io, rows, [
      ['file', 'file'],
      ['model', 'model'],
      ['status', 'execution / record'],
      ['sent', 'sent'],
      ['rejected', 'rejected'],
      ['ids', 'partner IDs'],
      ['execution', 'execution name'],
    ]);

    const totalSent = rows.reduce((n, r) => n + Number(r.sent), 0);
    const expected = mapped.reduce((n, f) => n + f.expectedIds.length, 0);
    io.out(`\n${mapped.length} files routed, 1 not routed; ${totalSent} inferences in Arthur (${expected} expected) in ${seconds.toFixed(1)} s.`);
    const unrouted = logs.find((line) => line.includes(UNMAPPED.prefix));
    if (unrouted) io.out(`Router log for the unmapped file: ${unrouted}`);
    const quarantined = [...ingestions.values()].filter((i) => i.quarantineKey);
    if (quarantined.length > 0) {
      io.out('\nQuarantined records (each with its line, code and reason):');
      for (const item of quarantined) io.out(`  s3://${stack.artifactsBucket}/${String(item.quarantineKey)}`);
    }
    const rejected = [...ingestions.values()].filter((i) => i.status === 'REJECTED');
    if (rejected.length > 0) io.out('\nRejected files (nothing Arthur could take; the reasons are in the ingestions table):');
    for (const item of rejected) io.out(`  ${String(item.objectKey)}\n    ${causeText(item.cause ?? item.error)}`);

    const fraud = MODELS[0];
    const fraudIds = mapped.filter((f) => f.model === fraud).flatMap((f) => f.expectedIds);
    const labelled = await demoGroundTruth(stack, { s3, dynamodb }, io, { name: fraud.name, modelId: fraud.modelId, endpoint: 'fraud-detector' }, fraudIds, '2026/11/25/11');

    if (keep) {
      io.out('\nThe stack stays up (Ctrl-C to stop):');
      for (const line of stackBanner(stack)) io.out(line);
      io.out('\nEnvironment (paste into another shell):');
      for (const line of exportLines(stack.env)) io.out(`  ${line}`);
      io.out(`  aws stepfunctions list-executions --endpoint-url ${stack.endpoints.sfn} --state-machine-arn ${stack.stateMachineArn}`);
      io.out(`  curl ${stack.endpoints.arthur}/__received?model=${MODELS[0].modelId}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return labelled && totalSent === expected && rows.every((r) => !r.status.startsWith('MISSING')) ? 0 : 1;
  } finally {
    await stack.close();
  }
}

/** `capture/fraud-detector/AllTraffic/2026/11/25/10/03-21-111-00c58e22-….jsonl` → `fraud-detector/AllTraffic/…/03-21-111-00c58e22….jsonl` */
function shortKey(key: string): string {
  const parts = key.replace(/^capture\//, '').split('/');
  const name = parts.pop() ?? '';
  const head = parts.slice(0, parts.length - 4).join('/');
  return `${head}/…/${name.replace(/^(\d\d-\d\d-\d{3}-[0-9a-f]{8})[^.]*/, '$1…')}`;
}

/** The Lambda runtime's error document in a cause, or the cause as it is. */
function causeText(cause: unknown): string {
  try {
    const parsed = JSON.parse(String(cause)) as { errorType?: string; errorMessage?: string };
    if (parsed.errorMessage) return `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage}`;
  } catch {
    // not JSON: a cause written by the workflow itself
  }
  return String(cause);
}

async function planFiles(): Promise<PlannedFile[]> {
  const files: PlannedFile[] = [];
  let minute = 0;
  const keyOf = (prefix: string, variant: string) => {
    minute += 3;
    const name = `${String(minute).padStart(2, '0')}-${String((minute * 7) % 60).padStart(2, '0')}-${String(minute * 37 % 1000).padStart(3, '0')}-${randomUUID()}`;
    return `${prefix}${variant}/${HOUR}/${name}.jsonl`;
  };
  let seed = 1;
  for (const model of MODELS) {
    // The nested model is its own variant folder; the others capture the default variant.
    const variant = model.name === 'churn-shadow' ? '' : 'AllTraffic';
    for (const spec of model.files) {
      const generator = new CaptureGenerator({ seed: seed++, mix: spec.kinds, inferenceIdRate: spec.inferenceIdRate ?? 0.2 });
      const body = `${Array.from({ length: spec.records }, () => generator.line().text).join('\n')}\n`;
      const key = variant ? keyOf(model.prefix, variant) : keyOf(model.prefix.slice(0, -1), '');
      files.push({ key: key.replace(/\/\//g, '/'), model, note: spec.note, body, expectedIds: await idsOf(body) });
    }
  }
  const generator = new CaptureGenerator({ seed: 99, mix: UNMAPPED.kinds });
  const body = `${Array.from({ length: UNMAPPED.records }, () => generator.line().text).join('\n')}\n`;
  files.push({ key: keyOf(UNMAPPED.prefix, 'AllTraffic'), note: 'no mapping', body, expectedIds: [] });
  return files;
}

async function idsOf(body: string): Promise<string[]> {
  return (await checkCaptureFile(Readable.from([body]), { collectPartnerIds: true })).partnerInferenceIds ?? [];
}

/** Polls ListExecutions, printing a line per file as it finishes, until `expected` executions have ended. */
async function waitForExecutions(sfn: SFNClient, stateMachineArn: string, expected: number, io: Io, files: PlannedFile[]): Promise<ExecutionListItem[]> {
  const reported = new Set<string>();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const listed: ExecutionListItem[] = await allPages(async (nextToken) => {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 100 }));
      return { items: page.executions ?? [], next: page.nextToken };
    });
    for (const execution of listed) {
      if (execution.status === 'RUNNING' || reported.has(execution.name!)) continue;
      reported.add(execution.name!);
      const mark = execution.status === 'SUCCEEDED' ? '✔' : '✘';
      io.out(`  ${mark} [${String(reported.size).padStart(2)}/${expected}] ${execution.status?.padEnd(9)} ${execution.name}`);
    }
    if (reported.size >= expected) return listed;
    if (Date.now() > deadline) {
      io.err(`demo: only ${reported.size} of ${expected} executions ended within 2 minutes (${files.length} files put)`);
      return listed;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function printTable<T extends Record<string, string>>(io: Io, rows: T[], columns: Array<[keyof T, string]>): void {
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  io.out(line(columns.map(([, title]) => title)));
  io.out(line(widths.map((w) => '─'.repeat(w))));
  for (const row of rows) io.out(line(columns.map(([key]) => row[key])));
}
