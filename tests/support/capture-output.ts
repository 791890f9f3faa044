import { jest } from '@jest/globals';

/**
 * Captures everything written to stdout and stderr (Powertools Logger and Metrics write through their own
 * Console on both streams, so spying on `console.*` misses them).
 */
export interface CapturedOutput {
  /** Everything written, as one string: grep it for what must never appear. */
  text(): string;
  /** Every line that is a JSON object. */
  json(): Array<Record<string, unknown>>;
  /** The EMF documents among them. */
  emf(): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } }>;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(record as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(record as never);
  const json = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    text: () => chunks.join(''),
    json,
    emf: () => json().filter((l) => l._aws !== undefined) as ReturnType<CapturedOutput['emf']>,
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
