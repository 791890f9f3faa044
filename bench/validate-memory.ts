/**
 * npm run bench:validate-memory — the validate function's peak memory on a large file of mostly bad records
 * (issue #12: a 2 GB capture with 50% bad records validates within the function's memorySize). A generated file is
 * put into s3rver (in this process), then ValidateCapture runs through its deployed handler module in a child
 * process (bench/support/validate-memory-child.ts) against it, with real S3 clients: its peak RSS is the function's
 * alone. Prints peak RSS against serverless.yml's memorySize for the function, time and throughput against its
 * timeout, records, inferences and rejected counts, the parts written and the quarantine object's size.
 * Prints figures; never passes or fails. Options: --mb N (default 2048), --bad F (share of bad records, default
 * 0.5), --seed N (default 7), --dir DIR (where the file goes; default the OS temporary directory), --keep (keep the
 * file for the next run; it is removed otherwise).
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/polyfills.js';
import type { ValidationSummary, WorkflowInput } from '../src/contracts.js';
import { CaptureGenerator, DEFAULT_MIX, INVALID_KINDS, prng, type InvalidKind } from '../local/capture-generator.js';
import { readFunctionLimits } from '../local/lambda/function-limits.js';
import { startS3rver } from '../tests/support/s3rver-server.js';
import { startDynalite } from '../tests/support/dynalite-server.js';
import { createTables } from '../local/table-definitions.js';

// The SDK's notice that its next major needs Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '2048' },
    bad: { type: 'string', default: '0.5' },
    seed: { type: 'string', default: '7' },
    dir: { type: 'string', default: tmpdir() },
    keep: { type: 'boolean', default: false },
  },
});
const mb = Number(values.mb);
const badShare = Number(values.bad);
const seed = Number(values.seed);
if (!(mb > 0) || !(badShare >= 0 && badShare < 1)) throw new Error('--mb takes a positive number, --bad a share in [0, 1)');
const limits = readFunctionLimits('serverless.yml').validate;
if (!limits) throw new Error('serverless.yml has no functions.validate');

const file = join(values.dir, `captures-${mb}mb-bad${Math.round(badShare * 100)}-seed${seed}.jsonl`);
// The file, s3rver's copy of it, the valid half again as parts and the bad half again (and more) as the quarantine.
const needed = 4 * mb * MiB;
const free = (() => {
  const fs = statfsSync(values.dir);
  return fs.bavail * fs.bsize;
})();
const have = existsSync(file) ? statSync(file).size : 0;
if (free + have < needed) {
  console.error(`validate-memory: ${values.dir} has ${(free / 2 ** 30).toFixed(1)} GiB free; a ${mb} MB run needs about ${(needed / 2 ** 30).toFixed(1)} GiB (try --dir or --mb)`);
  process.exit(2);
}

/** Writes about `mb` MB of records, `badShare` of them drawn from the invalid kinds, the rest from the realistic mix. */
async function generate(): Promise<{ records: number; bad: number; inferences: number }> {
  const generator = new CaptureGenerator({ seed });
  const draw = prng(seed + 1);
  const invalid = Object.keys(INVALID_KINDS) as InvalidKind[];
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let records = 0;
  let bad = 0;
  let inferences = 0;
  while (bytes < mb * MiB) {
    const isBad = draw() < badShare;
    const kind = isBad ? invalid[Math.floor(draw() * invalid.length)]! : DEFAULT_MIX[Math.floor(draw() * DEFAULT_MIX.length)]!;
    const line = generator.line(kind);
    const text = `${line.text}\n`;
    bytes += Buffer.byteLength(text);
    records++;
    if (isBad) bad++;
    inferences += line.inferences;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { records, bad, inferences };
}

let generated: { records: number; bad: number; inferences: number } | undefined;
if (have > 0) {
  console.log(`using ${file} (${(have / MiB).toFixed(0)} MB, kept by an earlier --keep run)`);
} else {
  mkdirSync(values.dir, { recursive: true });
  process.stdout.write(`generating ${file} (${mb} MB, ${badShare * 100}% bad records of every invalid kind, seed ${seed}) … `);
  const t = Date.now();
  generated = await generate();
  console.log(`${generated.records} records (${generated.bad} bad), ${generated.inferences} valid inferences, ${((Date.now() - t) / 1000).toFixed(0)} s`);
}
const size = statSync(file).size;

const child = join('.bench', 'validate-memory-child.mjs');
mkdirSync('.bench', { recursive: true });
await build({
  entryPoints: ['bench/support/validate-memory-child.ts'],
  outfile: child,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

interface ChildReport {
  s: number;
  cpuS: number;
  idleRssMB: number;
  initRssMB: number;
  peakRssMB: number;
  samples: Array<{ s: number; rssMB: number; heapUsedMB: number; heapTotalMB: number; externalMB: number; arrayBuffersMB: number }>;
  result?: ValidationSummary;
  error?: { name: string; message: string };
}

/** The normalized part objects ValidateCapture wrote (`…/part-NNNNN.jsonl`), and their bytes. */
async function storedParts(s3: S3Client): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'artifacts', ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!/\/part-\d+\.jsonl$/.test(object.Key ?? '')) continue;
      count++;
      bytes += object.Size ?? 0;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { count, bytes };
}

/** Each quarantine entry's code, counted by streaming the object back (`{"line":N,"code":"…",…}` per line). */
async function quarantineCodes(s3: S3Client, key: string): Promise<Map<string, number>> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: key }));
  const codes = new Map<string, number>();
  let rest = '';
  for await (const chunk of object.Body as AsyncIterable<Buffer>) {
    const text = rest + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const at = text.indexOf('"code":"', start);
      const code = at !== -1 && at < nl ? text.slice(at + 8, text.indexOf('"', at + 8)) : '(no code)';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  return new Map([...codes].sort((a, b) => b[1] - a[1]));
}

const s3rver = await startS3rver();
// The ledger ValidateCapture reads before anything else (functions/validate/validate-file.ts): empty here.
const dynamo = await startDynalite();
await createTables(dynamo.client(), 'serverless.yml', { IngestionsTable: 'ingestions' });
try {
  const s3 = s3rver.client();
  await s3rver.createBucket('datacapture');
  await s3rver.createBucket('artifacts');
  const key = `bench-endpoint/AllTraffic/2026/12/02/12/${file.split('/').pop()}`;
  process.stdout.write(`putting it into s3rver … `);
  let t = Date.now();
  const put = await s3.send(new PutObjectCommand({ Bucket: 'datacapture', Key: key, Body: createReadStream(file, { highWaterMark: 1 << 20 }), ContentLength: size }));
  console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
  if (!values.keep) rmSync(file, { force: true });

  const input: WorkflowInput = { bucket: 'datacapture', key, size, etag: put.ETag, modelId: '00000000-0000-4000-8000-000000000012', mappingPrefix: 'bench-endpoint/' };
  console.log(`ValidateCapture on s3://datacapture/${key}, in its own process …`);
  t = Date.now();
  const proc = spawn(process.execPath, [child, JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      ARTIFACTS_BUCKET: 'artifacts',
      INGESTIONS_TABLE: 'ingestions',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_S3: s3rver.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  // The handler's Powertools log and metric lines (and a crash's stack): the last few, shown if it fails.
  const logTail: string[] = [];
  for (const stream of [proc.stdout!, proc.stderr!]) {
    stream.setEncoding('utf8').on('data', (d: string) => {
      logTail.push(...d.split('\n').filter(Boolean));
      logTail.splice(0, Math.max(0, logTail.length - 12));
    });
  }
  const exited = once(proc, 'exit');
  const report = await new Promise<ChildReport>((resolve, reject) => {
    proc.once('message', (message) => resolve(message as ChildReport));
    proc.once('exit', (code, signal) => reject(new Error(`the child exited ${code ?? signal} before reporting; its last log lines:\n${logTail.join('\n')}`)));
  });
  await exited;

  const sizeMB = size / 1e6;
  const r = report.result;
  console.log(`\nfile: ${(size / MiB).toFixed(0)} MiB${generated ? `, ${generated.records} records of which ${generated.bad} bad (${((100 * generated.bad) / generated.records).toFixed(1)}%)` : ''}; node ${process.version}`);
  if (report.error) console.log(`  the handler threw ${report.error.name}: ${report.error.message.slice(0, 300)}\n  its last log lines:\n${logTail.join('\n')}`);
  const peakShare = ((100 * report.peakRssMB) / limits.memoryMb).toFixed(0);
  console.log(`  peak RSS  : ${report.peakRssMB} MB of the ${limits.memoryMb} MB memorySize (${peakShare}%) — node idle ${report.idleRssMB} MB, after the handler's module init ${report.initRssMB} MB`);
  // "At 1,769 MB, a function has the equivalent of one vCPU" (Lambda Developer Guide, "Configure Lambda function
  // memory", https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): CPU scales with memorySize.
  const vcpu = (limits.memoryMb / 1769).toFixed(2);
  console.log(`  time      : ${report.s.toFixed(1)} s (CPU ${report.cpuS.toFixed(1)} s), ${(sizeMB / report.s).toFixed(1)} MB/s, against the ${limits.timeoutSeconds} s timeout — here on a whole core; in Lambda ${limits.memoryMb} MB has ~${vcpu} vCPU, so ~${(report.cpuS / Number(vcpu)).toFixed(0)} s`);
  if (r) {
    // Counted in the bucket: the part objects themselves, beside the manifest the summary names.
    const { count: partCount, bytes: partBytes } = await storedParts(s3);
    console.log(`  records   : ${r.records} (${r.rejected} rejected, ${((100 * r.rejected) / Math.max(1, r.records)).toFixed(1)}%), ${r.inferences} inferences to send, normalized ${r.normalized}`);
    console.log(`  parts     : ${r.partCount} (${partCount} part objects in the artifacts bucket, ${(partBytes / MiB).toFixed(0)} MiB), listed in s3://${r.manifest.bucket}/${r.manifest.key}`);
    if (r.quarantineKey) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'artifacts', Key: r.quarantineKey }));
      console.log(`  quarantine: s3://artifacts/${r.quarantineKey}, ${((head.ContentLength ?? 0) / MiB).toFixed(0)} MiB`);
      const codes = await quarantineCodes(s3, r.quarantineKey);
      const total = [...codes.values()].reduce((a, b) => a + b, 0);
      console.log(`              ${total} entries (${total === r.rejected ? 'one per rejected record' : `but ${r.rejected} rejected`}): ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
  }
  const peak = report.samples.reduce((a, b) => (b.rssMB > a.rssMB ? b : a), report.samples[0]!);
  const every = Math.max(1, Math.ceil(report.samples.length / 12));
  console.log(`  memory over time (every ${every} s; MB): ${report.samples.filter((_, i) => i % every === 0).map((x) => `${x.s}s rss ${x.rssMB} heap ${x.heapUsedMB}/${x.heapTotalMB} buf ${x.arrayBuffersMB}`).join(' · ')}`);
  console.log(`  at the highest sampled RSS (${peak.s} s): rss ${peak.rssMB}, heap used ${peak.heapUsedMB} of ${peak.heapTotalMB}, external ${peak.externalMB} (ArrayBuffers/Buffers ${peak.arrayBuffersMB})`);
  console.log(`  budget: peak RSS ≤ ${limits.memoryMb} MB (serverless.yml functions.validate.memorySize) — ${report.peakRssMB <= limits.memoryMb ? 'within it' : 'OVER it'}`);
  console.log(`  whole run, generation excluded: ${((Date.now() - t) / 1000).toFixed(0)} s`);
} finally {
  await Promise.all([s3rver.close(), dynamo.close()]);
}
