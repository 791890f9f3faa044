/**
 * npm run bench:validate — the validator's throughput and memory on a 200 MB capture file, against the plain
 * parse limit measured in the same run (line split + JSON.parse of each record and payload, no rule checked).
 * Beside the in-process validator, the CLI as a user runs it: `capture-router validate FILE` and `--json`, each a
 * whole process timed from outside (/usr/bin/time -f '%e %M' where present, else the child's VmHWM polled from
 * /proc), its output to /dev/null.
 * Every run measures all of them one after another, so each ratio is taken within one run (the same minute of a
 * shared machine's noise) and the median of those per-run ratios is reported, with each run's figure beside it.
 * Prints figures; never passes or fails on time. Options: --mb N (file size, default 200), --runs N (default 3),
 * --mix KIND,… (draw only those kinds), --file PATH (measure that file instead, e.g. one written by
 * `../shared/tools/gen-captures.mjs --out /tmp/captures.jsonl --mb 200`).
 */
import { build } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { writeCaptureFile, DEFAULT_MIX, type Kind } from '../local/capture-generator.js';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' }, mix: { type: 'string' }, file: { type: 'string' } } });
// --mix csv,json1,… draws uniformly from those kinds instead of the default weighted mix.
const mix = values.mix ? (values.mix.split(',') as Kind[]) : DEFAULT_MIX;
const mb = Number(values.mb);
const runs = Number(values.runs);
const dir = '.bench';
mkdirSync(dir, { recursive: true });

const file = values.file ?? join(dir, `captures-${mb}mb-seed7${values.mix ? `-${mix.join('-')}` : ''}.jsonl`);
if (values.file !== undefined && !existsSync(file)) throw new Error(`--file ${file}: no such file`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${file} (seeded mix: ${[...new Set(mix)].join(', ')}) … `);
  const written = await writeCaptureFile(file, { bytes: mb * 1024 * 1024, seed: 7, mix });
  console.log(`${written.records} records, ${written.inferences} inferences`);
}
// The validator runs bundled with plain node, as the baseline does: no TypeScript loader in either process.
const child = join(dir, 'validate-child.mjs');
await build({ entryPoints: ['bench/validate-child.ts'], outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

// The CLI exactly as installed (bin/capture-router.mjs runs dist/cli.mjs): build it from the current sources.
await exec(process.execPath, ['scripts/build-cli.mjs']);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** One `capture-router validate` run as a whole process: wall time and peak RSS from outside it. */
async function measureCli(args: string[]): Promise<Run> {
  const argv = ['bin/capture-router.mjs', 'validate', ...args, file];
  const devNull = openSync('/dev/null', 'w');
  const started = process.hrtime.bigint();
  let peakKb = 0;
  let timeOutput = '';
  await new Promise<void>((done, fail) => {
    const child = TIME
      ? spawn(TIME, ['-f', '%e %U %S %M', process.execPath, ...argv], { stdio: ['ignore', devNull, 'pipe'] })
      : spawn(process.execPath, argv, { stdio: ['ignore', devNull, 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (timeOutput += d.toString()));
    // Without GNU time: the kernel's high-water mark of the child's resident set, read until it exits.
    const poll = TIME ? undefined : setInterval(() => {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(safeRead(`/proc/${child.pid}/status`))?.[1];
      if (hwm) peakKb = Math.max(peakKb, Number(hwm));
    }, 5);
    child.on('error', fail);
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      code === 0 || code === 1 ? done() : fail(new Error(`capture-router validate exited ${code}: ${timeOutput}`));
    });
  });
  let s = Number(process.hrtime.bigint() - started) / 1e9;
  let cpuS: number | undefined;
  if (TIME) {
    const [elapsed, user, system, kb] = timeOutput.trim().split('\n').at(-1)!.split(' ').map(Number);
    s = elapsed!;
    cpuS = user! + system!;
    peakKb = kb!;
  }
  return { MBps: +(statSync(file).size / 1048576 / s).toFixed(1), records: 0, inferences: 0, s, ...(cpuS !== undefined ? { cpuS: +cpuS.toFixed(2) } : {}), peakRssMB: Math.round(peakKb / 1024) };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// The shared baseline prints `rssMB` (current, not peak) and no CPU time.
interface Run { MBps: number; records: number; inferences: number; s: number; cpuS?: number; peakRssMB?: number; rssMB?: number; wholeMBps?: number }
/**
 * A script's own figures (it times itself from inside, after node started), and with /usr/bin/time also its MB/s
 * as a whole process, node's start included: the like-for-like figure beside the CLI's.
 */
const measure = async (script: string, args: string[] = []): Promise<Run> => {
  if (!TIME) return JSON.parse((await exec(process.execPath, [script, ...args, file], { maxBuffer: 1 << 20 })).stdout) as Run;
  const { stdout, stderr } = await exec(TIME, ['-f', '%e', process.execPath, script, ...args, file], { maxBuffer: 1 << 20 });
  const run = JSON.parse(stdout) as Run;
  return { ...run, wholeMBps: +(statSync(file).size / 1048576 / Number(stderr.trim().split('\n').at(-1))).toFixed(1) };
};

// The workplace's reference baseline, when this checkout sits beside it (a user's clone has only bench/parse-limit.mjs).
const shared = new URL('../../shared/tools/parse-limit.mjs', import.meta.url);
const hasShared = existsSync(shared);
// It reads only its own mix: a JSON Lines payload is one JSON.parse to it, and it throws. After one throw, not again.
let sharedReadsMix = hasShared;
const results: { validator: Run[]; limit: Run[]; shared: Run[]; cliHuman: Run[]; cliJson: Run[] } = { validator: [], limit: [], shared: [], cliHuman: [], cliJson: [] };
for (let i = 0; i < runs; i++) {
  // Alternate them so that machine noise hits all alike.
  results.limit.push(await measure('bench/parse-limit.mjs'));
  if (sharedReadsMix) {
    try {
      results.shared.push(await measure(shared.pathname, ['inner']));
    } catch {
      sharedReadsMix = false;
    }
  }
  results.validator.push(await measure(child));
  results.cliHuman.push(await measureCli([]));
  results.cliJson.push(await measureCli(['--json']));
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const cpuOf = (xs: Run[]) => xs.map((r) => r.cpuS ?? Number.NaN);
const peakOf = (xs: Run[]) => Math.max(...xs.map((r) => r.peakRssMB ?? r.rssMB ?? 0));
/** Run i's MB/s over the baseline's in the same run i: the ratios of that run's noise, not of the best minutes. */
const ratios = (xs: Run[], base: Run[]) => xs.map((r, i) => r.MBps / base[i]!.MBps);
const sizeMB = statSync(file).size / 1048576;
const v = results.validator[0]!;
const fmt = (xs: number[], digits = 2) => xs.map((x) => x.toFixed(digits)).join(' / ');
const line = (name: string, xs: Run[]) => {
  const cpu = cpuOf(xs);
  return (
    `  ${name.padEnd(13)}: ${median(xs.map((r) => r.MBps)).toFixed(1)} MB/s median (runs ${fmt(xs.map((r) => r.MBps), 1)})` +
    `${cpu.every(Number.isFinite) ? `, CPU ${median(cpu).toFixed(2)} s` : ''}, ${xs[0]!.peakRssMB !== undefined ? 'peak ' : ''}RSS ${peakOf(xs)} MB`
  );
};
const ratio = (name: string, xs: Run[], base: Run[], baseName: string) => {
  const r = ratios(xs, base);
  const cpu = xs.map((x, i) => (base[i]!.cpuS ?? Number.NaN) / (x.cpuS ?? Number.NaN));
  return `  ${name.padEnd(13)}: ${median(r).toFixed(2)}× ${baseName} (runs ${fmt(r)})${cpu.every(Number.isFinite) ? `, ${median(cpu).toFixed(2)}× by CPU time` : ''}`;
};
console.log(`\nfile: ${file} (${sizeMB.toFixed(0)} MB, ${v.records} records, ${v.inferences} inferences); ${runs} runs, each measuring all in turn; node ${process.version}`);
console.log(`${line('parse limit', results.limit)}   ← bench/parse-limit.mjs`);
if (results.shared.length > 0) console.log(`${line('shared limit', results.shared)}   ← ../shared/tools/parse-limit.mjs inner`);
else if (hasShared) console.log('  shared limit : cannot read this mix (../shared/tools/parse-limit.mjs parses a JSON Lines payload as one JSON text)');
console.log(`${line('validator', results.validator)}   ← in-process, after its module loaded`);
console.log(`  CLI, whole processes (${TIME ? '/usr/bin/time' : 'VmHWM from /proc'}; output to /dev/null), node start and module loading included:`);
console.log(line('validate', results.cliHuman));
console.log(line('--json', results.cliJson));
// The limits time themselves from inside (no node start); the CLI is timed from outside: the ratio counts its start against it.
console.log('ratios, median of the per-run ratios (target ≥ 0.80; peak RSS target ≤ 160 MB):');
const baselines: Array<[Run[], string]> = [[results.limit, 'bench/parse-limit.mjs']];
if (results.shared.length > 0) baselines.push([results.shared, 'the shared limit']);
for (const [base, baseName] of baselines) {
  console.log(ratio('validator', results.validator, base, baseName));
  console.log(ratio('CLI validate', results.cliHuman, base, baseName));
  console.log(ratio('CLI --json', results.cliJson, base, baseName));
}
// The limits time themselves from inside; timed from outside like the CLI (node's own start, ~0.1 s, included):
const whole = (xs: Run[]): Run[] => xs.map((r) => ({ ...r, MBps: r.wholeMBps ?? Number.NaN }));
if (results.limit.every((r) => r.wholeMBps !== undefined)) {
  console.log(`like for like, every one a whole process: bench/parse-limit.mjs ${median(results.limit.map((r) => r.wholeMBps!)).toFixed(1)} MB/s (runs ${fmt(results.limit.map((r) => r.wholeMBps!), 1)})`);
  console.log(ratio('CLI validate', results.cliHuman, whole(results.limit), 'bench/parse-limit.mjs as a process'));
  console.log(ratio('CLI --json', results.cliJson, whole(results.limit), 'bench/parse-limit.mjs as a process'));
  if (results.shared.length > 0 && results.shared.every((r) => r.wholeMBps !== undefined)) {
    console.log(ratio('CLI validate', results.cliHuman, whole(results.shared), 'the shared limit as a process'));
    console.log(ratio('CLI --json', results.cliJson, whole(results.shared), 'the shared limit as a process'));
  }
}
console.log(`  peak RSS     : validator ${peakOf(results.validator)} MB, CLI validate ${peakOf(results.cliHuman)} MB, CLI --json ${peakOf(results.cliJson)} MB (the highest of the runs)`);
if (v.inferences !== results.limit[0]!.inferences) {
  console.log(`  note: inferences ${v.inferences} (validator) vs ${results.limit[0]!.inferences} (limit): the limit counts CSV rows by newlines, so a newline inside a quoted field counts twice there`);
}
