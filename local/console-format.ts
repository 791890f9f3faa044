/**
 * How the local console writes file names and times. Self-contained functions (no imports, no outer names): the
 * page's script embeds their source, so the server's tests and the browser run the same code.
 */

/**
 * A capture key short enough to read in one table cell: SageMaker's `{dest}/{endpoint}/{variant}/yyyy/mm/dd/hh/
 * {MM-SS-mmm-uuid}.jsonl` becomes `endpoint/variant/…/MM-SS-mmm-uuid8….jsonl`; any other key keeps its last two
 * segments. The full key goes in the cell's title.
 * @example shortKeyName('captures/fraud/AllTraffic/2026/11/25/10/00-01-000-6f1c2a3b-9d4e-4f7a-8b1c-2d3e4f5a6b7c.jsonl') // 'fraud/AllTraffic/…/00-01-000-6f1c2a3b….jsonl'
 */
export const shortKeyName = (key: string): string => {
  const segments = key.split('/').filter((s) => s !== '');
  const file = (segments.pop() ?? key).replace(/^(\d{2}-\d{2}-\d{3}-)([0-9a-f]{8})[0-9a-f-]{28}(\.[^.]+)?$/i, '$1$2…$3');
  const n = segments.length;
  const hour = n >= 6 && /^\d{4}$/.test(segments[n - 4]!) && segments.slice(n - 3).every((s) => /^\d{2}$/.test(s));
  if (hour) return `${segments[n - 6]}/${segments[n - 5]}/…/${file}`;
  if (n === 0) return file;
  return `${n > 1 ? '…/' : ''}${segments[n - 1]}/${file}`;
};

/**
 * How long ago an instant was, as a person says it; the ISO time goes in the element's title.
 * @example relativeTime('2026-12-02T05:00:00Z', Date.parse('2026-12-02T05:03:10Z')) // '3 min ago'
 */
export const relativeTime = (iso: string, now: number): string => {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((now - at) / 1000);
  if (seconds < -5) return 'in the future';
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
};
