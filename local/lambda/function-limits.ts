/**
 * Each function's Lambda limits as serverless.yml deploys them (`functions.<name>.timeout` in seconds and
 * `memorySize` in MB), read from the file itself so the local stack cannot drift from the deployed values.
 * Lambda's defaults when a key is absent: 3 s and 128 MB (Lambda Developer Guide, "Configure Lambda function
 * timeout" and "Configure Lambda function memory"); serverless' provider-level `timeout`/`memorySize` apply first.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface FunctionLimits {
  timeoutSeconds: number;
  memoryMb: number;
}

const LAMBDA_DEFAULT: FunctionLimits = { timeoutSeconds: 3, memoryMb: 128 };

/** `{ validate: { timeoutSeconds: 300, memoryMb: 1024 }, … }` for every function of the file. */
export function readFunctionLimits(serverlessYmlPath: string): Record<string, FunctionLimits> {
  // Short-form tags (`!Ref`) would only warn: the limits are plain numbers.
  const doc = parseYaml(readFileSync(serverlessYmlPath, 'utf8'), { logLevel: 'silent' }) as {
    provider?: { timeout?: unknown; memorySize?: unknown };
    functions?: Record<string, { timeout?: unknown; memorySize?: unknown }>;
  };
  const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback);
  const timeout = number(doc.provider?.timeout, LAMBDA_DEFAULT.timeoutSeconds);
  const memory = number(doc.provider?.memorySize, LAMBDA_DEFAULT.memoryMb);
  return Object.fromEntries(
    Object.entries(doc.functions ?? {}).map(([name, fn]) => [name, { timeoutSeconds: number(fn?.timeout, timeout), memoryMb: number(fn?.memorySize, memory) }]),
  );
}
