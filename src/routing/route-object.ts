/**
 * The one routing use case: resolve a capture object's key to its longest-prefix mapping, decide, plan the
 * execution (deterministic name, workflow input) and start it. The router (per event record), POST /replay and
 * the backfill task (per listed object) call {@link routeObject}; GET /resolve calls {@link planRoute}, the same
 * decision and plan without the start.
 */
import type { MappingItem, WorkflowInput } from '../contracts.js';
import type { WorkflowStarter } from '../aws/workflow-starter.js';
import type { LogFn, MetricsSink } from '../observability/telemetry.js';
import { executionName } from './execution-name.js';
import { isDelivered, ledgerKey, type PrefetchedLedger } from './ingestion-ledger.js';
import type { Resolution } from './mapping-resolver.js';

/**
 * One capture object as an S3 event or a listing describes it: `key` decoded, ETag with or without quotes.
 *
 * @example
 * const object: CaptureObject = { bucket: 'datacapture', key: 'captures/ep/AllTraffic/2024/05/01/13/f.jsonl', etag: '9b2c…', size: 1234 };
 */
export interface CaptureObject {
  bucket: string;
  key: string;
  etag?: string;
  versionId?: string;
  size?: unknown;
}

/** A mapping that matched a key. */
export type RouteMatch = { prefix: string; mapping: MappingItem };

/**
 * What happens to a key: an execution starts, or why not.
 *
 * @example
 * const decision: RouteDecision = decideRoute('m/f.jsonl', { match: undefined }); // 'no-mapping'
 */
export type RouteDecision = 'start' | 'no-mapping' | 'mapping-disabled' | 'not-a-capture';

/**
 * Whether a key is a capture file the router handles: the notification's suffix filter (`.jsonl`, case-sensitive,
 * as S3's filter is).
 *
 * @example
 * isCaptureKey('ep/f.jsonl'); // true
 * isCaptureKey('ep/f.JSONL'); // false
 */
export function isCaptureKey(key: string): boolean {
  return key.endsWith('.jsonl');
}

/**
 * The route decision, pure: not a capture key, no mapping, the longest match disabled, or start.
 *
 * @example
 * decideRoute('m/notes.txt', undefined); // 'not-a-capture'
 * decideRoute('m/f.jsonl', { match: { prefix: 'm/', mapping } }); // 'start' when mapping.enabled
 */
export function decideRoute(key: string, resolution: Pick<Resolution, 'match'> | undefined): RouteDecision {
  if (!isCaptureKey(key)) return 'not-a-capture';
  const match = resolution?.match;
  if (!match) return 'no-mapping';
  return match.mapping.enabled ? 'start' : 'mapping-disabled';
}

/**
 * The execution started for an object routed to `match`: its deterministic name and its input.
 *
 * @example
 * const { name, input } = planExecution({ bucket: 'b', key: 'm/f.jsonl', etag: 'e', size: 10 }, { prefix: 'm/', mapping });
 * // input → { bucket: 'b', key: 'm/f.jsonl', etag: 'e', size: 10, modelId: mapping.modelId, mappingPrefix: 'm/' }
 */
export function planExecution(object: CaptureObject, match: RouteMatch): { name: string; input: WorkflowInput } {
  const etag = nonEmpty(object.etag);
  const versionId = nonEmpty(object.versionId);
  return {
    name: executionName({ bucket: object.bucket, key: object.key, etag, versionId }),
    input: workflowInput({ ...object, etag, versionId }, match),
  };
}

/**
 * The workflow input of an object routed to `match`. Field order is fixed: Step Functions compares the input of
 * a repeated name as a string.
 *
 * @example
 * Object.keys(workflowInput({ bucket: 'b', key: 'k.jsonl', etag: 'e', size: 1 }, { prefix: 'm/', mapping }));
 * // ['bucket', 'key', 'etag', 'size', 'modelId', 'mappingPrefix']
 */
export function workflowInput(object: CaptureObject, match: RouteMatch): WorkflowInput {
  const versionId = nonEmpty(object.versionId);
  const etag = nonEmpty(object.etag);
  const { mapping } = match;
  return {
    bucket: object.bucket,
    key: object.key,
    ...(versionId ? { versionId } : {}),
    ...(etag ? { etag } : {}),
    size: typeof object.size === 'number' && Number.isFinite(object.size) ? object.size : 0,
    modelId: mapping.modelId,
    mappingPrefix: match.prefix,
    ...(mapping.arthurHost ? { arthurHost: mapping.arthurHost } : {}),
    ...(mapping.tokenSecretArn ? { tokenSecretArn: mapping.tokenSecretArn } : {}),
    ...(mapping.organizationId ? { organizationId: mapping.organizationId } : {}),
    // Ground truth only: a capture mapping's input (and so its executions' names and inputs) stays as it was.
    ...(mapping.kind === 'groundTruth' ? { kind: 'groundTruth' as const, groundTruthAttributes: [...(mapping.groundTruthAttributes ?? [])] } : {}),
  };
}

/** The decision for one object and, whenever a mapping matched (even a disabled one), the execution it would get. */
export interface RoutePlan {
  decision: RouteDecision;
  match?: RouteMatch;
  execution?: { name: string; input: WorkflowInput };
}

/**
 * Decides and plans, pure: what routeObject would do with `object` once its key resolved to `resolution`.
 *
 * @example
 * planRoute({ bucket: 'b', key: 'm/f.jsonl' }, { match: { prefix: 'm/', mapping } }).decision; // 'start'
 */
export function planRoute(object: CaptureObject, resolution: Pick<Resolution, 'match'> | undefined, name?: (object: CaptureObject) => string): RoutePlan {
  const decision = decideRoute(object.key, resolution);
  const match = resolution?.match;
  if (!match) return { decision };
  const planned = planExecution(object, match);
  // A forced replay says so in its input: the workflow's first state then does not skip what the ledger records.
  return { decision, match, execution: name ? { name: name(object), input: { ...planned.input, forced: true } } : planned };
}

/**
 * How objects were routed; every object is counted exactly once. The router, POST /replay, GET /resolve's callers
 * and the backfill task all count with this.
 *
 * @example
 * const counts: RouteCounts = emptyRouteCounts(); // { started: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 }
 */
export interface RouteCounts {
  /** An execution was started. */
  started: number;
  /** Dry run only: would be started, unless already delivered (a dry run does not ask Step Functions). */
  wouldStart?: number;
  /** An execution with the file's name exists: delivered already (or being delivered). */
  alreadyDelivered: number;
  /** No mapping matches the key. */
  unrouted: number;
  /** The longest matching mapping is disabled. */
  disabled: number;
  /** Not a capture file (`.jsonl`) the router's notification fires for, or not a record for the router. */
  ignored: number;
}

/**
 * Zero counts.
 *
 * @example
 * emptyRouteCounts().started; // 0
 */
export function emptyRouteCounts(): RouteCounts {
  return { started: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 };
}

/**
 * What routeObject did with one object.
 *
 * @example
 * const outcome: RouteOutcome = { status: 'unrouted', decision: 'no-mapping' };
 */
export type RouteOutcome =
  | { status: 'started' | 'alreadyDelivered'; decision: 'start'; match: RouteMatch; execution: { name: string; input: WorkflowInput; executionArn?: string } }
  | { status: 'wouldStart'; decision: 'start'; match: RouteMatch; execution: { name: string; input: WorkflowInput } }
  | { status: 'disabled'; decision: 'mapping-disabled'; match: RouteMatch }
  | { status: 'unrouted'; decision: 'no-mapping' }
  | { status: 'ignored'; decision: 'not-a-capture' };

/**
 * Adds one outcome to `counts`.
 *
 * @example
 * countOutcome(counts, { status: 'ignored', decision: 'not-a-capture' }); // counts.ignored += 1
 */
export function countOutcome(counts: RouteCounts, outcome: RouteOutcome): void {
  if (outcome.status === 'wouldStart') counts.wouldStart = (counts.wouldStart ?? 0) + 1;
  else counts[outcome.status] += 1;
}

/**
 * The ports of routeObject.
 *
 * @example
 * const deps: RouteObjectDeps = { resolver, starter, log: jsonLineLog(write), metrics: noMetrics };
 */
export interface RouteObjectDeps {
  resolver: { resolve(key: string): Promise<Resolution> };
  starter: WorkflowStarter;
  log: LogFn;
  metrics: MetricsSink;
  /** Decide and plan only; start nothing (POST /replay with dryRun). */
  dryRun?: boolean;
  /** Another execution name than the deterministic one: a forced replay's `…-r{replayId}`. */
  name?: (object: CaptureObject) => string;
  /**
   * The ingestions table: an object it records as delivered (same ETag) counts as alreadyDelivered and starts
   * nothing, even when Step Functions has forgotten its execution. Not asked for a forced replay (`name`).
   */
  ledger?: PrefetchedLedger;
}

/**
 * Routes one capture object: resolves its key (not for a key that is no capture file), decides, plans, and starts
 * the execution unless this is a dry run. A store or StartExecution failure rejects (MappingStoreError,
 * WorkflowStartError); the caller decides what a failure means for the others.
 *
 * @example
 * const outcome = await routeObject({ bucket: 'datacapture', key, etag, size }, deps);
 * if (outcome.status === 'started') console.log(outcome.execution.executionArn);
 */
export async function routeObject(object: CaptureObject, deps: RouteObjectDeps): Promise<RouteOutcome> {
  if (!isCaptureKey(object.key)) return { status: 'ignored', decision: 'not-a-capture' };
  const plan = planRoute(object, await deps.resolver.resolve(object.key), deps.name);
  const where = { bucket: object.bucket, key: object.key };
  if (plan.decision === 'no-mapping' || !plan.match || !plan.execution) return unrouted(deps, where);
  const { match, execution } = plan;
  if (plan.decision === 'mapping-disabled') {
    unrouted(deps, where, match);
    return { status: 'disabled', decision: 'mapping-disabled', match };
  }
  const fields = { ...where, modelId: execution.input.modelId, mappingPrefix: match.prefix, executionName: execution.name };
  if (deps.dryRun) {
    deps.log('debug', 'execution would start (dry run)', fields);
    return { status: 'wouldStart', decision: 'start', match, execution };
  }
  if (deps.ledger && !deps.name) {
    const entry = await deps.ledger.entryOf(ledgerKey(object));
    if (isDelivered(entry, { etag: execution.input.etag, versionId: execution.input.versionId, executionName: execution.name })) {
      deps.log('info', 'already delivered: the ledger records it', { ...fields, status: entry!.status });
      deps.metrics.add('FilesAlreadyDelivered', 'Count', 1, { ModelId: execution.input.modelId });
      return { status: 'alreadyDelivered', decision: 'start', match, execution };
    }
  }
  const result = await deps.starter.start(execution);
  const executionArn = result.executionArn;
  // ModelId as a dimension: one series per mapped model, a set the operators bound by registering mappings
  // (tens to hundreds), unlike keys or prefixes of unrouted files, which are unbounded and stay in the logs.
  if (result.started) {
    deps.log('info', 'execution started', { ...fields, executionArn });
    deps.metrics.add('FilesRouted', 'Count', 1, { ModelId: execution.input.modelId });
  } else {
    deps.log('info', 'already delivered: execution exists', { ...fields, executionArn });
    deps.metrics.add('FilesAlreadyDelivered', 'Count', 1, { ModelId: execution.input.modelId });
  }
  return { status: result.started ? 'started' : 'alreadyDelivered', decision: 'start', match, execution: { ...execution, ...(executionArn ? { executionArn } : {}) } };
}

function unrouted(deps: RouteObjectDeps, where: { bucket: string; key: string }, match?: RouteMatch): { status: 'unrouted'; decision: 'no-mapping' } {
  const reason = match ? 'mapping-disabled' : 'no-mapping';
  const extra = match ? { mappingPrefix: match.prefix, modelId: match.mapping.modelId } : {};
  deps.log('warn', 'capture file not routed', { reason, ...where, ...extra });
  // Reason only: the key or prefix of an unrouted file is unbounded (a metric per value would be a bill), and the
  // log line above names it.
  deps.metrics.add('FilesUnrouted', 'Count', 1, { Reason: reason });
  return { status: 'unrouted', decision: 'no-mapping' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
