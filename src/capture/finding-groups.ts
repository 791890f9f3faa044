import type { CaptureError } from './types.js';
import { hintFor } from './hints.js';

/** Line ranges kept per code; past them only the count grows, so a file of a million bad records stays small. */
const MAX_RANGES = 6;

export interface FindingGroup {
  code: string;
  count: number;
  /** Runs of consecutive lines, in file order: [first, last]. */
  ranges: Array<[number, number]>;
  /** Ranges past MAX_RANGES, not kept. */
  moreRanges: number;
  /** The first error of the code, with its message. */
  example: CaptureError;
}

/**
 * Findings of one file grouped by error code, in the order each code first appears: what a person scans, where a
 * list of every record repeats the same line forty times. Errors arrive in line order.
 * @example
 * const groups = new FindingGroups();
 * groups.add({ line: 3, code: 'BAD_INFERENCE_TIME', message: '…' }); groups.add({ line: 4, code: 'BAD_INFERENCE_TIME', message: '…' });
 * groups.list()[0].ranges; // [[3, 4]]
 */
export class FindingGroups {
  private readonly byCode = new Map<string, FindingGroup & { lastLine: number }>();

  add(error: CaptureError): void {
    const group = this.byCode.get(error.code);
    if (!group) {
      this.byCode.set(error.code, { code: error.code, count: 1, ranges: [[error.line, error.line]], moreRanges: 0, example: error, lastLine: error.line });
      return;
    }
    group.count++;
    const continues = error.line === group.lastLine + 1;
    // A run goes on: it lengthens the last range kept, or one past them that only counts.
    if (continues && group.moreRanges === 0) group.ranges.at(-1)![1] = error.line;
    else if (!continues && group.ranges.length < MAX_RANGES) group.ranges.push([error.line, error.line]);
    else if (!continues) group.moreRanges++;
    group.lastLine = error.line;
  }

  get size(): number {
    return this.byCode.size;
  }

  list(): FindingGroup[] {
    return [...this.byCode.values()].map(({ lastLine: _, ...group }) => group);
  }
}

/** `lines 3–46`, `line 7`, `lines 2, 5–9, 12 and 3 more ranges`. */
export function describeLines(group: Pick<FindingGroup, 'ranges' | 'moreRanges' | 'count'>): string {
  const parts = group.ranges.map(([a, b]) => (a === b ? String(a) : `${a}–${b}`));
  const more = group.moreRanges > 0 ? ` and ${group.moreRanges} more range${group.moreRanges === 1 ? '' : 's'}` : '';
  return `${group.count === 1 ? 'line' : 'lines'} ${parts.join(', ')}${more}`;
}

/** A group as a person reads it: its lines described and the fix of its example. */
export interface DescribedFindingGroup extends FindingGroup {
  /** `lines 3–46, 49` */
  lines: string;
  /** How to fix the example's cause (hintFor). */
  fix: string;
}

/**
 * Every group of `groups` with its lines described and its fix, as `--json` and the local console show them.
 * @example
 * describeGroups(groups)[0]; // { code: 'BAD_INFERENCE_TIME', count: 2, lines: 'lines 3–4', fix: 'eventMetadata.inferenceTime must be…', … }
 */
export function describeGroups(groups: FindingGroups): DescribedFindingGroup[] {
  return groups.list().map((group) => ({ ...group, lines: describeLines(group), fix: fixOf(group.example) }));
}

/**
 * The three lines one group takes in human output — count and lines, one example, its fix — the same in
 * `capture-router validate` and `capture-router executions show`, however many records share the code.
 * @example
 * formatGroup(group); // ['BAD_INFERENCE_TIME ×44  lines 3–46', 'e.g. line 3: eventMetadata.inferenceTime …', 'fix: eventMetadata.inferenceTime must be …']
 */
export function formatGroup(group: FindingGroup): [string, string, string] {
  return [`${group.code} ×${group.count}  ${describeLines(group)}`, `e.g. line ${group.example.line}: ${group.example.message}`, `fix: ${fixOf(group.example)}`];
}

/** A quarantine object written by another version may hold a code this one does not know: no fix rather than none at all. */
function fixOf(error: CaptureError): string {
  return hintFor(error) ?? `${error.code} is not a code this version of capture-router knows: see its message`;
}
