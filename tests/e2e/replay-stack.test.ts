import { afterAll, expect, it } from '@jest/globals';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import type { Io } from '../../cli/io.js';
import { CaptureGenerator, VALID_KINDS } from '../../local/capture-generator.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackS3 } from '../support/stack-clients.js';

/**
 * Onboarding a model with captures already in the bucket, through the whole local stack: 300 files were written
 * before any mapping existed (the router saw them and started nothing), 200 after it (delivered as they came).
 * `capture-router replay` then starts the 300 and skips the 200, and Arthur holds every partner ID once.
 */
const MODEL = '2b4d6f80-1a3c-4e5f-8a7b-9c0d1e2f3a4b';
const PREFIX = 'onboard-endpoint/';
const dataDir = mkdtempSync(join(tmpdir(), 'capture-router-replay-'));
const generator = new CaptureGenerator({ seed: 41, mix: VALID_KINDS });
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: () => undefined, isTty: false };
  return { code: await main(argv, io), out: out.join('\n') };
}

/** Puts `count` capture files through the S3 API; returns how many inferences they hold. */
async function putCaptures(target: LocalStack, from: number, count: number): Promise<number> {
  const s3 = stackS3(target);
  let inferences = 0;
  const puts: Array<Promise<unknown>> = [];
  for (let n = from; n < from + count; n++) {
    let body = '';
    for (let r = 0; r < 1 + (n % 3); r++) {
      const line = generator.line();
      body += `${line.text}\n`;
      inferences += line.inferences;
    }
    const hour = String(10 + Math.floor(n / 100)).padStart(2, '0');
    const key = `${PREFIX}AllTraffic/2026/11/25/${hour}/${String(n % 60).padStart(2, '0')}-00-${String(n).padStart(3, '0')}-${n}.jsonl`;
    puts.push(s3.send(new PutObjectCommand({ Bucket: target.captureBucket, Key: key, Body: body })));
    if (puts.length >= 20) await Promise.all(puts.splice(0));
  }
  await Promise.all(puts);
  s3.destroy();
  return inferences;
}

it('replays a prefix of 500 files where 200 were already delivered: 300 started, 200 skipped, each partner ID in Arthur once', async () => {
  // Before the mapping: the router sees the files and starts nothing.
  const before = await startLocalStack({ portBase: 0, dataDir, retryIntervalMs: 0, log: () => undefined });
  const backlog = await putCaptures(before, 0, 300);
  await before.waitForIdle();
  expect(before.sfn.executions()).toHaveLength(0);
  expect(before.routed.reduce((sum, r) => sum + r.unrouted, 0)).toBe(300);
  await before.close();

  // The same bucket a moment later (a fresh router, as after a deploy): the mapping, then 200 new captures.
  stack = await startLocalStack({ portBase: 0, dataDir, retryIntervalMs: 0, log: () => undefined });
  expect((await cli('mappings', 'put', PREFIX, MODEL, '--endpoint', stack.endpoints.admin, '--json')).code).toBe(0);
  const fresh = await putCaptures(stack, 300, 200);
  await stack.waitForIdle();
  expect(stack.sfn.executions()).toHaveLength(200);
  expect(stack.receiver!.received(MODEL)).toHaveLength(fresh);

  const replay = await cli('replay', PREFIX, '--endpoint', stack.endpoints.admin, '--json');
  expect(replay.code).toBe(0);
  const pages = replay.out.split('\n').map((line) => JSON.parse(line));
  const total = (field: string) => pages.reduce((sum, page) => sum + (page[field] ?? 0), 0);
  expect({ listed: total('listed'), started: total('started'), alreadyDelivered: total('alreadyDelivered'), unrouted: total('unrouted') }).toEqual({
    listed: 500,
    started: 300,
    alreadyDelivered: 200,
    unrouted: 0,
  });
  await stack.waitForIdle();

  const executions = stack.sfn.executions();
  expect(executions).toHaveLength(500);
  expect(executions.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
  const ids = stack.receiver!.received(MODEL).map((r) => r.partnerInferenceId);
  expect(ids).toHaveLength(backlog + fresh);
  expect(new Set(ids).size).toBe(ids.length);
  // One upload per file: nothing was sent twice only to be refused as "already exists".
  expect(stack.receiver!.stats().uploads[MODEL]).toBe(500);

  // A second replay finds everything delivered and sends nothing.
  const again = (await cli('replay', PREFIX, '--endpoint', stack.endpoints.admin, '--json')).out.split('\n').map((line) => JSON.parse(line));
  expect(again.reduce((sum, page) => sum + page.started, 0)).toBe(0);
  await stack.waitForIdle();
  expect(stack.receiver!.received(MODEL)).toHaveLength(backlog + fresh);
  expect(stack.receiver!.stats().uploads[MODEL]).toBe(500);
}, 120_000);
