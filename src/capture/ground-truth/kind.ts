import { isBlank } from '../check-file.js';
import { LineSplitter, openSource, type CaptureSource } from '../lines.js';
import type { RecordKind } from './types.js';

/**
 * Which kind of record a line is: an endpoint capture (`captureData`) or a Model Monitor label (`groundTruthData`);
 * undefined for anything else, including Model Monitor's merged records (both). A line that is not valid JSON (a
 * truncated copy) is told by its keys' text.
 * @example recordKindOf('{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"e"}}') // 'groundTruth'
 */
export function recordKindOf(text: string): RecordKind | undefined {
  let capture: boolean;
  let label: boolean;
  try {
    const record = JSON.parse(text) as unknown;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
    capture = (record as Record<string, unknown>).captureData !== undefined;
    label = (record as Record<string, unknown>).groundTruthData !== undefined;
  } catch {
    capture = text.includes('"captureData"');
    label = text.includes('"groundTruthData"');
  }
  if (capture === label) return undefined;
  return capture ? 'capture' : 'groundTruth';
}

/**
 * Tells a file's kind from its first non-blank record, reading no further than that line (a stream given here is
 * consumed up to it: pass a path, or a stream you will not read again). `kind` is undefined when the file is empty or
 * its first record is neither kind; `line` is that record's line number (0 for an empty file).
 * @example const { kind } = await detectFileKind('labels/2024/01/19/19/gt.jsonl'); // 'groundTruth'
 */
export async function detectFileKind(source: CaptureSource): Promise<{ kind?: RecordKind; line: number }> {
  let found: { kind?: RecordKind; line: number } | undefined;
  const splitter = new LineSplitter((text, lineNo) => {
    if (found === undefined && !isBlank(text)) found = { kind: recordKindOf(text), line: lineNo };
  });
  for await (const chunk of openSource(source)) {
    splitter.push(chunk);
    if (found !== undefined) return found;
  }
  splitter.end();
  return found ?? { line: 0 };
}
