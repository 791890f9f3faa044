/**
 * The local router caches mapping lookups for as long as serverless.yml deploys it to (the router's
 * MAPPING_CACHE_TTL_SECONDS, `${param:mappingCacheTtlSeconds}`), read from the file: a prefix looked up before its
 * mapping existed stays unrouted until the cached "no mapping" expires, as in a warm Lambda container. Here the
 * stack runs from a copy of the package root whose serverless.yml sets the param to 2 s.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackS3 } from '../support/stack-clients.js';

const MODEL = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const root = mkdtempSync(join(tmpdir(), 'mapping-cache-ttl-'));
let stack: LocalStack;
let s3: S3Client;

beforeAll(async () => {
  const yml = readFileSync('serverless.yml', 'utf8');
  const twoSeconds = yml.replace(/^( {4}mappingCacheTtlSeconds: )'\d+'$/m, "$1'2'");
  expect(twoSeconds).not.toBe(yml);
  writeFileSync(join(root, 'serverless.yml'), twoSeconds);
  symlinkSync(join(process.cwd(), 'statemachines'), join(root, 'statemachines'));
  stack = await startLocalStack({ portBase: 0, rootDir: root, retryIntervalMs: 0, log: () => {} });
  s3 = stackS3(stack);
});
afterAll(async () => {
  s3?.destroy();
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** Puts one capture under `prefix` and says whether the router routed it. */
async function routed(prefix: string): Promise<boolean> {
  const before = stack.routed.reduce((sum, s) => sum + s.started, 0);
  const key = `${prefix}AllTraffic/2026/12/01/10/00-00-${String(++n).padStart(3, '0')}-ttl.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: `${new CaptureGenerator({ seed: 700 + n }).line().text}\n` }));
  await stack.waitForIdle();
  return stack.routed.reduce((sum, s) => sum + s.started, 0) > before;
}

it("keeps a cached 'no mapping' for serverless.yml's TTL, then routes the prefix", async () => {
  expect(await routed('ttl/late/')).toBe(false);
  await stack.putMapping('ttl/late/', MODEL);
  const started = performance.now();
  // Within the TTL: the router still answers from its cache, as a warm container would.
  expect(await routed('ttl/late/')).toBe(false);
  expect(performance.now() - started).toBeLessThan(2000);
  await new Promise((resolve) => setTimeout(resolve, 2100 - (performance.now() - started)));
  expect(await routed('ttl/late/')).toBe(true);
});

it('routes at once with mappingCacheTtlSeconds: 0 (the option, like the CLI flag, overrides the file)', async () => {
  const uncached = await startLocalStack({ portBase: 0, rootDir: root, retryIntervalMs: 0, mappingCacheTtlSeconds: 0, log: () => {} });
  try {
    const s3u = stackS3(uncached);
    const put = (i: number) => s3u.send(new PutObjectCommand({ Bucket: uncached.captureBucket, Key: `ttl/now/AllTraffic/2026/12/01/10/00-00-00${i}-ttl.jsonl`, Body: `${new CaptureGenerator({ seed: 800 + i }).line().text}\n` }));
    await put(1);
    await uncached.waitForIdle();
    await uncached.putMapping('ttl/now/', MODEL);
    await put(2);
    await uncached.waitForIdle();
    s3u.destroy();
    expect(uncached.routed.map((s) => s.started)).toEqual([0, 1]);
  } finally {
    await uncached.close();
  }
});
