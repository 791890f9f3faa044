import { createWriteStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CaptureNormalizer, hintFor, checkCaptureFile, type FileReport } from '../src/capture/index.js';
import { UsageError, type Io } from './io.js';

const HELP = `usage: capture-router validate FILE… [--json] [--normalize-to DIR]

Checks SageMaker Data Capture files by the rules of Arthur's SageMaker integration, streaming each file.
  --json              one JSON object per line per file: {file, valid, records, inferences, partnerInferenceIds, errors, normalized}
  --normalize-to DIR  also write DIR/NAME.jsonl (what would be sent) and DIR/NAME.rejected.jsonl (what would not, with reasons)
Exit code: 0 all valid, 1 any invalid, 2 usage error or unreadable file.`;

/** Human output shows this many errors per file; --json always has them all. */
const MAX_HUMAN_ERRORS = 20;

export async function runValidate(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'normalize-to': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
  }
  if (parsed.values.help) {
    io.out(HELP);
    return 0;
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError(`no file given\n\n${HELP}`);
  const outDir = parsed.values['normalize-to'];
  if (outDir !== undefined) {
    checkOutputNames(files, outDir);
    try {
      await mkdir(outDir, { recursive: true });
    } catch (err) {
      throw new UsageError(`cannot create ${outDir}: ${describeIoError(err)}`);
    }
  }

  let exit = 0;
  for (const file of files) {
    let handle: FileHandle;
    try {
      handle = await openReadable(file);
    } catch (err) {
      io.err(`capture-router: cannot read ${file}: ${describeIoError(err)}`);
      exit = 2;
      continue;
    }
    let report: FileReport;
    try {
      report = outDir === undefined ? await checkCaptureFile(handle.createReadStream({ highWaterMark: 1 << 20 }), { collectPartnerIds: Boolean(parsed.values.json) }) : await normalizeTo(handle, file, outDir, Boolean(parsed.values.json));
    } catch (err) {
      io.err(`capture-router: cannot read ${file}: ${describeIoError(err)}`);
      exit = 2;
      continue;
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (!report.valid && exit === 0) exit = 1;
    if (parsed.values.json) {
      io.out(
        JSON.stringify({
          file,
          valid: report.valid,
          records: report.records,
          inferences: report.inferences,
          partnerInferenceIds: report.partnerInferenceIds ?? [],
          errors: report.errors,
          normalized: report.normalized,
        }),
      );
    } else {
      printHuman(io, file, report, outDir);
    }
  }
  return exit;
}

async function openReadable(file: string): Promise<FileHandle> {
  const handle = await open(file, 'r');
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  }
  return handle;
}

async function normalizeTo(handle: FileHandle, file: string, outDir: string, collectPartnerIds: boolean): Promise<FileReport> {
  const name = outputName(file);
  const normalizer = new CaptureNormalizer({ collectPartnerIds });
  const rejected = pipeline(normalizer.rejected, createWriteStream(join(outDir, `${name}.rejected.jsonl`)));
  await Promise.all([pipeline(handle.createReadStream({ highWaterMark: 1 << 20 }), normalizer, createWriteStream(join(outDir, `${name}.jsonl`))), rejected]);
  return normalizer.report();
}

function outputName(file: string): string {
  const base = basename(file);
  const ext = extname(base);
  return ext === '' ? base : base.slice(0, -ext.length);
}

/** Two inputs with one name would overwrite each other's output, and an input must not be its own output. */
function checkOutputNames(files: string[], outDir: string): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    const name = outputName(file);
    const previous = seen.get(name);
    if (previous !== undefined && resolve(previous) !== resolve(file)) {
      throw new UsageError(`${previous} and ${file} would both be written to ${join(outDir, name)}.jsonl; normalize them in separate runs`);
    }
    seen.set(name, file);
    for (const out of [`${name}.jsonl`, `${name}.rejected.jsonl`]) {
      if (resolve(outDir, out) === resolve(file)) throw new UsageError(`--normalize-to ${outDir} would overwrite the input ${file}; choose another directory`);
    }
  }
}

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory (give the .jsonl files inside it, e.g. DIR/*.jsonl)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function printHuman(io: Io, file: string, report: FileReport, outDir: string | undefined): void {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const normalized = report.normalized ? ' (some records need normalization: BASE64 decoded or JSON Lines converted)' : '';
  if (report.valid) {
    io.out(`✔ ${file}: valid — ${plural(report.records, 'record')}, ${plural(report.inferences, 'inference')}${normalized}`);
  } else if (report.records === 0) {
    io.out(`✘ ${file}: invalid — no capture record`);
  } else {
    io.out(
      `✘ ${file}: ${report.rejected} of ${plural(report.records, 'record')} invalid — ${plural(report.inferences, 'inference')} would be sent, ${plural(report.rejected, 'record')} quarantined${normalized}`,
    );
  }
  const hinted = new Set<string>();
  for (const error of report.errors.slice(0, MAX_HUMAN_ERRORS)) {
    io.out(`  line ${error.line}  ${error.code}  ${error.message}`);
    if (!hinted.has(error.code)) {
      hinted.add(error.code);
      io.out(`      fix: ${hintFor(error)}`);
    }
  }
  if (report.errors.length > MAX_HUMAN_ERRORS) io.out(`  … and ${report.errors.length - MAX_HUMAN_ERRORS} more (--json lists them all)`);
  if (outDir !== undefined) {
    const name = outputName(file);
    io.out(`  wrote ${join(outDir, `${name}.jsonl`)} and ${join(outDir, `${name}.rejected.jsonl`)}`);
  }
}
