import { Readable } from 'node:stream';
import { CaptureChecker, forEachLine, type CaptureSource } from '../../src/capture/index.js';

/** One record of a part: the eventId Arthur's failures name, and its partner inference IDs in order. */
export interface IndexedRecord {
  eventId?: string;
  partnerInferenceIds: string[];
  /** The line as the part holds it, when the index was built to re-send a subset. */
  text?: string;
}

/**
 * The records of a part as Arthur sees them, read with the capture core (the same partner IDs the validator and
 * the receiver compute): what turns Arthur's `event_id` + `inference_index_in_event` back into partner IDs, and
 * what a retry asks the lookup about.
 */
export class PartIndex {
  private byEvent?: Map<string, IndexedRecord>;

  constructor(readonly records: IndexedRecord[]) {}

  static async read(source: CaptureSource, keepText: boolean): Promise<PartIndex> {
    const checker = new CaptureChecker();
    const records: IndexedRecord[] = [];
    await forEachLine(source, (text, lineNo) => {
      if (text.trim() === '') return;
      const result = checker.check(text, lineNo);
      // The validator wrote the part: a record it would refuse is not expected here, and Arthur would refuse it too.
      if (!result.ok) return;
      records.push({ eventId: eventIdOf(text), partnerInferenceIds: result.partnerInferenceIds, ...(keepText ? { text } : {}) });
    });
    return new PartIndex(records);
  }

  get inferences(): number {
    return this.records.reduce((n, r) => n + r.partnerInferenceIds.length, 0);
  }

  allIds(): string[] {
    return this.records.flatMap((r) => r.partnerInferenceIds);
  }

  /** The record of a SageMaker `eventId` (the first, should two records share one). */
  record(eventId: string): IndexedRecord | undefined {
    if (!this.byEvent) {
      this.byEvent = new Map();
      for (const r of this.records) if (r.eventId !== undefined && !this.byEvent.has(r.eventId)) this.byEvent.set(r.eventId, r);
    }
    return this.byEvent.get(eventId);
  }

  /**
   * The part without the records whose every inference Arthur already holds. A record Arthur holds only in part
   * is sent whole (its inferences are one event): Arthur then refuses the held ones, which the caller counts as
   * present, not failed.
   */
  without(held: ReadonlySet<string>): PartIndex {
    return new PartIndex(this.records.filter((r) => !r.partnerInferenceIds.every((id) => held.has(id))));
  }

  /** The records' lines as a JSONL stream (an index built with `keepText`). */
  body(): { body: Readable; contentLength: number } {
    const lines = this.records.map((r) => `${r.text ?? ''}\n`);
    return { body: Readable.from(lines.map((l) => Buffer.from(l))), contentLength: lines.reduce((n, l) => n + Buffer.byteLength(l), 0) };
  }
}

/** The record's `eventMetadata.eventId`; undefined when the line does not say. */
function eventIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { eventMetadata?: { eventId?: unknown } })?.eventMetadata?.eventId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
