/**
 * What happened to one capture file or execution, and the list of recent executions with their outcomes: read
 * through ExecutionInspector (Step Functions history and the ingestions table). `capture-router executions` and
 * the local console print these.
 */
import type { ExecutionDetail, ExecutionInspector } from '../aws/execution-inspector.js';
import type { ReadQuarantine } from '../aws/quarantine-reader.js';
import { describeGroups, FindingGroups, type DescribedFindingGroup } from '../capture/finding-groups.js';
import type { IngestionItem } from '../contracts.js';
import { executionPath, readableCause, type ExecutionPath } from './execution-path.js';
import { explain, type Explanation } from './explain.js';
import { mapLimit } from '../concurrency.js';

export interface ListedExecution {
  name: string;
  status: string;
  startDate?: string;
  stopDate?: string;
  bucket?: string;
  key?: string;
  modelId?: string;
  outcome?: string;
  error?: string;
}

/** Executions with their file and outcome (DescribeExecution and GetItem per execution: bounded by --limit). */
export async function listExecutions(inspector: ExecutionInspector, options: { model?: string; status?: string; since?: Date; limit: number }): Promise<ListedExecution[]> {
  // With --model the state machine cannot filter: read more and keep that model's.
  const summaries = await inspector.list({ status: options.status, since: options.since, limit: options.model ? Math.max(options.limit * 4, 200) : options.limit });
  const rows = await mapLimit(summaries, 8, async (s): Promise<ListedExecution> => {
    const d = await inspector.describe(s.executionArn);
    const input = d?.input;
    const ingestion = input?.bucket && input.key ? await inspector.ingestion(`${input.bucket}/${input.key}`) : undefined;
    return {
      name: s.name,
      status: s.status,
      startDate: s.startDate,
      ...(s.stopDate ? { stopDate: s.stopDate } : {}),
      ...(input?.bucket ? { bucket: input.bucket } : {}),
      ...(input?.key ? { key: input.key } : {}),
      ...(input?.modelId ? { modelId: input.modelId } : {}),
      ...(ingestion?.executionName === s.name ? { outcome: ingestion.status, ...(ingestion.error ? { error: ingestion.error } : {}) } : {}),
    };
  });
  return rows.filter((r) => !options.model || r.modelId === options.model).slice(0, options.limit);
}

export interface ExecutionReport {
  file?: { bucket: string; key: string; objectKey: string };
  execution?: ExecutionDetail;
  path?: ExecutionPath;
  ingestion?: IngestionItem;
  quarantine?: string;
  /** The quarantine object's first reasons, grouped by code (when a reader was given and the object could be read). */
  quarantineReasons?: QuarantineReasons;
  explanation: Explanation;
}

export interface QuarantineReasons {
  groups: DescribedFindingGroup[];
  /** Only the object's beginning was read: the counts are those of its first reasons. */
  truncated: boolean;
}

export interface ExecutionReportOptions {
  bucket?: string;
  artifactsBucket?: string;
  /** Reads the quarantine object's first reasons; without it the report names the object only. */
  readQuarantine?: ReadQuarantine;
}

/** Everything known about one execution or one file. */
export async function executionReport(inspector: ExecutionInspector, target: string, options: ExecutionReportOptions): Promise<ExecutionReport> {
  let objectKey: string | undefined;
  let ingestion: IngestionItem | undefined;
  if (target.startsWith('s3://')) objectKey = target.slice('s3://'.length);
  else if (target.includes('/')) {
    // A KEY in the capture bucket, or BUCKET/KEY: the first form that has a record wins (a key may itself start
    // with the bucket's name, e.g. SageMaker's DestinationS3Uri s3://datacapture/datacapture/…).
    const candidates = [...(options.bucket ? [`${options.bucket}/${target}`] : []), target];
    for (const candidate of candidates) {
      ingestion = await inspector.ingestion(candidate);
      if (ingestion) {
        objectKey = candidate;
        break;
      }
    }
    objectKey ??= candidates[0];
  }

  if (objectKey && !ingestion) ingestion = await inspector.ingestion(objectKey);
  const name = objectKey ? ingestion?.executionName : target;
  let execution = name ? await inspector.describe(name) : undefined;
  if (objectKey && !ingestion) execution = await runningExecutionOf(inspector, objectKey);
  if (!objectKey && execution?.input?.bucket && execution.input.key) {
    objectKey = `${execution.input.bucket}/${execution.input.key}`;
    ingestion = await inspector.ingestion(objectKey);
    // Another execution of the same key (a newer version, or a forced replay) wrote the record: not this one's.
    if (ingestion && ingestion.executionName !== execution.name) ingestion = undefined;
  }
  const path = execution ? executionPath(await inspector.history(execution.executionArn)) : undefined;
  const quarantineBucket = options.artifactsBucket;
  const slash = objectKey?.indexOf('/') ?? -1;
  const quarantine = quarantineOf(ingestion, path, quarantineBucket);
  const quarantineReasons = quarantine && options.readQuarantine ? await reasonsOf(quarantine, options.readQuarantine) : undefined;
  return {
    ...(objectKey && slash > 0 ? { file: { bucket: objectKey.slice(0, slash), key: objectKey.slice(slash + 1), objectKey } } : {}),
    ...(execution ? { execution } : {}),
    ...(path ? { path } : {}),
    ...(ingestion ? { ingestion } : {}),
    ...(quarantine ? { quarantine } : {}),
    ...(quarantineReasons ? { quarantineReasons } : {}),
    explanation: explain(ingestion, execution, path, quarantineBucket),
  };
}

/** The quarantine object's first reasons by code; none when its bucket is unknown or it cannot be read. */
async function reasonsOf(uri: string, read: ReadQuarantine): Promise<QuarantineReasons | undefined> {
  if (uri.startsWith('s3://<')) return undefined;
  const sample = await read(uri);
  if (!sample || sample.entries.length === 0) return undefined;
  const groups = new FindingGroups();
  // Entries are written in line order; grouping keeps their runs as line ranges.
  for (const entry of sample.entries) groups.add(entry);
  return { groups: describeGroups(groups), truncated: sample.truncated };
}

/**
 * A file without an ingestion record may still be in the workflow; its execution name hashes the ETag, which
 * the key alone does not give, so the running executions (at most 200, newest first) are searched by input.
 */
async function runningExecutionOf(inspector: ExecutionInspector, objectKey: string): Promise<ExecutionDetail | undefined> {
  for (const summary of await inspector.list({ status: 'RUNNING', limit: 200 })) {
    const detail = await inspector.describe(summary.executionArn);
    if (detail?.input?.bucket && `${detail.input.bucket}/${detail.input.key}` === objectKey) return detail;
  }
  return undefined;
}

/**
 * Where the rejected records are: the record's quarantineKey when validation returned; when it threw (every record
 * rejected), the recorded cause names the object.
 */
function quarantineOf(ingestion: IngestionItem | undefined, path: ExecutionPath | undefined, bucket: string | undefined): string | undefined {
  if (ingestion?.quarantineKey) return `s3://${bucket ?? '<artifacts bucket>'}/${ingestion.quarantineKey}`;
  const texts = [readableCause(ingestion?.cause), ...(path?.failures ?? []).map((f) => f.cause)];
  for (const text of texts) {
    const match = text ? /s3:\/\/[^\s;,)]+\.rejected\.jsonl/.exec(text) : null;
    if (match) return match[0];
  }
  return undefined;
}
