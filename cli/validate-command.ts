import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CaptureNormalizer, checkCaptureFile, detectFileKind, fileChunks, FindingGroups, formatGroup, type FileReport, type ValidateOptions } from '../src/capture/index.js';
import { UsageError, type Io } from './io.js';
import { PartnerIdText } from './partner-id-text.js';
import { validateLabelFile } from './validate-ground-truth.js';
import { takeVariadic } from './variadic.js';

const HELP = `usage: capture-router validate FILE… [--json] [--normalize-to DIR] [--ground-truth ATTR…]

Checks SageMaker Data Capture files by the rules of Arthur's SageMaker integration, streaming each file. A Model
Monitor ground-truth label file (its first record holds groundTruthData) is checked by the ground-truth rules.
  --json              one JSON object per line per file: {file, valid, records, inferences, partnerInferenceIds, errors, normalized, kind};
                      for a label file {file, kind: "groundTruth", valid, records, labels, partnerInferenceIds, errors}
  --normalize-to DIR  also write DIR/NAME.jsonl (what would be sent) and DIR/NAME.rejected.jsonl (what would not, with reasons); captures only
  --ground-truth ATTR…  check every file as ground truth for these attributes, in order (as a groundTruth mapping's
                      groundTruthAttributes; the names run to the next option: put FILE… first, or end them with --);
                      without it, a label file's first accepted record sets the layout
Exit code: 0 all valid, 1 any invalid, 2 usage error or unreadable file.`;

/** Human output shows this many codes per file (there are 13); --json always has every error. */
const MAX_HUMAN_CODES = 13;

function parseValidateArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'normalize-to': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
  }
}

export async function runValidate(argv: string[], io: Io): Promise<number> {
  const groundTruth = takeVariadic(argv, '--ground-truth');
  if (groundTruth.values?.length === 0) throw new UsageError(`--ground-truth takes the model's ground-truth attribute names\n\n${HELP}`);
  const parsed = parseValidateArgs(groundTruth.rest);
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
    if (groundTruth.values || (await isLabelFile(file))) {
      try {
        const labels = await validateLabelFile(io, file, handle, { attributes: groundTruth.values, json: Boolean(parsed.values.json) });
        if (!labels.valid && exit === 0) exit = 1;
        if (outDir !== undefined) io.err(`capture-router: ${file} is a ground-truth file; --normalize-to writes captures only`);
      } catch (err) {
        io.err(`capture-router: cannot read ${file}: ${describeIoError(err)}`);
        exit = 2;
      } finally {
        await handle.close().catch(() => undefined);
      }
      continue;
    }
    let report: FileReport;
    // The human summary keeps only what it prints: error groups, no partner ID and no error list. --json writes
    // the partner IDs as JSON text as they come, never as an array of strings.
    const groups = new FindingGroups();
    const ids = new PartnerIdText(io.write ? tmpdir() : undefined);
    const options: ValidateOptions = parsed.values.json ? { collectPartnerIds: true, onPartnerIds: (base, count) => ids.add(base, count) } : { maxErrors: 0, onError: (e) => groups.add(e) };
    try {
      report = outDir === undefined ? await checkCaptureFile(fileChunks(handle), options) : await normalizeTo(handle, file, outDir, options);
    } catch (err) {
      ids.dispose();
      io.err(`capture-router: cannot read ${file}: ${describeIoError(err)}`);
      exit = 2;
      continue;
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (!report.valid && exit === 0) exit = 1;
    if (parsed.values.json) {
      try {
        printJson(io, file, report, ids);
      } finally {
        ids.dispose();
      }
    } else {
      // The report's own errors (EMPTY_FILE) never pass through onError.
      if (groups.size === 0) for (const error of report.errors) groups.add(error);
      printHuman(io, file, report, groups, outDir);
    }
  }
  return exit;
}

/** Whether the file's first record is a ground-truth label (read up to that line only). */
async function isLabelFile(file: string): Promise<boolean> {
  return (await detectFileKind(file)).kind === 'groundTruth';
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

async function normalizeTo(handle: FileHandle, file: string, outDir: string, options: ValidateOptions): Promise<FileReport> {
  const name = outputName(file);
  const normalizer = new CaptureNormalizer(options);
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

/** The contract's line, `{file, valid, records, inferences, partnerInferenceIds, errors, normalized, kind}`, as JSON.stringify writes it. */
function printJson(io: Io, file: string, report: FileReport, ids: PartnerIdText): void {
  const head = `${JSON.stringify({ file, valid: report.valid, records: report.records, inferences: report.inferences }).slice(0, -1)},"partnerInferenceIds":[`;
  const tail = `],"errors":${JSON.stringify(report.errors)},"normalized":${report.normalized},"kind":"capture"}`;
  const write = io.write;
  if (write) {
    write(head);
    ids.drain((piece) => write(piece));
    write(`${tail}\n`);
  } else {
    const pieces: Buffer[] = [];
    ids.drain((piece) => pieces.push(Buffer.from(piece)));
    io.out(head + Buffer.concat(pieces).toString('utf8') + tail);
  }
}

function printHuman(io: Io, file: string, report: FileReport, groups: FindingGroups, outDir: string | undefined): void {
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
  // One block per code: how many, where, one example and its fix (3 lines, however many records share it).
  const list = groups.list();
  for (const group of list.slice(0, MAX_HUMAN_CODES)) {
    const [counted, example, fix] = formatGroup(group);
    io.out(`  ${counted}`);
    io.out(`      ${example}`);
    io.out(`      ${fix}`);
  }
  if (list.length > 0 && report.records > 0) io.out('  (--json lists every error with its line)');
  if (outDir !== undefined) {
    const name = outputName(file);
    io.out(`  wrote ${join(outDir, `${name}.jsonl`)} and ${join(outDir, `${name}.rejected.jsonl`)}`);
  }
}
