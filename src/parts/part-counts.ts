/**
 * The per-part counts an ingestion record keeps (`partCounts`, written by the workflow as `[[failure,
 * alreadyPresent], …]`), summed for readers; items written before the part manifest carry `parts` instead.
 */
import type { IngestionItem } from '../contracts.js';

export interface PartTotals {
  /** Inferences Arthur refused, over every part. */
  failure: number;
  /** Inferences an earlier attempt had delivered (its answer was lost), over every part. */
  alreadyPresent: number;
  /** Indexes of the parts with refusals. */
  refusedParts: number[];
}

/**
 * @example
 * partTotals({ partCounts: '[[0,0],[3,1]]' }); // { failure: 3, alreadyPresent: 1, refusedParts: [1] }
 */
export function partTotals(item: Pick<IngestionItem, 'partCounts' | 'parts'>): PartTotals {
  const rows = countsOf(item);
  return {
    failure: rows.reduce((n, [f]) => n + f, 0),
    alreadyPresent: rows.reduce((n, [, a]) => n + a, 0),
    refusedParts: rows.flatMap(([f], i) => (f > 0 ? [i] : [])),
  };
}

function countsOf(item: Pick<IngestionItem, 'partCounts' | 'parts'>): Array<[number, number]> {
  if (typeof item.partCounts === 'string') {
    try {
      const parsed = JSON.parse(item.partCounts) as unknown;
      if (Array.isArray(parsed)) return parsed.map((row) => (Array.isArray(row) ? [Number(row[0]) || 0, Number(row[1]) || 0] : [0, 0]));
    } catch {
      return [];
    }
  }
  return (item.parts ?? []).map((p) => [Number(p.failure) || 0, Number(p.alreadyPresent ?? 0) || 0]);
}
