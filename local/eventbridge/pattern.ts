/**
 * EventBridge event patterns, as the bus matches them (EventBridge User Guide, "Event patterns" and "Content
 * filtering in event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 * every field of the pattern must match; a nested object matches the event's object field; a leaf is an array
 * that matches when the event's value (or, for an array value, any of its elements) equals one of its literals or
 * satisfies one of its filters. A field the event lacks matches only `{exists: false}`.
 *
 * Filters supported here: prefix, suffix, equals-ignore-case, anything-but (literals, or prefix/suffix), exists,
 * numeric. Anything else (`$or`, wildcard, cidr) is refused when the rule is read, so the local stack never
 * silently matches less or more than EventBridge.
 */

export type EventPattern = { [field: string]: EventPattern | unknown[] };

/** Throws, naming the field, when `pattern` is not a pattern this module evaluates as EventBridge does. */
export function checkEventPattern(pattern: unknown, at = 'pattern'): asserts pattern is EventPattern {
  if (!isObject(pattern)) throw new Error(`${at}: an event pattern is a JSON object`);
  for (const [field, value] of Object.entries(pattern)) {
    if (field.startsWith('$')) throw new Error(`${at}.${field}: the local event bus does not evaluate ${field}`);
    if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`${at}.${field}: EventBridge refuses an empty array`);
      for (const [i, v] of value.entries()) checkMatcher(v, `${at}.${field}[${i}]`);
    } else if (isObject(value)) {
      checkEventPattern(value, `${at}.${field}`);
    } else {
      throw new Error(`${at}.${field}: a leaf of an event pattern is an array of values or filters`);
    }
  }
}

/**
 * Whether `event` matches `pattern`.
 * @example
 * matchesEventPattern({ source: ['aws.states'], detail: { status: ['FAILED'] } }, { source: 'aws.states', detail: { status: 'FAILED' } }); // true
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const present = Object.hasOwn(event, field);
    const value = event[field];
    if (!Array.isArray(expected)) return present && matchesEventPattern(expected as EventPattern, value);
    const values = Array.isArray(value) ? value : [value];
    return expected.some((matcher) => (isObject(matcher) && 'exists' in matcher ? matcher.exists === present : present && values.some((v) => matchesValue(matcher, v))));
  });
}

const FILTERS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'exists', 'numeric']);

function checkMatcher(matcher: unknown, at: string): void {
  if (!isObject(matcher)) {
    if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) return;
    throw new Error(`${at}: a value to match is a string, number, boolean, null or a filter object`);
  }
  const keys = Object.keys(matcher);
  if (keys.length !== 1 || !FILTERS.has(keys[0]!)) throw new Error(`${at}: the local event bus does not evaluate the filter ${JSON.stringify(matcher)}`);
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  const [filter, arg] = Object.entries(matcher)[0]!;
  switch (filter) {
    case 'prefix':
      return typeof value === 'string' && (isObject(arg) ? value.toLowerCase().startsWith(String(arg['equals-ignore-case']).toLowerCase()) : value.startsWith(String(arg)));
    case 'suffix':
      return typeof value === 'string' && (isObject(arg) ? value.toLowerCase().endsWith(String(arg['equals-ignore-case']).toLowerCase()) : value.endsWith(String(arg)));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(arg).toLowerCase();
    case 'anything-but':
      return !(Array.isArray(arg) ? arg.some((a) => matchesValue(a, value)) : matchesValue(arg, value));
    case 'numeric':
      return typeof value === 'number' && numericMatches(arg as unknown[], value);
    default:
      return false;
  }
}

/** `{numeric: ['>', 0, '<=', 5]}`: every comparison holds. */
function numericMatches(comparisons: unknown[], value: number): boolean {
  for (let i = 0; i < comparisons.length; i += 2) {
    const [op, bound] = [comparisons[i], Number(comparisons[i + 1])];
    const holds = op === '=' ? value === bound : op === '>' ? value > bound : op === '>=' ? value >= bound : op === '<' ? value < bound : op === '<=' ? value <= bound : false;
    if (!holds) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
