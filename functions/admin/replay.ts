/**
 * POST /replay: lists the objects under a prefix (or only its hour partitions yyyy/mm/dd/hh/ between from and to),
 * routes each exactly as the router does and starts its execution under the router's deterministic name, so
 * Step Functions refuses every file already delivered. `force` starts them anyway under a name suffixed with the
 * replay's id. Work per call is bounded (objects listed, LIST requests); the answer's nextToken resumes it.
 */
import type { CaptureLister, ListedObject } from '../../src/aws/capture-lister.js';
import { MappingStoreError } from '../../src/aws/mapping-store.js';
import { WorkflowStartError } from '../../src/aws/workflow-starter.js';
import { forEachLimit } from '../../src/concurrency.js';
import { replayExecutionName } from '../../src/routing/execution-name.js';
import { validatePrefix } from '../../src/routing/prefix.js';
import { type IngestionLedger, ledgerKey, prefetchLedger } from '../../src/routing/ingestion-ledger.js';
import { countOutcome, emptyRouteCounts, routeObject, type CaptureObject, type RouteCounts, type RouteObjectDeps } from '../../src/routing/route-object.js';
import { ReplayInterruptedError, invalid } from './errors.js';

export interface ReplayBody {
  prefix: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
  force?: boolean;
  limit?: number;
  nextToken?: string;
}

export interface ReplayLimits {
  /** Objects listed per call at most; also the default `limit`. Default 1,000. */
  maxObjectsPerCall?: number;
  /** LIST requests per call at most (empty hour partitions cost one each). Default 200. */
  maxListCallsPerCall?: number;
  /** StartExecution calls in flight. Default 8: StartExecution is rate-limited per account and region. */
  concurrency?: number;
  /** LIST requests spent finding the partition folders under a prefix, at most. Default 100. */
  maxDiscoverySteps?: number;
  /** Hours a from/to range may span. Default 8,784 (a leap year); beyond that, use the backfill state machine. */
  maxHours?: number;
}

export interface ReplayDeps extends ReplayLimits, Omit<RouteObjectDeps, 'dryRun' | 'name' | 'ledger'> {
  /** The ingestions table: objects it records as delivered are skipped (read once per page). */
  ingestionLedger?: IngestionLedger;
  bucket: string;
  lister: CaptureLister;
  now?: () => Date;
}

/** Every listed object is counted exactly once (RouteCounts: the router's own count type). */

export interface ReplayResult extends RouteCounts {
  prefix: string;
  bucket: string;
  listed: number;
  dryRun: boolean;
  force: boolean;
  /** The id forced names carry (`…-r{replayId}`); the same on every page of one replay. */
  replayId?: string;
  /** With from/to: the hour range listed, and how many partition roots ({dest}/{endpoint}/{variant}/) were found. */
  hours?: { from: string; to: string; count: number; roots: number };
  /** Dry run: the first few executions that would be started. */
  sample?: Array<{ key: string; name: string; modelId: string; mappingPrefix: string }>;
  /** Present while objects remain: send the same request again with this nextToken. */
  nextToken?: string;
}

export { ReplayInterruptedError } from './errors.js';

interface Token {
  v: 1;
  /** Request fields the token belongs to. */
  p: string;
  f?: string;
  t?: string;
  force: boolean;
  dry: boolean;
  rid: string;
  /** Index of the listing source (hour partition) and S3's continuation token inside it. */
  i: number;
  c?: string;
}

const SAMPLE_SIZE = 10;

export async function replay(body: ReplayBody, deps: ReplayDeps): Promise<ReplayResult> {
  const now = deps.now ?? (() => new Date());
  const maxObjects = Math.min(body.limit ?? deps.maxObjectsPerCall ?? 1000, deps.maxObjectsPerCall ?? 1000);
  const maxListCalls = deps.maxListCallsPerCall ?? 200;

  const listPrefix = listingPrefix(body.prefix);
  const token = body.nextToken === undefined ? undefined : decodeToken(body.nextToken);
  // Without `to`, the range ends when the replay began: the first call fixes it, its token carries it.
  const range = hourRange({ ...body, to: body.to ?? (body.from !== undefined ? token?.t : undefined) }, now(), deps.maxHours ?? 8784);
  const force = body.force ?? false;
  const dryRun = body.dryRun ?? false;
  if (token && (token.p !== listPrefix || token.f !== range?.fromIso || token.t !== range?.toIso || token.force !== force || token.dry !== dryRun)) {
    throw invalid('nextToken', 'mismatch', 'nextToken belongs to a replay with another prefix, from, to, force or dryRun; repeat that request');
  }
  const replayId = token?.rid ?? compactTimestamp(now());

  let sources: string[];
  let roots = 0;
  if (range) {
    const found = await partitionRoots(listPrefix, deps.lister, deps.maxDiscoverySteps ?? 100);
    roots = found.length;
    sources = found.flatMap(({ root, within }) => range.hours.map((h) => root + h).filter((s) => s.startsWith(within) || within.startsWith(s)));
  } else {
    sources = [listPrefix];
  }

  const result: ReplayResult = {
    prefix: listPrefix,
    bucket: deps.bucket,
    listed: 0,
    ...emptyRouteCounts(),
    dryRun,
    force,
    ...(force ? { replayId } : {}),
    ...(range ? { hours: { from: range.fromIso, to: range.toIso, count: range.hours.length, roots } } : {}),
    ...(dryRun ? { wouldStart: 0, sample: [] } : {}),
  };

  let index = token?.i ?? 0;
  let continuation = token?.c;
  let listCalls = 0;
  while (index < sources.length && result.listed < maxObjects && listCalls < maxListCalls) {
    const source = sources[index]!;
    // Never list more than this call will route: S3's token then resumes exactly after the last object routed.
    const page = await deps.lister.list({ prefix: source, maxKeys: Math.min(1000, maxObjects - result.listed), continuationToken: continuation });
    listCalls += 1;
    // Every source lies under the prefix; the filter only guards that invariant, a replay never leaves its prefix.
    const objects = page.objects.filter((o) => o.key.startsWith(listPrefix));
    result.listed += objects.length;
    try {
      await routePage(objects, { ...deps, force, dryRun, replayId }, result);
    } catch (error) {
      // Transient by nature (throttling past the SDK's retries, a table or Step Functions hiccup) and safe to
      // repeat: say so, without the cause's ARNs and names, which only the log gets.
      if (!(error instanceof WorkflowStartError || error instanceof MappingStoreError)) throw error;
      const resume = body.nextToken === undefined ? '' : ' with the same nextToken';
      throw new ReplayInterruptedError(
        `starting executions failed part-way (${error.name}); send the same request again${resume}: files already started are skipped by their execution names`,
        { cause: error },
      );
    }
    if (page.continuationToken) continuation = page.continuationToken;
    else {
      index += 1;
      continuation = undefined;
    }
  }
  if (index < sources.length) {
    result.nextToken = encodeToken({ v: 1, p: listPrefix, f: range?.fromIso, t: range?.toIso, force, dry: dryRun, rid: replayId, i: index, c: continuation });
  }
  return result;
}

interface RoutePageDeps extends ReplayDeps {
  force: boolean;
  dryRun: boolean;
  replayId: string;
}

/**
 * Routes one page of listed objects with routeObject, as the router routes event records (the listing's key, ETag
 * and size; a forced replay under its `…-r{replayId}` name). Throws on the first failure (after the others in
 * flight settle); counts what was done until then.
 */
async function routePage(objects: readonly ListedObject[], deps: RoutePageDeps, counts: RouteCounts & { sample?: ReplayResult['sample'] }): Promise<void> {
  const name = deps.force ? (object: CaptureObject) => replayExecutionName(object, deps.replayId) : undefined;
  const ledger = deps.ingestionLedger && !deps.force && !deps.dryRun ? await prefetchLedger(deps.ingestionLedger, objects.map((o) => ledgerKey({ bucket: deps.bucket, key: o.key }))) : undefined;
  const routeDeps: RouteObjectDeps = { ...deps, dryRun: deps.dryRun, ...(name ? { name } : {}), ...(ledger ? { ledger } : {}) };
  await forEachLimit(objects, deps.concurrency ?? 8, async (object) => {
    const outcome = await routeObject({ bucket: deps.bucket, ...object }, routeDeps);
    countOutcome(counts, outcome);
    if (outcome.status === 'wouldStart' && counts.sample && counts.sample.length < SAMPLE_SIZE) {
      const { name: executionName, input } = outcome.execution;
      counts.sample.push({ key: object.key, name: executionName, modelId: input.modelId, mappingPrefix: input.mappingPrefix });
    }
  });
}

/** The prefix to list: as given minus leading slashes (so `a//b/` lists what SageMaker wrote with '//'), ending in '/'. */
function listingPrefix(input: string): string {
  const checked = validatePrefix(input);
  if (!checked.ok) throw invalid('prefix', checked.rule, checked.message);
  const raw = input.replace(/^\/+/, '');
  return raw.endsWith('/') ? raw : `${raw}/`;
}

interface HourRange {
  fromIso: string;
  toIso: string;
  /** `yyyy/mm/dd/hh/` of every hour in [hour of from, to), UTC (SageMaker writes UTC partitions). */
  hours: string[];
}

function hourRange(body: ReplayBody, now: Date, maxHours: number): HourRange | undefined {
  if (body.from === undefined) {
    if (body.to !== undefined) throw invalid('from', 'required', 'from is required when to is given');
    return undefined;
  }
  const from = new Date(body.from);
  const to = body.to === undefined ? now : new Date(body.to);
  if (!(to.getTime() > from.getTime())) throw invalid('to', 'after-from', `to (${to.toISOString()}) must be after from (${from.toISOString()})`);
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), from.getUTCHours());
  const count = Math.ceil((to.getTime() - start) / 3_600_000);
  if (count > maxHours) {
    throw invalid('to', 'max-range', `from..to spans ${count} hours, more than ${maxHours}; split it, or run the backfill state machine for the whole prefix`);
  }
  const hours: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const h = new Date(start + i * 3_600_000);
    const p = (n: number) => String(n).padStart(2, '0');
    hours.push(`${h.getUTCFullYear()}/${p(h.getUTCMonth() + 1)}/${p(h.getUTCDate())}/${p(h.getUTCHours())}/`);
  }
  return { fromIso: from.toISOString(), toIso: to.toISOString(), hours };
}

const DATE_TAIL = /(?:^|\/)(\d{4}\/(?:\d{2}\/){0,3})$/;
const HOUR_PARTITION_KEY = /^(.*\/)?\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/;
/** Sorts after every key that continues a prefix (S3 orders keys by their UTF-8 bytes; U+10FFFF is the largest). */
const AFTER_ALL = '\u{10FFFF}';

/**
 * The folders under which SageMaker writes hour partitions ({dest}/{endpoint}/{variant}/), found by a skip scan:
 * list one key, take the folder above its yyyy/mm/dd/hh/, then list again after everything under that folder.
 * One LIST per folder, whatever the number of files; no delimiter listing needed. A prefix that is itself
 * inside the date path (…/AllTraffic/2024/05/) yields its root plus `within`, to keep only its own hours.
 */
async function partitionRoots(prefix: string, lister: CaptureLister, maxSteps: number): Promise<Array<{ root: string; within: string }>> {
  const tail = DATE_TAIL.exec(prefix);
  if (tail) return [{ root: prefix.slice(0, prefix.length - tail[1]!.length), within: prefix }];
  const roots: Array<{ root: string; within: string }> = [];
  let startAfter: string | undefined;
  for (let step = 1; ; step += 1) {
    if (step > maxSteps) {
      throw invalid(
        'from',
        'layout',
        `more than ${maxSteps} keys under ${prefix} are outside SageMaker's {endpoint}/{variant}/yyyy/mm/dd/hh/ layout; replay without from/to`,
      );
    }
    const page = await lister.list({ prefix, maxKeys: 1, ...(startAfter !== undefined ? { startAfter } : {}) });
    const first = page.objects[0];
    if (!first) break;
    const root = HOUR_PARTITION_KEY.exec(first.key)?.[1] ?? '';
    if (root.startsWith(prefix)) {
      roots.push({ root, within: root });
      startAfter = `${root}${AFTER_ALL}`;
    } else {
      startAfter = first.key;
    }
  }
  return roots;
}

function encodeToken(token: Token): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeToken(text: string): Token {
  let token: Partial<Token> | undefined;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    token = undefined;
  }
  if (
    token?.v !== 1 ||
    typeof token.p !== 'string' ||
    typeof token.rid !== 'string' ||
    !Number.isInteger(token.i) ||
    (token.i as number) < 0 ||
    (token.c !== undefined && typeof token.c !== 'string')
  ) {
    throw invalid('nextToken', 'token', 'nextToken is not one this API handed out');
  }
  return token as Token;
}

/** 2026-11-25T10:15:00.123Z → 20261125T101500Z. */
function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
