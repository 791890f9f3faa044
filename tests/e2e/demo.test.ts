import { expect, it } from '@jest/globals';
import { runDemo } from '../../cli/demo-command.js';
import type { Io } from '../../cli/io.js';

it('npm start: every demo file ends in its expected state and Arthur holds every valid inference once', async () => {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(`ERR ${l}`), isTty: false };
  const code = await runDemo([], io);
  const text = out.join('\n');
  expect(code).toBe(0);
  const totals = /(\d+) files routed, 1 not routed; (\d+) inferences in Arthur \((\d+) expected\)/.exec(text);
  expect(totals).not.toBeNull();
  expect(totals![2]).toBe(totals![3]);
  const rows = out.filter((l) => /\.jsonl {2}/.test(l));
  expect(rows).toHaveLength(Number(totals![1]) + 1);
  const states = rows.map((row) => row.split(/ {2,}/)[2]);
  expect(states.filter((s) => s === 'SUCCEEDED UPLOADED')).toHaveLength(Number(totals![1]) - 2);
  expect(states).toContain('SUCCEEDED PARTIAL');
  expect(states).toContain('FAILED REJECTED');
  expect(states).toContain('not routed');
  expect(text).toMatch(/capture file not routed.*legacy-endpoint/);
  expect(text).toMatch(/Quarantined records[\s\S]*\.rejected\.jsonl/);
  // The ground-truth step: three labels joined to captured partner IDs, the never-captured one refused.
  expect(text).toMatch(/Ground truth: mapping labels\/fraud-detector\/ → model fraud \(kind groundTruth, attribute label\)/);
  expect(text).toContain('ingestion record: PARTIAL, refused never-captured-demo-0001');
  expect(text).toContain('a single-row record, a 2-row record and one for an inference never captured');
  expect(text).toMatch(/Arthur holds ground truth for 3 partner IDs \(3 expected\): /);
});
