/**
 * `capture-router executions list|show` against the local stack, through the CLI's own entry point and the SDK's
 * standard endpoint variables (the ones `capture-router local` prints): a file delivered after one retried 503,
 * a file whose records are all rejected (quarantined), a file of which some records are quarantined (their reasons
 * read back from the quarantine object), and a file under no mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { main } from '../../cli/main.js';
import { CaptureGenerator, type Kind } from '../../local/capture-generator.js';
import type { Io } from '../../cli/io.js';

const MODEL = '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e';
const KEY_OK = 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-01-000-ops.jsonl';
const KEY_BAD = 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-02-000-ops.jsonl';
const KEY_UNMAPPED = 'elsewhere/ep/AllTraffic/2026/11/25/10/00-03-000-ops.jsonl';
// SageMaker's DestinationS3Uri often repeats the bucket's name: s3://datacapture/datacapture/…
const KEY_BUCKET_NAMED = 'datacapture/ep/AllTraffic/2026/11/25/10/00-04-000-ops.jsonl';

let stack: LocalStack;
let s3: S3Client;
const savedEnv = { ...process.env };

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => void out.push(l), err: (l) => void err.push(l), isTty: false };
  const code = await main(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, routerRetryDelaysMs: [10, 10], log: () => {} });
  // What a user pastes from `capture-router local`.
  Object.assign(process.env, stack.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await stack.putMapping('captures/', MODEL);
  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));

  stack.receiver!.setFaults({ status: 503, count: 1 });
  await put(KEY_OK, readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl'));
  await stack.waitForIdle();
  await put(KEY_BAD, '{"captureData": {}}\n{"not": "a capture"}\n');
  await stack.waitForIdle();
  await put(KEY_UNMAPPED, readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl'));
  await stack.waitForIdle();
  await stack.putMapping('datacapture/', MODEL);
  // Another file's inferences: the receiver refuses partner IDs it already has (that would be PARTIAL).
  await put(KEY_BUCKET_NAMED, readFileSync('tests/fixtures/captures/json-features-probabilities.jsonl'));
  await stack.waitForIdle();
}, 60_000);

afterAll(async () => {
  process.env = { ...savedEnv };
  s3?.destroy();
  await stack?.close();
});

describe('capture-router executions', () => {
  it('lists the executions newest first with their file, model and recorded outcome', async () => {
    const { code, out } = await cli('executions', 'list', '--json');
    expect(code).toBe(0);
    const rows = out.map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => [r.key, r.status, r.outcome])).toEqual([
      [KEY_BUCKET_NAMED, 'SUCCEEDED', 'UPLOADED'],
      [KEY_BAD, 'FAILED', 'REJECTED'],
      [KEY_OK, 'SUCCEEDED', 'UPLOADED'],
    ]);
    expect(rows.every((r) => r.modelId === MODEL)).toBe(true);

    expect((await cli('executions', 'list', '--status', 'succeeded', '--json')).out).toHaveLength(2);
    expect((await cli('executions', 'list', '--model', '0c9b7d1e-2f3a-4b5c-8d6e-7f8091a2b3c4', '--json')).out).toHaveLength(0);
    expect((await cli('executions', 'list', '--since', '1h', '--json')).out).toHaveLength(3);
    expect((await cli('executions', 'list', '--limit', '1', '--json')).out).toHaveLength(1);
    const text = await cli('executions', 'list');
    expect(text.out[0]).toMatch(/^STATUS\tSTARTED\tOUTCOME/);
  });

  it('finds the stack from the SDK endpoint variables alone: no ARN, table or bucket variable exported', async () => {
    const only = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/STATE_MACHINE_ARN|_TABLE$|BUCKET|CAPTURE_ROUTER_/.test(k)));
    const saved = process.env;
    process.env = only;
    try {
      const { code, out, err } = await cli('executions', 'list', '--json');
      expect(err).toEqual([]);
      expect(code).toBe(0);
      expect(out.map((l) => (JSON.parse(l) as Record<string, string>).key)).toEqual([KEY_BUCKET_NAMED, KEY_BAD, KEY_OK]);
      // The quarantine object is found in the discovered artifacts bucket.
      const shown = await cli('executions', 'show', `s3://${stack.captureBucket}/${KEY_BAD}`);
      expect(shown.out.join('\n')).toContain(`s3://${stack.artifactsBucket}/`);
    } finally {
      process.env = saved;
    }
  });

  it('names the flags, the variable and the command that supply a state machine when nothing points at one', async () => {
    const saved = process.env;
    process.env = { PATH: saved.PATH, HOME: saved.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    try {
      const { code, err } = await cli('executions', 'list');
      expect(code).toBe(2);
      const text = err.join('\n');
      expect(text).toContain('--state-machine-arn');
      expect(text).toContain('CAPTURE_ROUTER_STATE_MACHINE_ARN');
      expect(text).toContain('--stack NAME');
      expect(text).toContain('capture-router local');
      expect(text).not.toMatch(/credentials|Could not load/i);
    } finally {
      process.env = saved;
    }
  });

  it('shows a delivered file: its path, the retried 503 with its error, and the ingestion record', async () => {
    const { code, out } = await cli('executions', 'show', `s3://${stack.captureBucket}/${KEY_OK}`);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/path {7}ValidateCapture → UploadParts → UploadPart → CheckOutcome → RecordUploaded$/m);
    expect(text).toMatch(/retry {6}UploadPart attempt 1 .*ArthurUnavailableError.*\(retried\)/);
    expect(text).toMatch(/record {5}UPLOADED/);
    expect(text).toMatch(/why {8}DELIVERED/);

    // A bare KEY is looked up in $CAPTURE_BUCKET, which `capture-router local` prints.
    const json = JSON.parse((await cli('executions', 'show', KEY_OK, '--json')).out[0]!);
    expect(json.path.failures).toEqual([expect.objectContaining({ state: 'UploadPart', attempt: 1, error: 'ArthurUnavailableError', retried: true })]);
    expect(json.execution.status).toBe('SUCCEEDED');
  });

  it('shows a rejected file by execution name: where the quarantine object is, and why nothing was sent', async () => {
    const name = JSON.parse((await cli('executions', 'list', '--status', 'FAILED', '--json')).out[0]!).name as string;
    const { code, out } = await cli('executions', 'show', name);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`quarantine s3://${stack.artifactsBucket}/`);
    expect(text).toMatch(/record {5}REJECTED/);
    expect(text).toMatch(/why {8}REJECTED: Nothing was sent/);
    expect(text).toContain('RecordRejected');
  });

  it('shows a PARTIAL file\'s quarantined records by code: count, lines, one example and its fix, read from the quarantine object', async () => {
    const key = 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-06-000-ops.jsonl';
    const gen = new CaptureGenerator({ seed: 16, inferenceIdRate: 0 });
    const kinds: Kind[] = ['csv', 'badTime', 'badTime', 'badTime', 'badTime', 'csv', 'badTime', 'noEventId', 'csv'];
    await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: `${kinds.map((k) => JSON.stringify(gen.make(k).record)).join('\n')}\n` }));
    await stack.waitForIdle();

    const { code, out } = await cli('executions', 'show', key);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/record {5}PARTIAL/);
    const at = out.findIndex((l) => l.startsWith('reasons '));
    expect(out.slice(at, at + 6)).toEqual([
      'reasons    BAD_INFERENCE_TIME ×5  lines 2–5, 7',
      expect.stringMatching(/^ {13}e\.g\. line 2: eventMetadata\.inferenceTime/),
      expect.stringMatching(/^ {13}fix: eventMetadata\.inferenceTime must be an ISO-8601 instant/),
      '           MISSING_EVENT_ID ×1  line 8',
      expect.stringMatching(/^ {13}e\.g\. line 8: /),
      expect.stringMatching(/^ {13}fix: /),
    ]);
    // One block per code, not one line per record; the records themselves (customer data) are never printed.
    expect(out.filter((l) => l.includes('e.g. line'))).toHaveLength(2);
    expect(text).not.toContain('captureData');

    const json = JSON.parse((await cli('executions', 'show', key, '--json')).out[0]!);
    expect(json.quarantineReasons).toEqual({
      truncated: false,
      groups: [
        expect.objectContaining({ code: 'BAD_INFERENCE_TIME', count: 5, ranges: [[2, 5], [7, 7]], lines: 'lines 2–5, 7', example: expect.objectContaining({ line: 2 }), fix: expect.any(String) }),
        expect.objectContaining({ code: 'MISSING_EVENT_ID', count: 1, lines: 'line 8' }),
      ],
    });
  });

  it('shows a REJECTED file\'s reasons from the quarantine object too', async () => {
    const { out } = await cli('executions', 'show', `s3://${stack.captureBucket}/${KEY_BAD}`);
    // {"captureData": {}} and {"not": "a capture"}: neither is an endpoint capture.
    const at = out.findIndex((l) => l.startsWith('reasons '));
    expect(out[at]).toBe('reasons    UNSUPPORTED_RECORD ×2  lines 1–2');
    expect(out[at + 1]).toMatch(/^ {13}e\.g\. line 1: captureData holds neither endpointInput nor endpointOutput$/);
    expect(out[at + 2]).toMatch(/^ {13}fix: only real-time endpoint captures/);
  });

  it('says a file under no mapping was never routed, and how to check', async () => {
    const { code, out } = await cli('executions', 'show', `s3://${stack.captureBucket}/${KEY_UNMAPPED}`);
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/NOT_ROUTED|router started nothing/);
    expect(out.join('\n')).toContain('mappings resolve');
  });

  it('finds a bare KEY that starts with the bucket\'s own name', async () => {
    const json = JSON.parse((await cli('executions', 'show', KEY_BUCKET_NAMED, '--json')).out[0]!);
    expect(json.file).toEqual({ bucket: stack.captureBucket, key: KEY_BUCKET_NAMED, objectKey: `${stack.captureBucket}/${KEY_BUCKET_NAMED}` });
    expect(json.explanation.verdict).toBe('DELIVERED');
  });

  it('shows a file still in the workflow as RUNNING, found by its key (no record yet)', async () => {
    const key = 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-05-000-ops.jsonl';
    stack.receiver!.setFaults({ delayMs: 2_000, count: 1 });
    await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: readFileSync('tests/fixtures/captures/jsonlines-batch.jsonl') }));
    let json: { explanation: { verdict: string }; execution?: { status: string } } | undefined;
    for (let i = 0; i < 40 && json?.explanation.verdict !== 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      json = JSON.parse((await cli('executions', 'show', key, '--json')).out[0]!);
    }
    expect(json).toMatchObject({ explanation: { verdict: 'RUNNING' }, execution: { status: 'RUNNING' } });
    await stack.waitForIdle();
    expect(JSON.parse((await cli('executions', 'show', key, '--json')).out[0]!).explanation.verdict).toBe('DELIVERED');
  }, 20_000);

  it('refuses a bad --status or --since as a usage error (exit 2)', async () => {
    expect((await cli('executions', 'list', '--status', 'DONE')).code).toBe(2);
    expect((await cli('executions', 'list', '--since', 'yesterday')).code).toBe(2);
  });
});
