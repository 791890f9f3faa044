/**
 * npm run bench:cost — what a user pays per file: a realistic mix of capture files through the local stack, each
 * execution's history read back with the real SFNClient (GetExecutionHistory), and the bill computed from it.
 *
 * Per execution: state transitions (StateEntered events, plus one per retry: AWS bills "each retry as an additional
 * state transition"), Lambda invocations (TaskScheduled of a Lambda task) and their durations (scheduled → succeeded
 * or failed, rounded up to 1 ms as Lambda bills) × the memorySize serverless.yml gives that function. The router
 * is invoked once per file; its duration is timed by re-delivering each file's S3 event (the router looks the
 * mapping up and StartExecution answers "already exists": the same work). The baseline is Arthur's sample: one
 * Lambda per model, one invocation per file that reads the whole file and POSTs it; its duration is the same
 * file's POST to the same receiver in this run (the S3 read left out: a lower bound), at --baseline-memory-mb.
 *
 * Durations are the local stack's, in one Node process against emulators: the shape of the bill, not a forecast
 * of Lambda's durations (Arthur's real answers take longer than the local receiver's). Never passes or fails.
 *
 * Options: --files N (default 100)   --baseline-memory-mb M (default 128, Lambda's default memory)
 */
import '../src/polyfills.js';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, type HistoryEvent, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { CaptureGenerator } from '../local/capture-generator.js';
import { startLocalStack } from '../local/stack.js';

/**
 * Published prices, us-east-1, first tier, checked 2026-12-02. Step Functions Standard: $0.025 per 1,000 state
 * transitions, retries included (aws.amazon.com/step-functions/pricing). Lambda: $0.20 per 1M requests;
 * $0.0000166667 per GB-s on x86, $0.0000133334 on arm64 (aws.amazon.com/lambda/pricing). Free tiers ignored.
 */
const PRICES = { transition: 0.025 / 1000, request: 0.2 / 1e6, gbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 } } as const;

/**
 * Storage requests, us-east-1, checked 2026-12-02. S3 Standard: PUT, COPY, POST, LIST $0.005 per 1,000; GET and the
 * others $0.0004 per 1,000 (aws.amazon.com/s3/pricing, "Requests & data retrievals"). DynamoDB on-demand: $0.625
 * per million write request units, $0.125 per million read request units (aws.amazon.com/dynamodb/pricing/on-demand);
 * each request counted as one unit (the items here are under 1 KB written, 4 KB read; BatchGetItem as one read).
 */
const STORAGE = { s3Put: 0.005 / 1000, s3Get: 0.0004 / 1000, ddbWrite: 0.625 / 1e6, ddbRead: 0.125 / 1e6 } as const;
const DDB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

const { values } = parseArgs({ options: { files: { type: 'string', default: '100' }, 'baseline-memory-mb': { type: 'string', default: '128' } } });
const FILES = Number(values.files);
const BASELINE_MB = Number(values['baseline-memory-mb']);

const serverless = parseYaml(readFileSync('serverless.yml', 'utf8')) as {
  provider: { architecture?: 'arm64' | 'x86_64'; memorySize?: number };
  functions: Record<string, { memorySize?: number }>;
};
const memoryMb = (fn: string) => serverless.functions[fn]?.memorySize ?? serverless.provider.memorySize ?? 1024;
const architecture = serverless.provider.architecture ?? 'x86_64';

/** The mix, per 100 files: what a fleet of endpoints writes, with the faults a month brings. */
const MIX: Array<[kind: FileKind, per100: number, what: string]> = [
  ['clean', 86, '1–5 records of the default mix (CSV, batches, JSON, jsonlines, base64 → normalized)'],
  ['partial', 6, 'one invalid record among valid ones (quarantined, PARTIAL)'],
  ['rejected', 3, 'no valid record (REJECTED)'],
  ['large', 2, '22,000 records, ~11 MB: cut into parts of 10,000 records'],
  ['retried', 3, 'a clean file whose first upload answers 503 (one retry)'],
];
type FileKind = 'clean' | 'partial' | 'rejected' | 'large' | 'retried';

function kindOf(i: number): FileKind {
  let slot = i % 100;
  for (const [kind, n] of MIX) {
    if (slot < n) return kind;
    slot -= n;
  }
  return 'clean';
}

function capture(i: number, kind: FileKind): string {
  const gen = new CaptureGenerator({ seed: 7000 + i, start: new Date(Date.UTC(2026, 10, 25, 10) + i * 1000) });
  const lines: string[] = [];
  const records = kind === 'large' ? 22_000 : 1 + (i % 5);
  for (let r = 0; r < records; r++) lines.push(gen.line().text);
  if (kind === 'partial') lines.push(gen.line('badTime').text);
  if (kind === 'rejected') return `${gen.line('badTime').text}\n${gen.line('xml').text}\n`;
  return `${lines.join('\n')}\n`;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cost-'));
const stack = await startLocalStack({ portBase: 0, log: () => {}, stackName: 'cost', dataDir, storeReceivedInferences: false, sfnHistoryLimit: FILES + 10 });
const credentials = { accessKeyId: stack.env.AWS_ACCESS_KEY_ID!, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY! };
const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials });
const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: 'us-east-1', credentials });
const MODEL = '5a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c70';
const BASELINE_MODEL = 'da0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c70';
await stack.putMapping('cost/endpoint/', MODEL);
// From here to the router's re-delivery below: what the pipeline asks of S3 and DynamoDB for these files.
stack.requests.s3.reset();
stack.requests.dynamodb.reset();

// One file at a time: each execution's durations are its own, not shared with others in flight.
const kinds = new Map<string, FileKind>();
let baselineMs = 0;
for (let i = 0; i < FILES; i++) {
  const kind = kindOf(i);
  const key = `cost/endpoint/AllTraffic/2026/11/25/10/${String(i).padStart(6, '0')}-${kind}.jsonl`;
  const body = capture(i, kind);
  kinds.set(key, kind);
  if (kind === 'retried') stack.receiver!.setFaults({ status: 503, count: 1 });
  await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
  await stack.waitForIdle();
  if (kind !== 'rejected') baselineMs += Math.ceil(await postWholeFile(body, i));
}

// The capture PUTs are SageMaker's (the user pays them with or without this stack): left out.
const s3Requests = stack.requests.s3.counts();
delete s3Requests[`PUT ${stack.captureBucket}`];
const ddbRequests = stack.requests.dynamodb.counts();

// The router: one invocation per S3 event; each event delivered again, alone, and timed.
let routerMs = 0;
const routerInvocations = stack.notifications.length;
for (const event of [...stack.notifications]) {
  const t0 = performance.now();
  stack.deliver(event);
  await stack.waitForIdle();
  routerMs += Math.ceil(performance.now() - t0);
}

interface Tally { executions: number; transitions: number; entered: number; retries: number; invocations: Record<string, number>; ms: Record<string, number>; byStatus: Record<string, number> }
const tally: Tally = { executions: 0, transitions: 0, entered: 0, retries: 0, invocations: {}, ms: {}, byStatus: {} };
const perKind = new Map<FileKind, { files: number; entered: number }>();
let nextToken: string | undefined;
do {
  const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, nextToken }));
  for (const execution of page.executions ?? []) {
    const events = await history(execution.executionArn!);
    const counted = countExecution(events);
    tally.executions++;
    tally.entered += counted.entered;
    tally.retries += counted.retries;
    tally.transitions += counted.entered + counted.retries;
    tally.byStatus[execution.status!] = (tally.byStatus[execution.status!] ?? 0) + 1;
    for (const [fn, n] of Object.entries(counted.invocations)) tally.invocations[fn] = (tally.invocations[fn] ?? 0) + n;
    for (const [fn, ms] of Object.entries(counted.ms)) tally.ms[fn] = (tally.ms[fn] ?? 0) + ms;
    const input = JSON.parse(events.find((e) => e.type === 'ExecutionStarted')?.executionStartedEventDetails?.input ?? '{}') as { key?: string };
    const kind = kinds.get(input.key ?? '') ?? 'clean';
    const k = perKind.get(kind) ?? { files: 0, entered: 0 };
    perKind.set(kind, { files: k.files + 1, entered: k.entered + counted.entered });
  }
  nextToken = page.nextToken;
} while (nextToken);
await stack.close();
rmSync(dataDir, { recursive: true, force: true });

report();

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: token, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    token = page.nextToken;
  } while (token);
  return events;
}

/**
 * Transitions and Lambda time of one execution's history. A Lambda task's TaskScheduled before the Map state is
 * ValidateCapture's, after it UploadPart's; durations are summed per function (Σ ends − Σ starts does not depend
 * on which end belongs to which start, so parts in flight together need no pairing).
 */
function countExecution(events: HistoryEvent[]) {
  let entered = 0;
  let scheduled = 0;
  let lambdaEntered = 0;
  let inMap = false;
  const invocations: Record<string, number> = {};
  const ms: Record<string, number> = {};
  const at = (e: HistoryEvent) => new Date(e.timestamp!).getTime();
  // Each invocation is closed once: by its TaskSucceeded or TaskFailed (the local endpoint writes a TaskSucceeded
  // after the TaskFailed of a caught error: ignored), else by the next state entered or the end.
  const open: Record<string, number> = {};
  const close = (fn: string, e: HistoryEvent, n: number) => {
    ms[fn] = (ms[fn] ?? 0) + n * at(e);
    open[fn] = (open[fn] ?? 0) - n;
  };
  for (const e of events) {
    const fn = inMap ? 'upload' : 'validate';
    const lambdaEnd = (e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.resourceType === 'lambda') || (e.type === 'TaskFailed' && e.taskFailedEventDetails?.resourceType === 'lambda');
    if (lambdaEnd) {
      if ((open[fn] ?? 0) > 0) close(fn, e, 1);
    }
    else if ((open[fn] ?? 0) > 0 && (e.type?.endsWith('StateEntered') || e.type === 'MapStateFailed' || e.type?.startsWith('Execution') || (fn === 'validate' && e.type === 'TaskScheduled'))) {
      close(fn, e, open[fn]!);
    }
    if (e.type?.endsWith('StateEntered')) entered++;
    if (e.type === 'MapStateEntered') inMap = true;
    if (e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'lambda') {
      const at0 = inMap ? 'upload' : 'validate';
      scheduled++;
      invocations[at0] = (invocations[at0] ?? 0) + 1;
      ms[at0] = (ms[at0] ?? 0) - at(e);
      open[at0] = (open[at0] ?? 0) + 1;
    }
    if (e.type === 'TaskStateEntered' && /ValidateCapture|UploadPart/.test(e.stateEnteredEventDetails?.name ?? '')) lambdaEntered++;
  }
  // Lambda bills whole milliseconds, at least 1 per invocation (a local one can end within the millisecond).
  for (const fn of Object.keys(ms)) ms[fn] = Math.max(ms[fn]!, invocations[fn] ?? 0);
  return { entered, retries: scheduled - lambdaEntered, invocations, ms };
}

async function postWholeFile(body: string, i: number): Promise<number> {
  const form = new FormData();
  form.append('inference_data', new Blob([body], { type: 'application/jsonl' }), `capture-${i}.jsonl`);
  const t0 = performance.now();
  const res = await fetch(`${stack.endpoints.arthur}/api/v3/models/${BASELINE_MODEL}/inferences/integrations/sagemaker_data_capture`, {
    method: 'POST',
    headers: { Authorization: stack.arthurToken },
    body: form,
  });
  await res.arrayBuffer();
  return performance.now() - t0;
}

function report(): void {
  const files = tally.executions;
  const gbs = (fn: string, ms: number) => (memoryMb(fn) / 1024) * (ms / 1000);
  const functions = ['router', 'validate', 'upload'];
  const ms: Record<string, number> = { ...tally.ms, router: routerMs };
  const inv: Record<string, number> = { ...tally.invocations, router: routerInvocations };
  const ourGbs = functions.reduce((s, fn) => s + gbs(fn, ms[fn] ?? 0), 0) / files;
  const ourRequests = functions.reduce((s, fn) => s + (inv[fn] ?? 0), 0) / files;
  const transitions = tally.transitions / files;
  const sum = (counts: Record<string, number>, pick: (label: string) => boolean) => Object.entries(counts).reduce((n, [label, c]) => n + (pick(label) ? c : 0), 0);
  const s3Put = sum(s3Requests, (l) => /^(PUT|POST|LIST|COPY) /.test(l)) / files;
  const s3Get = sum(s3Requests, (l) => !/^(PUT|POST|LIST|COPY) /.test(l)) / files;
  const ddbWrite = sum(ddbRequests, (l) => DDB_WRITES.has(l)) / files;
  const ddbRead = sum(ddbRequests, (l) => !DDB_WRITES.has(l)) / files;
  const storagePerFile = s3Put * STORAGE.s3Put + s3Get * STORAGE.s3Get + ddbWrite * STORAGE.ddbWrite + ddbRead * STORAGE.ddbRead;
  // Arthur's sample reads the file once (one GET) and writes nothing.
  const baseStoragePerFile = STORAGE.s3Get;
  const baseGbs = ((BASELINE_MB / 1024) * (baselineMs / 1000)) / files;
  const baseRequests = 1;

  console.log(`node ${process.version}; ${files} files through the local stack, one at a time (${Object.entries(tally.byStatus).map(([s, n]) => `${n} ${s}`).join(', ')})`);
  console.log('mix per 100 files:');
  for (const [kind, n, what] of MIX) {
    const k = perKind.get(kind);
    console.log(`  ${String(n).padStart(3)} ${kind.padEnd(9)} ${what}${k ? `; ${(k.entered / k.files).toFixed(1)} states entered per file` : ''}`);
  }
  console.log(`memorySize (serverless.yml): ${functions.map((fn) => `${fn} ${memoryMb(fn)} MB`).join(', ')}; architecture ${architecture}`);
  for (const fn of functions) {
    console.log(`  ${fn.padEnd(8)} ${((inv[fn] ?? 0) / files).toFixed(2)} invocations/file, ${((ms[fn] ?? 0) / Math.max(1, inv[fn] ?? 0)).toFixed(1)} ms each (local), ${(gbs(fn, ms[fn] ?? 0) / files).toFixed(5)} GB-s/file`);
  }
  console.log(`transitions per file: ${transitions.toFixed(2)} (${(tally.entered / files).toFixed(2)} states entered + ${(tally.retries / files).toFixed(2)} retries)`);
  console.log(`storage requests per file: S3 ${s3Put.toFixed(2)} PUT/LIST + ${s3Get.toFixed(2)} GET (${Object.entries(s3Requests).map(([l, n]) => `${l.replace(/ .*/, '')} ${l.includes(stack.artifactsBucket) ? 'artifacts' : 'capture'} ${(n / files).toFixed(2)}`).join(', ')}); DynamoDB ${ddbWrite.toFixed(2)} writes + ${ddbRead.toFixed(2)} reads (${Object.entries(ddbRequests).map(([l, n]) => `${l} ${(n / files).toFixed(2)}`).join(', ')})`);
  console.log('prices: Step Functions Standard $0.025 / 1,000 transitions (retries included); Lambda $0.20 / 1M requests, $0.0000166667 / GB-s x86, $0.0000133334 arm64;');
  console.log('        S3 $0.005 / 1,000 PUT/LIST, $0.0004 / 1,000 GET; DynamoDB on-demand $0.625 / 1M writes, $0.125 / 1M reads');
  console.log('        (aws.amazon.com/step-functions/pricing, /lambda/pricing, /s3/pricing, /dynamodb/pricing/on-demand; us-east-1, checked 2026-12-02; free tiers ignored)');
  const row = (label: string, perFile: { transitions: number; gbs: number; requests: number; storage: number }, scale: number) => {
    const sfnCost = perFile.transitions * scale * PRICES.transition + perFile.storage * scale;
    const x86 = perFile.gbs * scale * PRICES.gbSecond.x86_64 + perFile.requests * scale * PRICES.request;
    const arm = perFile.gbs * scale * PRICES.gbSecond.arm64 + perFile.requests * scale * PRICES.request;
    return `  ${label.padEnd(34)} ${fmt(perFile.transitions * scale).padStart(11)} ${fmt(perFile.gbs * scale, 1).padStart(11)} ${fmt(perFile.requests * scale).padStart(11)}   $${(sfnCost + x86).toFixed(sfnCost + x86 < 10 ? 4 : 2).padStart(9)}   $${(sfnCost + arm).toFixed(sfnCost + arm < 10 ? 4 : 2).padStart(9)}   $${(perFile.storage * scale).toFixed(perFile.storage * scale < 10 ? 4 : 2).padStart(9)}`;
  };
  for (const [scale, label] of [[1000, 'per 1,000 files'], [1e6, 'per million files']] as const) {
    console.log(`\n${label.padEnd(36)} transitions        GB-s    requests   total x86   total arm64   (of which S3 + DynamoDB)`);
    console.log(row('capture-router (Standard)', { transitions, gbs: ourGbs, requests: ourRequests, storage: storagePerFile }, scale));
    console.log(row(`Arthur's sample (1 Lambda/file, ${BASELINE_MB} MB)`, { transitions: 0, gbs: baseGbs, requests: baseRequests, storage: baseStoragePerFile }, scale));
  }
  console.log(`\nbaseline: one invocation per file, billed for its duration (its 15-minute timeout bills nothing unless reached); its`);
  console.log(`duration here is the file's POST to the same receiver, without the S3 read (${(baselineMs / files).toFixed(1)} ms per file): a lower bound.`);
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
