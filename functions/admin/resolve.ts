/**
 * GET /resolve: what the router would do with one key, computed by the router's own code (MappingResolver for
 * the longest match, planRoute for the decision, the execution name and its input: what routeObject runs).
 */
import type { MappingItem, WorkflowInput } from '../../src/contracts.js';
import type { CaptureLister } from '../../src/aws/capture-lister.js';
import type { Resolution } from '../../src/routing/mapping-resolver.js';
import { planRoute, type RouteDecision as Decision } from '../../src/routing/route-object.js';
import { invalid } from './errors.js';

export interface ResolveDeps {
  bucket: string;
  resolver: { resolve(key: string): Promise<Resolution> };
  /** Finds the object's ETag and size (the execution name hashes the ETag); s3:ListBucket only. */
  lister: CaptureLister;
}

export interface ResolveQuery {
  key: string;
  /** What-if: the ETag to name the execution with, instead of the stored object's. */
  etag?: string;
  size?: number;
  versionId?: string;
}

/** The API's words for the route decision (`not-a-capture` is `ignored-not-jsonl` on the wire, as it always was). */
export type RouteDecision = Exclude<Decision, 'not-a-capture'> | 'ignored-not-jsonl';

export interface ResolveResult {
  bucket: string;
  key: string;
  normalizedKey: string;
  /** Every segment-boundary prefix of the key, longest first: the router reads exactly these. */
  candidates: string[];
  match?: { prefix: string; mapping: MappingItem };
  /** What the matched mapping routes (`capture` when it names no kind); absent when nothing matched. */
  kind?: 'capture' | 'groundTruth';
  decision: RouteDecision;
  /** Where the ETag came from: the stored object, the query, or nowhere (the name then hashes bucket and key only). */
  object: { found: boolean; etag?: string; size?: number; source: 'bucket' | 'query' | 'none' };
  /** The execution the router would start for this object (also for a disabled mapping's files, were it enabled). */
  execution?: { name: string; input: WorkflowInput };
}

const MAX_KEY_BYTES = 1024;

export async function resolveKey(query: ResolveQuery, deps: ResolveDeps): Promise<ResolveResult> {
  const { key } = query;
  if (key === '') throw invalid('key', 'required', 'key is required (the object key, as stored)');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw invalid('key', 'too-long', `key must be at most ${MAX_KEY_BYTES} bytes of UTF-8 (S3's limit), got ${bytes}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this check refuses
  if (/[\u0000-\u001f\u007f]/.test(key)) throw invalid('key', 'control-character', 'key must not contain control characters');

  const resolution = await deps.resolver.resolve(key);
  let object: ResolveResult['object'];
  if (query.etag !== undefined) {
    object = { found: false, etag: query.etag, ...(query.size !== undefined ? { size: query.size } : {}), source: 'query' };
  } else {
    const page = await deps.lister.list({ prefix: key, maxKeys: 1 });
    const stored = page.objects.find((o) => o.key === key);
    object = stored ? { found: true, etag: stored.etag, size: query.size ?? stored.size, source: 'bucket' } : { found: false, source: 'none' };
  }
  const plan = planRoute({ bucket: deps.bucket, key, etag: object.etag, versionId: query.versionId, size: object.size }, resolution);
  const decision: RouteDecision = plan.decision === 'not-a-capture' ? 'ignored-not-jsonl' : plan.decision;
  const { execution } = plan;
  return {
    bucket: deps.bucket,
    key,
    normalizedKey: resolution.normalizedKey,
    candidates: resolution.candidates,
    ...(resolution.match ? { match: resolution.match, kind: resolution.match.mapping.kind ?? 'capture' } : {}),
    decision,
    object,
    ...(execution ? { execution } : {}),
  };
}
