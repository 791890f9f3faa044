/**
 * `capture-router validate` for a Model Monitor ground-truth label file (docs/ground-truth.md): the ground-truth
 * checker's verdict, printed as the capture verdict is — one JSON line with --json, else the findings grouped by
 * code, each with an example and its fix.
 */
import type { FileHandle } from 'node:fs/promises';
import { anyHintFor, checkGroundTruthFile, describeLines, FindingGroups, type CaptureError, type GroundTruthReport } from '../src/capture/index.js';
import type { Io } from './io.js';

/** Human output shows this many codes per file; --json always has every error. */
const MAX_HUMAN_CODES = 12;

/**
 * Checks one label file and prints its verdict; resolves to the report (its `valid` decides the exit code).
 * Without `attributes` the file's first accepted record sets the layout the others are held to.
 * @example
 * const report = await validateLabelFile(io, 'labels/2024/01/19/19/labels.jsonl', handle, { attributes: ['label'], json: false });
 */
export async function validateLabelFile(
  io: Io,
  file: string,
  handle: FileHandle,
  options: { attributes?: readonly string[]; json: boolean },
): Promise<GroundTruthReport> {
  const report = await checkGroundTruthFile(handle.createReadStream({ highWaterMark: 1 << 20 }), {
    ...(options.attributes ? { attributes: options.attributes } : {}),
    collectPartnerIds: options.json,
  });
  if (options.json) {
    const { records, labels, partnerInferenceIds, errors, valid } = report;
    io.out(JSON.stringify({ file, kind: 'groundTruth', valid, records, labels, partnerInferenceIds: partnerInferenceIds ?? [], errors }));
    return report;
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (report.valid) {
    io.out(`✔ ${file}: valid ground truth — ${plural(report.records, 'record')}, ${plural(report.labels, 'label')}`);
  } else if (report.records === 0) {
    io.out(`✘ ${file}: invalid — no ground-truth record`);
  } else {
    io.out(
      `✘ ${file}: ${report.rejected} of ${plural(report.records, 'ground-truth record')} invalid — ${plural(report.labels, 'label')} would be sent, ${plural(report.rejected, 'record')} quarantined`,
    );
  }
  const groups = new FindingGroups();
  // FindingGroups reads only line, code and message, which both kinds' errors carry.
  for (const error of report.errors) groups.add(error as unknown as CaptureError);
  const list = groups.list();
  for (const group of list.slice(0, MAX_HUMAN_CODES)) {
    io.out(`  ${group.code} ×${group.count}  ${describeLines(group)}`);
    io.out(`      e.g. line ${group.example.line}: ${group.example.message}`);
    io.out(`      fix: ${anyHintFor(group.example, 'groundTruth')}`);
  }
  if (list.length > 0 && report.records > 0) io.out('  (--json lists every error with its line)');
  return report;
}
