/**
 * npm run bench:validate — the validator's throughput and memory on a 200 MB capture file, against the plain
 * parse limit measured in the same run (line split + JSON.parse of each record and payload, no rule checked).
 * Prints figures; never passes or fails on time. Options: --mb N (file size, default 200), --runs N (default 3).
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { writeCaptureFile, DEFAULT_MIX, type Kind } from '../local/capture-generator.js';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' }, mix: { type: 'string' } } });
// --mix csv,json1,… draws uniformly from those kinds instead of the default weighted mix.
const mix = values.mix ? (values.mix.split(',') as Kind[]) : DEFAULT_MIX;
const mb = Number(values.mb);
const runs = Number(values.runs);
const dir = '.bench';
mkdirSync(dir, { recursive: true });

const file = join(dir, `captures-${mb}mb-seed7${values.mix ? `-${mix.join('-')}` : ''}.jsonl`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${file} (seeded mix: ${[...new Set(mix)].join(', ')}) … `);
  const written = await writeCaptureFile(file, { bytes: mb * 1024 * 1024, seed: 7, mix });
  console.log(`${written.records} records, ${written.inferences} inferences`);
}
// The validator runs bundled with plain node, as the baseline does: no TypeScript loader in either process.
const child = join(dir, 'validate-child.mjs');
await build({ entryPoints: ['bench/validate-child.ts'], outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

// The shared baseline prints `rssMB` (current, not peak) and no CPU time.
interface Run { MBps: number; records: number; inferences: number; s: number; cpuS?: number; peakRssMB?: number; rssMB?: number }
const measure = async (script: string, args: string[] = []): Promise<Run> => JSON.parse((await exec(process.execPath, [script, ...args, file], { maxBuffer: 1 << 20 })).stdout);

// The workplace's reference baseline, when this checkout sits beside it (a user's clone has only bench/parse-limit.mjs).
const shared = new URL('../../shared/tools/parse-limit.mjs', import.meta.url);
const hasShared = existsSync(shared);
// It reads only its own mix: a JSON Lines payload is one JSON.parse to it, and it throws. After one throw, not again.
let sharedReadsMix = hasShared;
const results: { validator: Run[]; limit: Run[]; shared: Run[] } = { validator: [], limit: [], shared: [] };
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
}
const best = (xs: Run[]) => xs.reduce((a, b) => (b.MBps > a.MBps ? b : a));
const leastCpu = (xs: Run[]) => Math.min(...xs.map((r) => r.cpuS ?? Infinity));
const v = best(results.validator);
const l = best(results.limit);
const sizeMB = statSync(file).size / 1048576;
const line = (name: string, xs: Run[]) =>
  `  ${name.padEnd(12)}: ${best(xs).MBps.toFixed(1)} MB/s  ${Number.isFinite(leastCpu(xs)) ? `CPU ${leastCpu(xs).toFixed(2)} s  ` : ''}` +
  `${xs[0]!.peakRssMB !== undefined ? 'peak ' : ''}RSS ${Math.max(...xs.map((r) => r.peakRssMB ?? r.rssMB ?? 0))} MB   (runs: ${xs.map((r) => r.MBps).join(', ')})`;
console.log(`\nfile: ${file} (${sizeMB.toFixed(0)} MB, ${v.records} records, ${v.inferences} inferences); best of ${runs} runs each, node ${process.version}`);
console.log(line('parse limit', results.limit));
if (results.shared.length > 0) console.log(line('shared limit', results.shared) + '   ← ../shared/tools/parse-limit.mjs inner');
else if (hasShared) console.log('  shared limit: cannot read this mix (../shared/tools/parse-limit.mjs parses a JSON Lines payload as one JSON text)');
console.log(line('validator', results.validator));
console.log(`  ratio       : ${(v.MBps / l.MBps).toFixed(2)} of the parse limit by wall time, ${(leastCpu(results.limit) / leastCpu(results.validator)).toFixed(2)} by CPU time (target ≥ 0.80); validator peak RSS target ≤ 160 MB`);
if (results.shared.length > 0) {
  console.log(`  vs shared   : ${(v.MBps / best(results.shared).MBps).toFixed(2)} of ../shared/tools/parse-limit.mjs by wall time`);
}
if (v.inferences !== l.inferences) {
  console.log(`  note: inferences ${v.inferences} (validator) vs ${l.inferences} (limit): the limit counts CSV rows by newlines, so a newline inside a quoted field counts twice there`);
}
