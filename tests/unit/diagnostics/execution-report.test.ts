/** executionReport's quarantine reasons: read through the given reader, grouped by code, or left out. */
import { describe, expect, it } from '@jest/globals';
import type { ExecutionInspector } from '../../../src/aws/execution-inspector.js';
import type { QuarantineSample, ReadQuarantine } from '../../../src/aws/quarantine-reader.js';
import type { IngestionItem } from '../../../src/contracts.js';
import { executionReport } from '../../../src/diagnostics/execution-report.js';

const INGESTION: IngestionItem = {
  objectKey: 'datacapture/captures/ep/AllTraffic/2026/11/25/10/00-01-000-x.jsonl',
  status: 'PARTIAL',
  modelId: 'm-1',
  executionName: 'ep-AllTraffic-00-01-000-x-abc',
  records: 6,
  inferences: 2,
  rejected: 4,
  quarantineKey: 'captures/m-1/x/00-01-000-x.rejected.jsonl',
  updatedAt: '2026-11-25T10:00:05Z',
};

/** The ingestions table holds one record; Step Functions no longer has its execution (past retention). */
const inspector = {
  ingestion: async (objectKey: string) => (objectKey === INGESTION.objectKey ? INGESTION : undefined),
  describe: async () => undefined,
  history: async () => [],
  list: async () => [],
} as unknown as ExecutionInspector;

function recordingReader(sample: QuarantineSample | undefined): ReadQuarantine & { uris: string[] } {
  const uris: string[] = [];
  const read = async (uri: string) => {
    uris.push(uri);
    return sample;
  };
  return Object.assign(read, { uris });
}

const target = `s3://${INGESTION.objectKey}`;

describe('executionReport quarantine reasons', () => {
  it('reads the quarantine object it names and groups its reasons by code, with lines and a fix', async () => {
    const read = recordingReader({
      truncated: true,
      entries: [
        { line: 2, code: 'BAD_INFERENCE_TIME', message: 'not an instant' },
        { line: 3, code: 'BAD_INFERENCE_TIME', message: 'not an instant' },
        { line: 5, code: 'MISSING_EVENT_ID', message: 'no eventId' },
        { line: 6, code: 'BAD_INFERENCE_TIME', message: 'not an instant' },
      ],
    });
    const report = await executionReport(inspector, target, { artifactsBucket: 'artifacts', readQuarantine: read });
    expect(read.uris).toEqual([`s3://artifacts/${INGESTION.quarantineKey}`]);
    expect(report.quarantine).toBe(`s3://artifacts/${INGESTION.quarantineKey}`);
    expect(report.quarantineReasons).toEqual({
      truncated: true,
      groups: [
        expect.objectContaining({ code: 'BAD_INFERENCE_TIME', count: 3, ranges: [[2, 3], [6, 6]], lines: 'lines 2–3, 6', example: { line: 2, code: 'BAD_INFERENCE_TIME', message: 'not an instant' }, fix: expect.stringContaining('ISO-8601') }),
        expect.objectContaining({ code: 'MISSING_EVENT_ID', count: 1, lines: 'line 5' }),
      ],
    });
  });

  it('names the object without reasons when the artifacts bucket is unknown (nothing to read)', async () => {
    const read = recordingReader({ truncated: false, entries: [{ line: 1, code: 'MALFORMED_JSON', message: 'm' }] });
    const report = await executionReport(inspector, target, { readQuarantine: read });
    expect(report.quarantine).toBe(`s3://<artifacts bucket>/${INGESTION.quarantineKey}`);
    expect(read.uris).toEqual([]);
    expect(report).not.toHaveProperty('quarantineReasons');
  });

  it.each([
    ['the object cannot be read', recordingReader(undefined)],
    ['the object holds no entry', recordingReader({ truncated: false, entries: [] })],
    ['no reader is given', undefined],
  ])('leaves the reasons out when %s', async (_, read) => {
    const report = await executionReport(inspector, target, { artifactsBucket: 'artifacts', ...(read ? { readQuarantine: read } : {}) });
    expect(report.quarantine).toBe(`s3://artifacts/${INGESTION.quarantineKey}`);
    expect(report).not.toHaveProperty('quarantineReasons');
  });
});
