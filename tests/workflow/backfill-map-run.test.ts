/**
 * statemachines/backfill.asl.yml's Distributed Map on the local runner (local/distributed-map.ts, local/map-run.ts),
 * against s3rver: the ItemReader's paging, ItemBatcher's batches, MaxConcurrency, the child's own Retry, the failed
 * Map Run's result files, and the refusal of what is not emulated. RouteBatch is a recording stand-in here; the
 * real task runs in tests/e2e/backfill-stack.test.ts.
 */
import '../../local/s3rver-des-shim.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createWorkflowRunner, type TaskFunction } from '../../local/workflow-runner.js';
import { ConfigurationError } from '../../src/errors.js';
import { ROOT } from '../support/cloudformation.js';
import { startS3rver, type S3rverServer } from '../support/s3rver-server.js';

const BACKFILL = join(ROOT, 'statemachines', 'backfill.asl.yml');
const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}AllTraffic/2026/11/25/10/${String(i).padStart(4, '0')}.jsonl`);
const BIG = keys('big/', 1030);
const SMALL = keys('small/', 250);

let s3rver: S3rverServer;
let s3: S3Client;
const dir = mkdtempSync(join(tmpdir(), 'backfill-map-run-'));
beforeAll(async () => {
  s3rver = await startS3rver();
  await s3rver.createBucket('captures');
  await s3rver.createBucket('artifacts');
  const all = [...BIG, ...SMALL];
  for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((key) => s3rver.put('captures', key, 'x')));
  s3 = s3rver.client();
}, 60_000);
afterAll(async () => {
  await s3rver?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Batch {
  BatchInput: { bucket: string; force: boolean; replayId: string };
  Items: Array<{ Key: string; Etag: string; Size: number; LastModified: number; StorageClass: string }>;
}

function runner(routeBatch: TaskFunction, definitionPath = BACKFILL, artifactsBucket = 'artifacts') {
  return createWorkflowRunner({
    definitionPath,
    resolve: { refs: { ArtifactsBucket: artifactsBucket } },
    tasks: { RouteBatch: routeBatch },
    s3,
    retryIntervalOverrides: 0,
    stateMachineName: 'backfill',
  });
}

async function json(key: string): Promise<any> {
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: key }))).Body!.transformToString());
}

/** The manifest of the Map Run whose id the results prefix holds (a failed run's output does not name it). */
async function manifestOf(mapRunId: string): Promise<any> {
  return json(`backfill-results/${mapRunId}/manifest.json`);
}

async function newestMapRunIds(): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'artifacts', Prefix: 'backfill-results/' }));
  return Contents.filter((o) => o.Key!.endsWith('/manifest.json')).map((o) => o.Key!.split('/')[1]!);
}

const counts = (batch: Batch) => ({ items: batch.Items.length, started: batch.Items.length, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 });

describe('the backfill Distributed Map on the local runner', () => {
  it('pages through ListObjectsV2 past 1,000 keys and hands them on 100 a batch, in order, 4 batches at a time', async () => {
    const seen: Batch[] = [];
    let inFlight = 0;
    let most = 0;
    const run = await runner(async (batch: Batch) => {
      seen.push(batch);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return counts(batch);
    }).run('paging', { bucket: 'captures', prefix: 'big/' });

    expect(run.status).toBe('SUCCEEDED');
    expect(seen.map((b) => b.Items.length)).toEqual([...Array(10).fill(100), 30]);
    expect(seen.flatMap((b) => b.Items.map((i) => i.Key))).toEqual(BIG);
    expect(seen[0]!.BatchInput).toEqual({ bucket: 'captures', force: false, replayId: '' });
    expect(seen[0]!.Items[0]).toEqual({ Etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), Key: BIG[0], LastModified: expect.any(Number), Size: 1, StorageClass: 'STANDARD' });
    expect(most).toBe(4);
    const { SUCCEEDED } = (await json((run.output as any).mapRun.ResultWriterDetails.Key)).ResultFiles;
    expect((await json(SUCCEEDED[0].Key)).map((e: any) => JSON.parse(e.Output).items)).toHaveLength(11);
  });

  it('retries a batch that timed out inside its own child execution, with the Retry of the file', async () => {
    const calls = new Map<string, number>();
    const run = await runner((batch: Batch) => {
      const first = batch.Items[0]!.Key;
      calls.set(first, (calls.get(first) ?? 0) + 1);
      if (first === SMALL[100] && calls.get(first) === 1) {
        const timeout = new Error('the batch ran out of time');
        timeout.name = 'TimeoutError';
        throw timeout;
      }
      return counts(batch);
    }).run('retry', { bucket: 'captures', prefix: 'small/' });

    expect(run.status).toBe('SUCCEEDED');
    expect([...calls.values()]).toEqual([1, 2, 1]);
    const manifest = await json((run.output as any).mapRun.ResultWriterDetails.Key);
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const entries = await json(manifest.ResultFiles.SUCCEEDED[0].Key);
    expect(entries.map((e: any) => JSON.parse(e.Output).items).sort()).toEqual([100, 100, 50]);
  });

  it('fails the Map Run at the first failed batch: States.ExceedToleratedFailureThreshold, with FAILED and PENDING results', async () => {
    const before = new Set(await newestMapRunIds());
    const run = await runner(async (batch: Batch) => {
      if (batch.Items[0]!.Key === BIG[0]) throw new ConfigurationError('no such bucket');
      await new Promise((resolve) => setTimeout(resolve, 30));
      return counts(batch);
    }).run('failing', { bucket: 'captures', prefix: 'big/' });

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    const [id] = (await newestMapRunIds()).filter((i) => !before.has(i));
    const manifest = await manifestOf(id!);
    const files = (status: string) => manifest.ResultFiles[status].map((f: { Key: string }) => f.Key);
    expect({ FAILED: files('FAILED'), PENDING: files('PENDING'), SUCCEEDED: files('SUCCEEDED') }).toEqual({
      FAILED: [`backfill-results/${id}/FAILED_0.json`],
      PENDING: [`backfill-results/${id}/PENDING_0.json`],
      SUCCEEDED: [`backfill-results/${id}/SUCCEEDED_0.json`],
    });
    const [failed] = await json(files('FAILED')[0]);
    expect(failed).toMatchObject({ Status: 'FAILED', Error: 'ConfigurationError', RedriveStatus: 'REDRIVABLE' });
    expect(JSON.parse(failed.Input).Items[0].Key).toBe(BIG[0]);
    // The three batches started beside it ran to their end; the other seven were never started.
    expect(await json(files('SUCCEEDED')[0])).toHaveLength(3);
    const pending = await json(files('PENDING')[0]);
    expect(pending.map((p: any) => p.Status)).toEqual(Array(7).fill('PENDING'));
    expect(pending.flatMap((p: any) => JSON.parse(p.Input).Items.map((i: { Key: string }) => i.Key))).toEqual(BIG.slice(400));
  });

  it.each([
    ['a listing that fails', 'States.ItemReaderFailed', { bucket: 'no-such-bucket', prefix: 'small/' }, 'artifacts'],
    ['results that cannot be written', 'States.ResultWriterFailed', { bucket: 'captures', prefix: 'small/' }, 'no-such-artifacts'],
  ])('fails the state on %s with %s', async (_what, error, input, artifacts) => {
    const run = await runner((batch: Batch) => counts(batch), BACKFILL, artifacts).run(`fails-${error}`, input);
    expect(run).toMatchObject({ status: 'FAILED', error });
  });

  it('stops its children with the execution, and starts no more', async () => {
    let calls = 0;
    const execution = runner(async (batch: Batch) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return counts(batch);
    }).start('stopped', { bucket: 'captures', prefix: 'big/' });
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    execution.abort();
    expect((await execution.done).status).toBe('ABORTED');
    // The four running batches were aborted: the seven others never started.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls).toBe(4);
  });

  it.each([
    ['ItemSelector', (map: any) => (map.ItemSelector = { 'key.$': '$$.Map.Item.Value.Key' }), /Distributed Map RouteObjects: ItemSelector is not emulated/],
    ['ReaderConfig', (map: any) => (map.ItemReader.ReaderConfig = { MaxItems: 10 }), /ItemReader\.ReaderConfig is not emulated/],
    ['a tolerated failure threshold', (map: any) => (map.ToleratedFailurePercentage = 5), /a tolerated failure threshold above 0 is not emulated/],
    ['MaxInputBytesPerBatch', (map: any) => (map.ItemBatcher.MaxInputBytesPerBatch = 4096), /ItemBatcher MaxInputBytesPerBatch is not emulated/],
  ])('refuses to run a Distributed Map with %s rather than run it wrongly', (_what, change, message) => {
    const definition = parseYaml(readFileSync(BACKFILL, 'utf8'));
    change(definition.States.RouteObjects);
    const path = join(dir, `changed-${Math.random().toString(36).slice(2)}.asl.json`);
    writeFileSync(path, JSON.stringify(definition));
    expect(() => runner(() => null, path)).toThrow(message);
  });
});
