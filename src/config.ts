/**
 * Reads a function's configuration from an environment, with one message format that names the function and
 * the variable, so a cold start that fails says what to set. Pure: the env is passed in (handler.ts passes
 * process.env at module scope).
 */

/** A variable is missing or holds a value the function cannot use. */
export class EnvironmentConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.name = 'EnvironmentConfigError';
    this.variable = variable;
  }
}

export interface NumberRule {
  min: number;
  max?: number;
  /** Used when the variable is unset or blank; without it the variable is required. */
  fallback?: number;
  /** What the number counts, for the message (`milliseconds`, `seconds`). */
  unit?: string;
}

/**
 * The readers of one function's environment.
 *
 * @example
 * const read = envReader('upload', process.env);
 * const host = read.string('ARTHUR_HOST');
 * const timeoutMs = read.integer('ARTHUR_TIMEOUT_MS', { min: 1, fallback: 120_000, unit: 'milliseconds' });
 */
export interface EnvReader {
  /** A required, non-blank string (trimmed). */
  string(name: string): string;
  /** A string, or undefined when unset or blank. */
  optionalString(name: string): string | undefined;
  /** An integer within the rule's bounds. */
  integer(name: string, rule: NumberRule): number;
  /** A finite number within the rule's bounds. */
  number(name: string, rule: NumberRule): number;
  /** `true` or `false` (any case); `fallback` when unset or blank. */
  boolean(name: string, fallback: boolean): boolean;
}

/** Where the message sends the reader when a variable is missing. */
const WHO_SETS_IT = 'serverless.yml sets it';

export function envReader(functionName: string, env: Readonly<Record<string, string | undefined>>): EnvReader {
  const fail = (name: string, problem: string): never => {
    throw new EnvironmentConfigError(name, `${functionName}: environment variable ${name} ${problem}`);
  };
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const bounded = (name: string, rule: NumberRule, integer: boolean): number => {
    const text = raw(name);
    if (text === undefined) {
      if (rule.fallback !== undefined) return rule.fallback;
      return fail(name, `is required but not set (${WHO_SETS_IT})`);
    }
    const value = Number(text);
    const ok = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= rule.min && (rule.max === undefined || value <= rule.max);
    if (!ok) {
      const kind = integer ? 'an integer' : 'a number';
      const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
      fail(name, `must be ${kind}${rule.unit ? ` of ${rule.unit}` : ''} ${range}, got ${JSON.stringify(env[name])}`);
    }
    return value;
  };
  return {
    string: (name) => raw(name) ?? fail(name, `is required but not set (${WHO_SETS_IT})`),
    optionalString: raw,
    integer: (name, rule) => bounded(name, rule, true),
    number: (name, rule) => bounded(name, rule, false),
    boolean(name, fallback) {
      const text = raw(name)?.toLowerCase();
      if (text === undefined) return fallback;
      if (text === 'true') return true;
      if (text === 'false') return false;
      return fail(name, `must be true or false, got ${JSON.stringify(env[name])}`);
    },
  };
}
