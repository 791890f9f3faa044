/**
 * npm run bench:upload — the Arthur client streaming a 200 MB capture file: throughput and the uploading
 * process's peak RSS (target ≤ 160 MB, the body is never buffered). Two targets, each in another process:
 *   sink      drains the body and answers 207: the client's own limit;
 *   receiver  the Arthur-compatible receiver, checking every record as Arthur would: the end-to-end figure.
 * Prints figures; never passes or fails on time. Options: --mb N (default 200), --runs N (default 2).
 */
import { build } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_MIX, writeCaptureFile } from '../local/capture-generator.js';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, runs: { type: 'string', default: '2' } } });
const mb = Number(values.mb);
const runs = Number(values.runs);
const dir = '.bench';
mkdirSync(dir, { recursive: true });

// Same seed and name as bench:validate, so the two benchmarks share one generated file.
const file = join(dir, `captures-${mb}mb-seed7.jsonl`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${file} (seeded realistic mix: ${[...new Set(DEFAULT_MIX)].join(', ')}) … `);
  const written = await writeCaptureFile(file, { bytes: mb * 1024 * 1024, seed: 7 });
  console.log(`${written.records} records, ${written.inferences} inferences`);
}
const sizeMB = statSync(file).size / 1048576;

// Both children run bundled under plain node: no TypeScript loader in the measured process.
const bundle = async (name: string): Promise<string> => {
  const outfile = join(dir, `${name}.mjs`);
  await build({ entryPoints: [`bench/support/${name}.ts`], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  return outfile;
};
const [uploader, receiverScript] = await Promise.all([bundle('upload-child'), bundle('receiver-child')]);

const TOKEN = 'bench-token-0123456789';
const receiverProcess = spawn(process.execPath, [receiverScript, TOKEN], { stdio: ['pipe', 'pipe', 'inherit'] });
const [first] = (await once(createInterface({ input: receiverProcess.stdout! }), 'line')) as [string];
const targets = JSON.parse(first) as { receiver: string; sink: string };

interface Run { MBps: number; s: number; status: number; counts?: { success: number; failure: number; total: number }; rssBeforeMB: number; peakRssMB: number }
const upload = async (url: string, modelId: string): Promise<Run> =>
  JSON.parse((await exec(process.execPath, [uploader, file, url, modelId, TOKEN], { maxBuffer: 1 << 20 })).stdout) as Run;

// A fresh model per run: a second upload of the same inferences to one model would only collect duplicates.
const model = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const results: { sink: Run[]; receiver: Run[] } = { sink: [], receiver: [] };
try {
  for (let i = 0; i < runs; i++) {
    results.sink.push(await upload(targets.sink, model(i)));
    results.receiver.push(await upload(targets.receiver, model(i)));
  }
} finally {
  receiverProcess.stdin!.end();
}

const best = (xs: Run[]) => xs.reduce((a, b) => (b.MBps > a.MBps ? b : a));
const peak = (xs: Run[]) => Math.max(...xs.map((r) => r.peakRssMB));
const s = best(results.sink);
const r = best(results.receiver);
console.log(`\nfile: ${file} (${sizeMB.toFixed(0)} MB), one multipart POST with Content-Length, 64 KiB reads; best of ${runs} runs each, node ${process.version}`);
console.log(`  → sink     : ${s.MBps.toFixed(1)} MB/s  ${s.s} s  uploader peak RSS ${peak(results.sink)} MB (idle ${s.rssBeforeMB} MB)   (runs: ${results.sink.map((x) => x.MBps).join(', ')})`);
console.log(`  → receiver : ${r.MBps.toFixed(1)} MB/s  ${r.s} s  uploader peak RSS ${peak(results.receiver)} MB (idle ${r.rssBeforeMB} MB)   (runs: ${results.receiver.map((x) => x.MBps).join(', ')})`);
console.log(`               receiver answered ${r.status} ${JSON.stringify(r.counts)}`);
console.log('  target: uploader peak RSS ≤ 160 MB');
