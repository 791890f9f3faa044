// One validator run in its own process, so its peak RSS is its own. Prints the same fields as parse-limit.mjs.
import { stat } from 'node:fs/promises';
import { checkCaptureFile } from '../src/capture/index.js';

const file = process.argv[2];
const { size } = await stat(file);
const t0 = process.hrtime.bigint();
const report = await checkCaptureFile(file);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    MBps: +(size / 1048576 / s).toFixed(1),
    records: report.records,
    inferences: report.inferences,
    rejected: report.rejected,
    s: +s.toFixed(2),
    // CPU time (all threads, GC included) is steadier than wall time on a shared machine.
    cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
