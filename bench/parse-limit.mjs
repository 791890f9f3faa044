// The plain limit for validating capture files, in the same run as the validator: split lines by hand, JSON.parse
// each record and each payload (BASE64 decoded first), count CSV rows by newlines. No rule is checked.
// usage: node bench/parse-limit.mjs FILE  → prints {MBps, records, inferences, s, peakRssMB}
import { createReadStream } from 'node:fs';

const file = process.argv[2];
const t0 = process.hrtime.bigint();
let bytes = 0;
let records = 0;
let inferences = 0;
let rest = '';
const handle = (line) => {
  records++;
  const r = JSON.parse(line);
  // Both sides are parsed, as the validator does; inferences are counted on the input side, as it does.
  for (const side of [r.captureData.endpointInput, r.captureData.endpointOutput]) {
    const count = side === r.captureData.endpointInput;
    let d = side.data;
    if (side.encoding === 'BASE64') d = Buffer.from(d, 'base64').toString('utf8');
    if (side.observedContentType.startsWith('application/jsonlines')) {
      for (const row of d.split('\n')) if (row) { JSON.parse(row); if (count) inferences++; }
    } else if (side.observedContentType.startsWith('application/json')) {
      const j = JSON.parse(d);
      if (count) inferences += (j.instances || j.predictions).length;
    } else {
      let n = 0;
      for (let i = d.indexOf('\n'); i !== -1; i = d.indexOf('\n', i + 1)) n++;
      if (count) inferences += d.endsWith('\n') ? n : n + 1;
    }
  }
};
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
  bytes += Buffer.byteLength(chunk);
  const text = rest + chunk;
  let start = 0;
  for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
    if (nl > start) handle(text.slice(start, nl));
    start = nl + 1;
  }
  rest = text.slice(start);
}
if (rest) handle(rest);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ MBps: +(bytes / 1048576 / s).toFixed(1), records, inferences, s: +s.toFixed(2), cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
