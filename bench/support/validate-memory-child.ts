/**
 * One ValidateCapture invocation through the deployed handler module itself (functions/validate/handler.ts: its
 * config read from this process's environment, its S3Client, its middy handler), alone in this process, so that
 * the peak RSS measured here is the function's. The parent (bench/validate-memory.ts) sets the environment, serves
 * S3, and receives over IPC what this process saw: its peak RSS, a memory timeline and the handler's result.
 * usage (by the parent): node validate-memory-child.mjs '<WorkflowInput as JSON>'
 */
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import type { ValidationSummary, WorkflowInput } from '../../src/contracts.js';

const input = JSON.parse(process.argv[2]!) as WorkflowInput;
const MiB = 1024 * 1024;

/** The kernel's current and peak resident set of this process (what Lambda's memory limit is enforced on). */
function residentMiB(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

interface Sample { s: number; rssMB: number; heapUsedMB: number; heapTotalMB: number; externalMB: number; arrayBuffersMB: number }
const samples: Sample[] = [];
const started = process.hrtime.bigint();
const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
const sample = () => {
  const m = process.memoryUsage();
  samples.push({
    s: +seconds().toFixed(1),
    rssMB: Math.round(m.rss / MiB),
    heapUsedMB: Math.round(m.heapUsed / MiB),
    heapTotalMB: Math.round(m.heapTotal / MiB),
    externalMB: Math.round(m.external / MiB),
    arrayBuffersMB: Math.round(m.arrayBuffers / MiB),
  });
};
const idle = residentMiB();
const timer = setInterval(sample, 1000);

// Imported here, not at the top: the idle figure above is node alone; the handler's module scope (SDK, Powertools,
// config) is part of what the function costs.
const { handler } = (await import('../../functions/validate/handler.js')) as {
  handler: (event: WorkflowInput, context: Context) => Promise<ValidationSummary>;
};
const afterInit = residentMiB();
const context = { functionName: 'validate', awsRequestId: 'bench-validate-memory' } as unknown as Context;
let result: ValidationSummary | undefined;
let error: { name: string; message: string } | undefined;
const t0 = seconds();
try {
  result = await handler(input, context);
} catch (err) {
  error = { name: (err as Error).name, message: (err as Error).message };
}
const s = seconds() - t0;
clearInterval(timer);
sample();
const end = residentMiB();
const cpu = process.cpuUsage();
process.send!(
  {
    s: +s.toFixed(2),
    cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    idleRssMB: Math.round(idle.rss),
    initRssMB: Math.round(afterInit.rss),
    peakRssMB: Math.round(Math.max(end.hwm, process.resourceUsage().maxRSS / 1024)),
    samples,
    result,
    error,
  },
  () => process.exit(0),
);
