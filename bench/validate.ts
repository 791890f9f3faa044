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
import { writeCaptureFile, DEFAULT_MIX, type Kind } from '../local/captures.js';

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

interface Run { MBps: number; records: number; inferences: number; s: number; peakRssMB: number }
const measure = async (script: string): Promise<Run> => JSON.parse((await exec(process.execPath, [script, file], { maxBuffer: 1 << 20 })).stdout);

const results: { validator: Run[]; limit: Run[] } = { validator: [], limit: [] };
for (let i = 0; i < runs; i++) {
  // Alternate the two so that machine noise hits both alike.
  results.limit.push(await measure('bench/parse-limit.mjs'));
  results.validator.push(await measure(child));
}
const best = (xs: Run[]) => xs.reduce((a, b) => (b.MBps > a.MBps ? b : a));
const v = best(results.validator);
const l = best(results.limit);
const sizeMB = statSync(file).size / 1048576;
console.log(`\nfile: ${file} (${sizeMB.toFixed(0)} MB, ${v.records} records, ${v.inferences} inferences); best of ${runs} runs each, node ${process.version}`);
console.log(`  parse limit : ${l.MBps.toFixed(1)} MB/s  peak RSS ${l.peakRssMB} MB   (runs: ${results.limit.map((r) => r.MBps).join(', ')})`);
console.log(`  validator   : ${v.MBps.toFixed(1)} MB/s  peak RSS ${Math.max(...results.validator.map((r) => r.peakRssMB))} MB   (runs: ${results.validator.map((r) => r.MBps).join(', ')})`);
console.log(`  ratio       : ${(v.MBps / l.MBps).toFixed(2)} of the parse limit (target ≥ 0.80); validator peak RSS target ≤ 160 MB`);
if (v.inferences !== l.inferences) {
  console.log(`  note: inferences ${v.inferences} (validator) vs ${l.inferences} (limit): the limit counts CSV rows by newlines, so a newline inside a quoted field counts twice there`);
}
