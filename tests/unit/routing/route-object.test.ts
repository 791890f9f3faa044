import { describe, expect, it } from '@jest/globals';
import type { StartWorkflowRequest } from '../../../src/aws/workflow-starter.js';
import type { MappingItem } from '../../../src/contracts.js';
import { jsonLineLog, noMetrics, type MetricName } from '../../../src/observability/telemetry.js';
import { replayExecutionName } from '../../../src/routing/execution-name.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import {
  countOutcome,
  decideRoute,
  emptyRouteCounts,
  planExecution,
  planRoute,
  routeObject,
  type RouteDecision,
  type RouteObjectDeps,
} from '../../../src/routing/route-object.js';

const mapping = (prefix: string, extra: Partial<MappingItem> = {}): MappingItem => ({
  prefix,
  modelId: `model-${prefix.replace(/\W/g, '')}`,
  enabled: true,
  createdAt: '',
  updatedAt: '',
  ...extra,
});

describe('decideRoute', () => {
  const enabled = { match: { prefix: 'm/', mapping: mapping('m/') } };
  const disabled = { match: { prefix: 'm/', mapping: mapping('m/', { enabled: false }) } };
  it.each<[string, string, Parameters<typeof decideRoute>[1], RouteDecision]>([
    ['a .jsonl key under an enabled mapping', 'm/f.jsonl', enabled, 'start'],
    ['a .jsonl key under a disabled mapping', 'm/f.jsonl', disabled, 'mapping-disabled'],
    ['a .jsonl key no mapping matches', 'm/f.jsonl', { match: undefined }, 'no-mapping'],
    ['a .jsonl key not looked up', 'm/f.jsonl', undefined, 'no-mapping'],
    ['a key that is not .jsonl, even under an enabled mapping', 'm/f.json', enabled, 'not-a-capture'],
    ['a key ending in .JSONL (the notification suffix is case-sensitive)', 'm/f.JSONL', enabled, 'not-a-capture'],
    ['a folder marker', 'm/', undefined, 'not-a-capture'],
  ])('decides %s', (_case, key, resolution, decision) => {
    expect(decideRoute(key, resolution)).toBe(decision);
  });
});

describe('planRoute', () => {
  it('plans the execution of a disabled mapping too, so a what-if shows what enabling it would start', () => {
    const plan = planRoute({ bucket: 'b', key: 'm/f.jsonl', etag: 'e', size: 3 }, { match: { prefix: 'm/', mapping: mapping('m/', { enabled: false }) } });
    expect(plan).toMatchObject({ decision: 'mapping-disabled', execution: { input: { key: 'm/f.jsonl', modelId: 'model-m', size: 3 } } });
  });

  it('names the execution as the router does unless a name override is given', () => {
    const object = { bucket: 'b', key: 'm/f.jsonl', etag: 'e' };
    const match = { match: { prefix: 'm/', mapping: mapping('m/') } };
    expect(planRoute(object, match).execution?.name).toBe(planExecution(object, match.match).name);
    expect(planRoute(object, match, (o) => replayExecutionName(o, '20260101T000000Z')).execution?.name).toMatch(/-r20260101T000000Z$/);
  });
});

function deps(items: MappingItem[], extra: Partial<RouteObjectDeps> = {}) {
  const rows = new Map(items.map((item) => [item.prefix, item]));
  const lookups: string[][] = [];
  const started: StartWorkflowRequest[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const metrics: MetricName[] = [];
  const routeDeps: RouteObjectDeps = {
    resolver: new MappingResolver(async (prefixes) => {
      lookups.push([...prefixes]);
      return new Map(prefixes.flatMap((p) => (rows.has(p) ? [[p, rows.get(p)!] as const] : [])));
    }),
    starter: {
      async start(request) {
        const again = started.some((s) => s.name === request.name);
        started.push(request);
        return again ? { started: false, alreadyExists: true } : { started: true, alreadyExists: false, executionArn: `arn:${request.name}` };
      },
    },
    log: jsonLineLog((line) => void lines.push(JSON.parse(line) as Record<string, unknown>)),
    metrics: { add: (name) => void metrics.push(name) },
    ...extra,
  };
  return { routeDeps, lookups, started, lines, metrics };
}

describe('planExecution for a ground-truth mapping', () => {
  const object = { bucket: 'b', key: 'labels/2024/01/19/19/l.jsonl', etag: 'e', size: 5 };
  it('carries kind and the attributes, in order, after the fields a capture input has', () => {
    const match = { prefix: 'labels/', mapping: mapping('labels/', { kind: 'groundTruth', groundTruthAttributes: ['b', 'a'] }) };
    const { input } = planExecution(object, match);
    expect(Object.keys(input)).toEqual(['bucket', 'key', 'etag', 'size', 'modelId', 'mappingPrefix', 'kind', 'groundTruthAttributes']);
    expect(input).toMatchObject({ kind: 'groundTruth', groundTruthAttributes: ['b', 'a'] });
  });

  it('leaves a capture mapping\'s input (and so its execution name) as it was, with or without kind: capture', () => {
    const plain = planExecution(object, { prefix: 'labels/', mapping: mapping('labels/') });
    const explicit = planExecution(object, { prefix: 'labels/', mapping: mapping('labels/', { kind: 'capture' }) });
    expect(explicit).toEqual(plain);
    expect(plain.input).not.toHaveProperty('kind');
  });
});

describe('routeObject', () => {
  it('starts the planned execution, passing the version the source gave', async () => {
    const h = deps([mapping('m/')]);
    const outcome = await routeObject({ bucket: 'b', key: 'm/f.jsonl', etag: 'e', versionId: 'v1', size: 9 }, h.routeDeps);
    expect(outcome).toMatchObject({ status: 'started', decision: 'start', execution: { executionArn: expect.stringMatching(/^arn:/) } });
    expect(h.started[0]!.input).toEqual({ bucket: 'b', key: 'm/f.jsonl', versionId: 'v1', etag: 'e', size: 9, modelId: 'model-m', mappingPrefix: 'm/' });
    expect(h.metrics).toEqual(['FilesRouted']);
    expect(h.lines[0]).toMatchObject({ level: 'INFO', message: 'execution started', key: 'm/f.jsonl' });
  });

  it('counts a second start of the same object as already delivered', async () => {
    const h = deps([mapping('m/')]);
    const counts = emptyRouteCounts();
    for (let i = 0; i < 2; i++) countOutcome(counts, await routeObject({ bucket: 'b', key: 'm/f.jsonl', etag: 'e' }, h.routeDeps));
    expect(counts).toEqual({ started: 1, alreadyDelivered: 1, unrouted: 0, disabled: 0, ignored: 0 });
    expect(h.metrics).toEqual(['FilesRouted', 'FilesAlreadyDelivered']);
  });

  it('reads no mapping for a key that is not a capture file', async () => {
    const h = deps([mapping('m/')]);
    expect(await routeObject({ bucket: 'b', key: 'm/notes.txt' }, h.routeDeps)).toEqual({ status: 'ignored', decision: 'not-a-capture' });
    expect(h.lookups).toEqual([]);
    expect(h.lines).toEqual([]);
  });

  it.each([
    ['no mapping', [] as MappingItem[], 'unrouted', 'no-mapping'],
    ['a disabled mapping', [mapping('m/', { enabled: false })], 'disabled', 'mapping-disabled'],
  ])('starts nothing under %s, and logs and counts why', async (_case, items, status, reason) => {
    const h = deps(items);
    const outcome = await routeObject({ bucket: 'b', key: 'm/f.jsonl' }, h.routeDeps);
    expect(outcome.status).toBe(status);
    expect(h.started).toEqual([]);
    expect(h.lines).toEqual([expect.objectContaining({ level: 'WARN', message: 'capture file not routed', reason })]);
    expect(h.metrics).toEqual(['FilesUnrouted']);
  });

  it('starts nothing in a dry run and returns what it would start', async () => {
    const h = deps([mapping('m/')], { dryRun: true, metrics: noMetrics });
    const outcome = await routeObject({ bucket: 'b', key: 'm/f.jsonl', etag: 'e' }, h.routeDeps);
    expect(outcome).toMatchObject({ status: 'wouldStart', execution: { input: { modelId: 'model-m' } } });
    expect(h.started).toEqual([]);
    const counts = emptyRouteCounts();
    countOutcome(counts, outcome);
    expect(counts.wouldStart).toBe(1);
  });

  it('starts a forced replay under the override name', async () => {
    const h = deps([mapping('m/')], { name: (o) => replayExecutionName(o, 'R1') });
    await routeObject({ bucket: 'b', key: 'm/f.jsonl', etag: 'e' }, h.routeDeps);
    expect(h.started[0]!.name).toMatch(/-rR1$/);
  });

  it('rejects when the starter fails, for the caller to decide', async () => {
    const h = deps([mapping('m/')], { starter: { start: async () => Promise.reject(new Error('throttled')) } });
    await expect(routeObject({ bucket: 'b', key: 'm/f.jsonl' }, h.routeDeps)).rejects.toThrow('throttled');
  });
});
