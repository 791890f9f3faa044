/**
 * The `ground_truth_timestamp` of a label file: the start of the hour its key's `yyyy/mm/dd/hh` partition names (UTC) —
 * Model Monitor files labels under the hour they were collected (AWS, "Ingest Ground Truth labels and merge them with
 * predictions": `s3://bucket/prefix/yyyy/mm/dd/hh`) — else the fallback, the object's LastModified. The last such
 * partition in the key wins (a prefix may itself hold dates).
 * @example groundTruthTimestamp('labels/ep/2024/01/19/19/gt.jsonl', new Date(0)) // '2024-01-19T19:00:00Z'
 * @example groundTruthTimestamp('labels/gt.jsonl', new Date('2024-02-01T10:11:12.345Z')) // '2024-02-01T10:11:12Z'
 */
export function groundTruthTimestamp(key: string, fallback: Date): string {
  const segments = key.split('/');
  // The partition is four directory segments: the file name (last segment) is never part of it.
  for (let i = segments.length - 5; i >= 0; i--) {
    const hour = hourOf(segments[i], segments[i + 1], segments[i + 2], segments[i + 3]);
    if (hour !== undefined) return hour;
  }
  if (Number.isNaN(fallback.getTime())) throw new RangeError('the fallback ground-truth timestamp is not a valid date');
  return `${fallback.toISOString().slice(0, 19)}Z`;
}

function hourOf(y: string, m: string, d: string, h: string): string | undefined {
  if (!/^\d{4}$/.test(y) || !/^\d{2}$/.test(m) || !/^\d{2}$/.test(d) || !/^\d{2}$/.test(h)) return undefined;
  const date = new Date(Date.UTC(+y, +m - 1, +d, +h));
  // Date.UTC rolls 2024/02/30 over to March: a partition that does not read back is not one.
  if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +m - 1 || date.getUTCDate() !== +d || date.getUTCHours() !== +h) return undefined;
  return `${y}-${m}-${d}T${h}:00:00Z`;
}
