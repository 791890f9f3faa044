/**
 * One Map Run of a Distributed Map state, run locally (the state is replaced by local/distributed-map.ts): the
 * ItemReader's listing, ItemBatcher's batches, one child execution per batch on the engine, and the ResultWriter's
 * files in AWS's layout. Each rule cites the AWS page it follows; docs/LOCAL.md ("Distributed Map") lists what
 * differs.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistributedMapPlan, MapRunParameters } from './distributed-map.js';
import type { WorkflowExecution, WorkflowRun } from './workflow-runner.js';

export interface MapRunDeps {
  s3: S3Client;
  /** Starts one child execution of the plan's ItemProcessor (its ARN `execution:<machine>/<label>:<name>`). */
  startChild(name: string, input: unknown): WorkflowExecution;
  /** `arn:…:mapRun:<machine>/<label>:`; the Map Run's id follows. */
  mapRunArnPrefix: string;
  /** `arn:…:stateMachine:<machine>/<label>`, as the result files name the children's state machine. */
  childStateMachineArn: string;
  /** The parent execution was stopped: children are aborted, nothing more starts. */
  signal: AbortSignal;
}

/** What the Distributed Map state returns with a ResultWriter ("ResultWriter (Map)", exporting to Amazon S3). */
export interface ResultWriterOutput {
  MapRunArn: string;
  ResultWriterDetails: { Bucket: string; Key: string };
}

/** An error named as Step Functions names the Map Run's failures (what Retry/Catch on the Map state match). */
function statesError(name: string, message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = name;
  return error;
}

/**
 * Runs the Map Run: children at most `plan.maxConcurrency` at once, in listing order. Without a tolerated failure
 * threshold the first failed child fails the Map Run (States.ExceedToleratedFailureThreshold, "Tolerated failure
 * threshold for Distributed Map states", https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html);
 * the children already running go on to their end ("Step Functions may continue to run child workflows in a Map Run
 * even after the tolerated failure threshold is exceeded") and those not started are the PENDING results.
 */
export async function runMapRun(plan: DistributedMapPlan, params: MapRunParameters, deps: MapRunDeps): Promise<ResultWriterOutput | unknown[]> {
  const id = randomUUID();
  const mapRunArn = `${deps.mapRunArnPrefix}${id}`;
  const files = plan.writesResults ? new ResultFiles() : undefined;
  const outputs: unknown[] = [];
  const running = new Set<WorkflowExecution>();
  const tracked = new Set<Promise<void>>();
  let failure: WorkflowRun | undefined;
  const onAbort = () => {
    for (const child of running) child.abort();
  };
  deps.signal.addEventListener('abort', onAbort);
  try {
    let index = 0;
    const inputs = childInputs(deps.s3, plan, params);
    for await (const input of stopChildrenOnError(inputs, onAbort, tracked)) {
      while (tracked.size >= plan.maxConcurrency) await Promise.race(tracked);
      if (deps.signal.aborted) break;
      if (failure) {
        files?.add('PENDING', { Input: JSON.stringify(input), InputDetails: { Included: true }, Status: 'PENDING' });
        continue;
      }
      const at = index++;
      const child = deps.startChild(randomUUID(), input);
      running.add(child);
      const settled = child.done.then((run) => {
        running.delete(child);
        if (run.status === 'SUCCEEDED') {
          if (files) files.add('SUCCEEDED', resultEntry(run, deps.childStateMachineArn));
          else outputs[at] = run.output ?? null;
        } else {
          failure ??= run;
          files?.add('FAILED', resultEntry(run, deps.childStateMachineArn));
        }
      });
      tracked.add(settled);
      void settled.finally(() => tracked.delete(settled));
    }
    await Promise.all(tracked);
    if (deps.signal.aborted) throw statesError('States.Aborted', `Map Run ${mapRunArn} was aborted with its execution`);
    const output = files ? await files.export(deps.s3, params.ResultWriter!, mapRunArn, id) : outputs;
    if (failure) {
      throw statesError(
        'States.ExceedToleratedFailureThreshold',
        `The Map Run ${mapRunArn} failed: its tolerated failure threshold (0) was exceeded; child ${failure.name} ended ${failure.status}${failure.error ? ` with ${failure.error}` : ''}`,
      );
    }
    return output;
  } finally {
    deps.signal.removeEventListener('abort', onAbort);
    files?.dispose();
  }
}

/** A listing that failed midway (States.ItemReaderFailed) stops the children it had started before it fails the state. */
async function* stopChildrenOnError<T>(inputs: AsyncGenerator<T>, stopChildren: () => void, tracked: Set<Promise<void>>): AsyncGenerator<T> {
  try {
    yield* inputs;
  } catch (error) {
    stopChildren();
    await Promise.all(tracked);
    throw error;
  }
}

/**
 * The children's inputs: with ItemBatcher, `{BatchInput, Items}` of at most MaxItemsPerBatch items in listing order
 * ("ItemBatcher (Map)", https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html: each
 * child receives `{"BatchInput": …, "Items": […]}`); without it, one item per child.
 */
async function* childInputs(s3: S3Client, plan: DistributedMapPlan, params: MapRunParameters): AsyncGenerator<unknown> {
  const items = listedItems(s3, params.ItemReader);
  if (plan.maxItemsPerBatch === undefined) {
    yield* items;
    return;
  }
  const wrap = (Items: unknown[]) => (params.BatchInput === undefined ? { Items } : { BatchInput: params.BatchInput, Items });
  let batch: unknown[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === plan.maxItemsPerBatch) {
      yield wrap(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield wrap(batch);
}

/**
 * The s3:listObjectsV2 ItemReader: every page of ListObjectsV2 with the reader's Bucket and Prefix, each object as
 * Step Functions hands it to a child — `{Etag, Key, LastModified, Size, StorageClass}`, the ETag with its quotes and
 * LastModified in epoch seconds (the example of "ItemReader (Map)",
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html). A failed listing fails the
 * Map state with States.ItemReaderFailed.
 */
async function* listedItems(s3: S3Client, reader: MapRunParameters['ItemReader']): AsyncGenerator<Record<string, unknown>> {
  let token: string | undefined;
  do {
    let page: { Contents?: _Object[]; IsTruncated?: boolean; NextContinuationToken?: string };
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: reader.Bucket, ...(reader.Prefix ? { Prefix: reader.Prefix } : {}), ...(token ? { ContinuationToken: token } : {}) }));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      throw statesError('States.ItemReaderFailed', `listing s3://${reader.Bucket}/${reader.Prefix ?? ''} failed: ${e.name}: ${e.message}`, e);
    }
    for (const object of page.Contents ?? []) {
      yield {
        Etag: object.ETag,
        Key: object.Key,
        LastModified: object.LastModified ? Math.floor(object.LastModified.getTime() / 1000) : undefined,
        Size: object.Size,
        StorageClass: object.StorageClass ?? 'STANDARD',
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * A child's entry in a result file: its metadata and its input and output as JSON strings, which is what the
 * default transformation (NONE) exports ("ResultWriter (Map)": "returns the output of the child workflow executions
 * unchanged, in addition to the workflow metadata"). Dates are ISO-8601 here.
 */
function resultEntry(run: WorkflowRun, stateMachineArn: string): Record<string, unknown> {
  const head = { ExecutionArn: run.executionArn, Input: JSON.stringify(run.input ?? null), InputDetails: { Included: true }, Name: run.name };
  const tail = { StartDate: run.startDate.toISOString(), StateMachineArn: stateMachineArn, Status: run.status, StopDate: run.stopDate.toISOString() };
  if (run.status === 'SUCCEEDED') {
    const redrive = { RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' };
    return { ...head, Output: JSON.stringify(run.output ?? null), OutputDetails: { Included: true }, ...redrive, ...tail };
  }
  return { ...(run.cause !== undefined ? { Cause: run.cause } : {}), ...(run.error !== undefined ? { Error: run.error } : {}), ...head, RedriveCount: 0, RedriveStatus: 'REDRIVABLE', ...tail };
}

type ResultStatus = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/**
 * The result files of one Map Run, written to a temporary directory as children end (so a long backfill does not
 * hold every batch's input in memory), then put to S3 with the manifest. AWS splits a file past 5 GB into
 * SUCCEEDED_1.json and so on; locally there is only ever `_0`.
 */
class ResultFiles {
  private readonly dir = mkdtempSync(join(tmpdir(), 'capture-router-map-run-'));
  private readonly open = new Map<ResultStatus, { fd: number; path: string; count: number; bytes: number }>();
  private disposed = false;

  add(status: ResultStatus, entry: Record<string, unknown>): void {
    if (this.disposed) return;
    let file = this.open.get(status);
    if (!file) {
      const path = join(this.dir, `${status}_0.json`);
      file = { fd: openSync(path, 'w'), path, count: 0, bytes: 0 };
      this.open.set(status, file);
    }
    const text = `${file.count === 0 ? '[' : ','}${JSON.stringify(entry)}`;
    writeSync(file.fd, text);
    file.count++;
    file.bytes += Buffer.byteLength(text);
  }

  /**
   * `<Prefix>/<Map Run id>/manifest.json` and the result files beside it; the manifest lists each file by key and
   * size under its status ("ResultWriter (Map)": manifest.json, SUCCEEDED_n.json, FAILED_n.json, PENDING_n.json).
   * A failed put fails the Map state with States.ResultWriterFailed.
   */
  async export(s3: S3Client, writer: NonNullable<MapRunParameters['ResultWriter']>, mapRunArn: string, id: string): Promise<ResultWriterOutput> {
    const prefix = writer.Prefix ? (writer.Prefix.endsWith('/') ? writer.Prefix : `${writer.Prefix}/`) : '';
    const listed: Record<ResultStatus, Array<{ Key: string; Size: number }>> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
    const put = async (Key: string, Body: unknown, ContentLength: number) => {
      try {
        await s3.send(new PutObjectCommand({ Bucket: writer.Bucket, Key, Body: Body as string, ContentLength, ContentType: 'application/json' }));
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        throw statesError('States.ResultWriterFailed', `writing s3://${writer.Bucket}/${Key} failed: ${e.name}: ${e.message}`, e);
      }
    };
    for (const [status, file] of [...this.open]) {
      writeSync(file.fd, ']');
      closeSync(file.fd);
      this.open.delete(status);
      const Key = `${prefix}${id}/${status}_0.json`;
      await put(Key, createReadStream(file.path), file.bytes + 1);
      listed[status].push({ Key, Size: file.bytes + 1 });
    }
    const manifest = JSON.stringify({ DestinationBucket: writer.Bucket, MapRunArn: mapRunArn, ResultFiles: listed });
    const Key = `${prefix}${id}/manifest.json`;
    await put(Key, manifest, Buffer.byteLength(manifest));
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: writer.Bucket, Key } };
  }

  dispose(): void {
    this.disposed = true;
    for (const file of this.open.values()) closeSync(file.fd);
    this.open.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
