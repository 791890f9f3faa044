/**
 * npm run bench:e2e — small capture files through the whole local stack, against the same files POSTed straight to
 * the Arthur receiver, in the same run.
 *
 *   stack   each file put through a real S3Client into s3rver (bucket `datacapture`, a few puts in flight, as
 *           SageMaker's writers would) → router → Step Functions endpoint → ingest.asl.yml (ValidateCapture,
 *           UploadPart, RecordUploaded in dynalite) → receiver; timed until every execution has ended.
 *   direct  the same files, one multipart `inference_data` POST per file, one after another: what Arthur's sample
 *           Lambda does, and the floor the stack is compared with.
 *
 * Prints wall times, files/s, the ratio and peak RSS (process.resourceUsage().maxRSS) for each file count, each
 * count in a fresh process (peak RSS is per process): by the end of the stack phase, which is the stack's own, and
 * by the end of the direct phase, whose request buffers come on top of the stack's heap. Never passes or fails on time.
 *
 * Options: --files 1000,5000 (counts, default both)   --concurrency N (puts in flight, default 8)
 *          --cpu-prof (profile the stack phase and print self time by package)   --summarize .bench/prof-N (again)
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const exec = promisify(execFile);
const GROUPS: Array<[RegExp, string]> = [
  [/^(s3rver|koa|koa-.*|@koa\/.*|busboy|fast-xml-parser|he|fs-extra|graceful-fs|universalify|jsonfile|winston|logform|lodash|statuses|streamsearch|strnum|delegates|on-finished|ee-first|destroy|bytes|humanize-number|http-errors|depd|accepts|type-is|vary|debug|readable-stream|safe-stable-stringify|chalk|passthrough-counter|path-to-regexp|methods)$/, 's3rver (and koa, fast-xml-parser, … it runs on)'],
  [/^(dynalite|level|level-.*|memory-level|abstract-level|classic-level|big\.js|buffer-crc32|async|lazy|lock|once|functional-red-black-tree|module-error)$/, 'dynalite (and level, memory-level, …)'],
  [/^(aws-local-stepfunctions|jsonpath-plus|p-limit|yocto-queue|wildcard-match|asl-validator)$/, 'aws-local-stepfunctions (and jsonpath-plus, …)'],
  [/^(@aws-sdk\/.*|@smithy\/.*|@aws-crypto\/.*|fast-xml-parser|tslib|uuid|bowser)$/, 'aws-sdk (@aws-sdk, @smithy clients)'],
  [/^(csv-parse|ajv|@aws-lambda-powertools\/.*)$/, 'project dependencies (csv-parse, ajv, …)'],
];

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000,5000' },
    concurrency: { type: 'string', default: '8' },
    'cpu-prof': { type: 'boolean', default: false },
    // Only summarize the profile of an earlier --cpu-prof run (its directory, .bench/prof-N).
    summarize: { type: 'string' },
  },
});
if (values.summarize) {
  summarizeProfile(values.summarize);
  process.exit(0);
}
const counts = values.files.split(',').map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--files: counts must be positive integers, got "${values.files}"`);
const dir = '.bench';
mkdirSync(dir, { recursive: true });

// The child runs bundled under plain node, as the other benchmarks do: no TypeScript loader in the measured process.
const child = join(dir, 'e2e-child.mjs');
await build({ entryPoints: ['bench/support/e2e-child.ts'], outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

interface Phase { s: number; filesPerS: number }
interface Run {
  files: number;
  records: number;
  stack: Phase & { eventLoopBusy: number; succeeded: number; failed: number; uploads: number; rssAfterMB: number; peakRssMB: number; heapBeforeGcMB: number; heapLiveMB: number };
  /** peakRssMB: the process's peak up to the end of this phase (maxRSS never goes down). */
  direct: Phase & { accepted: number; peakRssMB: number };
  peakRssMB: number;
  idleRssMB: number;
  idleHeapLiveMB: number;
}

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores; ${values.concurrency} puts in flight; each count in its own process`);
const runs: Run[] = [];
for (const files of counts) {
  const profDir = resolve(dir, `prof-${files}`);
  if (values['cpu-prof']) {
    rmSync(profDir, { recursive: true, force: true });
    mkdirSync(profDir, { recursive: true });
  }
  const env = values['cpu-prof'] ? { ...process.env, BENCH_E2E_PROFILE_DIR: profDir } : process.env;
  const { stdout } = await exec(process.execPath, ['--expose-gc', child, String(files), values.concurrency, process.cwd()], { maxBuffer: 1 << 24, env });
  const run = JSON.parse(stdout.trim().split('\n').at(-1)!) as Run;
  runs.push(run);
  const { stack, direct } = run;
  console.log(`\n${files} files (${run.records} records, a few per file; seeded realistic mix)`);
  console.log(`  stack   ${stack.s.toFixed(2)} s  ${stack.filesPerS.toFixed(1)} files/s   (${stack.succeeded} executions SUCCEEDED, ${stack.failed} not; ${stack.uploads} uploads; event loop busy ${(100 * stack.eventLoopBusy).toFixed(0)}%)`);
  console.log(`  direct  ${direct.s.toFixed(2)} s  ${direct.filesPerS.toFixed(1)} files/s   (${direct.accepted} answers 207, one POST per file, sequential)`);
  // Printed, not a target: the emulators (s3rver, dynalite, the local Step Functions engine) dominate the stack phase.
  console.log(`  ratio   ${(stack.s / direct.s).toFixed(2)}× the direct time (the emulators dominate it; not a target)`);
  console.log(`  RSS     idle stack ${run.idleRssMB} MB, after the stack phase ${stack.rssAfterMB} MB; peak ${stack.peakRssMB} MB by the end of the stack phase, ${direct.peakRssMB} MB by the end of the direct phase, ${run.peakRssMB} MB in all (close included)`);
  console.log(`  heap    live after a full GC: idle ${run.idleHeapLiveMB} MB, after the stack phase ${stack.heapLiveMB} MB (${((1024 * (stack.heapLiveMB - run.idleHeapLiveMB)) / files).toFixed(1)} KB kept per file); heap size before that GC ${stack.heapBeforeGcMB} MB`);
  if (values['cpu-prof']) summarizeProfile(profDir);
}
if (runs.length > 1) {
  console.log(`\npeak RSS by file count: ${runs.map((r) => `${r.files}: ${r.peakRssMB} MB`).join(', ')}`);
}

/**
 * Self time of a .cpuprofile by package: the emulators, the SDK, the project's own code, Node and GC. A second
 * column charges time in Node itself (http, streams, fs, native calls) to the nearest caller that is in a package
 * or in the project; what has no such caller on its stack (socket and timer callbacks) stays with Node.
 */
function summarizeProfile(profDir: string): void {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return void console.log(`  (no profile in ${profDir})`);
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { url: string; functionName: string }; children?: number[] }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isNode = (group: string) => group.startsWith('node ');
  const self = new Map<string, number>();
  const charged = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const { group, pkg } = classify(node.callFrame.url, node.callFrame.functionName);
    if (group === '(idle)') return;
    total += dt;
    self.set(group, (self.get(group) ?? 0) + dt);
    if (pkg) packages.set(pkg, (packages.get(pkg) ?? 0) + dt);
    let owner = group;
    for (let up = parent.get(id); isNode(owner) && up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up)!.callFrame;
      if (frame.url) owner = classify(frame.url, frame.functionName).group;
    }
    charged.set(owner, (charged.get(owner) ?? 0) + dt);
  });
  const pct = (n = 0) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  console.log(`  CPU profile of the stack phase (${join(profDir, file)}): ${(total / 1e6).toFixed(1)} s busy, idle left out`);
  console.log('     self  with Node charged to its caller');
  for (const group of [...new Set([...self.keys(), ...charged.keys()])].sort((a, b) => (charged.get(b) ?? 0) - (charged.get(a) ?? 0))) {
    console.log(`   ${pct(self.get(group))}  ${pct(charged.get(group))}  ${group}`);
  }
  console.log(`  top packages (self): ${[...packages].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([p, t]) => `${p} ${pct(t).trim()}`).join(', ')}`);
}

function classify(url: string, fn: string): { group: string; pkg?: string } {
  if (!url) {
    if (fn === '(idle)') return { group: '(idle)' };
    if (fn === '(garbage collector)') return { group: 'garbage collector' };
    return { group: 'node / V8 native (no script)' };
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) {
    const pkg = m[1]!;
    const group = GROUPS.find(([re]) => re.test(pkg))?.[1] ?? 'other packages';
    return { group, pkg };
  }
  if (url.startsWith('node:')) return { group: 'node built-ins (http, streams, fs, …)' };
  return { group: 'project code (local/, src/, functions/, bundled)', pkg: '(project)' };
}
