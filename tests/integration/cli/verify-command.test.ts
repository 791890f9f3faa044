import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runVerify } from '../../../cli/verify-command.js';
import { UsageError, type Io } from '../../../cli/io.js';
import { startArthurReceiver, type ArthurReceiver } from '../../../local/arthur/index.js';
import { CaptureGenerator } from '../../../local/capture-generator.js';
import { HttpArthurApi } from '../../../src/arthur/index.js';
import { startS3rver, type S3rverServer } from '../../support/s3rver-server.js';

const BUCKET = 'datacapture';
const MODEL = '8b6d4f2a-0c1e-4a3b-9d5f-7e9a1b3c5d7f';
const TOKEN = 'verify-test-token-77';
const KEY = 'ep/AllTraffic/2026/12/01/00/00-00-000-a.jsonl';

let s3: S3rverServer;
let receiver: ArthurReceiver;
const api = new HttpArthurApi();
let text = '';

beforeAll(async () => {
  [s3, receiver] = await Promise.all([startS3rver(), startArthurReceiver({ token: TOKEN })]);
  await s3.createBucket(BUCKET);
  const generator = new CaptureGenerator({ seed: 31, inferenceIdRate: 0.5 });
  for (let i = 0; i < 12; i++) text += `${generator.line().text}\n`;
  await s3.put(BUCKET, KEY, text);
  await s3.put(BUCKET, 'ep/AllTraffic/2026/12/01/00/00-00-001-b.jsonl', text);
  await s3.put(BUCKET, 'ep/AllTraffic/2026/12/01/00/notes.txt', 'not a capture');
});
afterAll(async () => {
  api.close();
  await Promise.all([s3.close(), receiver.close()]);
});
beforeEach(() => receiver.reset());

function io(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => errors.push(l), isTty: false, lines, errors };
}

const env = { ARTHUR_HOST: '', ARTHUR_TOKEN: TOKEN };
const verify = (argv: string[], out = io()) =>
  runVerify(argv, out, { s3: s3.client(), arthur: api, env: { ...env, ARTHUR_HOST: receiver.url }, random: () => 0.5 });

async function deliver(): Promise<void> {
  const { Readable } = await import('node:stream');
  await api.uploadCapture({ host: receiver.url, modelId: MODEL, token: TOKEN, body: Readable.from([Buffer.from(text)]), fileName: 'a.jsonl', timeoutMs: 10_000 });
}

describe('capture-router verify', () => {
  it('exits 0 when Arthur holds every partner ID of the file', async () => {
    await deliver();
    const out = io();
    expect(await verify([`s3://${BUCKET}/${KEY}`, '--model', MODEL], out)).toBe(0);
    expect(out.lines).toEqual([expect.stringMatching(/all \d+ inferences are in Arthur/)]);
  });

  it('exits 1 and names the missing IDs when Arthur dropped some', async () => {
    receiver.setFaults({ partialFailures: 2 });
    await deliver();
    const held = new Set(receiver.received(MODEL).map((i) => i.partnerInferenceId));
    const out = io();
    expect(await verify([`s3://${BUCKET}/${KEY}`, '--model', MODEL, '--json'], out)).toBe(1);
    const report = JSON.parse(out.lines[0]!) as { missing: string[]; present: number; inferences: number };
    expect(report.missing).toHaveLength(2);
    expect(report.missing.some((id) => held.has(id))).toBe(false);
    expect(report.present).toBe(report.inferences - 2);
  });

  it('verifies a sample of a prefix, .jsonl objects only', async () => {
    await deliver();
    const out = io();
    expect(await verify(['--prefix', `s3://${BUCKET}/ep/`, '--sample', '5', '--model', MODEL], out)).toBe(0);
    expect(out.lines).toHaveLength(2);
  });

  it('exits 2 when the lookup cannot answer (a wrong token), saying why', async () => {
    const out = io();
    const code = await runVerify([`s3://${BUCKET}/${KEY}`, '--model', MODEL], out, { s3: s3.client(), arthur: api, env: { ARTHUR_HOST: receiver.url, ARTHUR_TOKEN: 'wrong' } });
    expect(code).toBe(2);
    expect(out.errors[0]).toMatch(/unauthorized/);
    expect(out.errors.join('\n')).not.toContain(TOKEN);
  });

  it.each([
    [['s3://b/k'], /--model/],
    [['--model', MODEL], /s3:\/\/ files or one --prefix/],
    [['not-an-url', '--model', MODEL], /not an s3:\/\/BUCKET\/KEY/],
    [['s3://b/k', '--model', 'my-model'], /not a UUID/],
    [['--prefix', 's3://b/p/', '--sample', '0', '--model', MODEL], /--sample/],
  ])('refuses %p as a usage error', async (argv, message) => {
    await expect(verify(argv)).rejects.toThrow(UsageError);
    await expect(verify(argv)).rejects.toThrow(message);
  });
});
