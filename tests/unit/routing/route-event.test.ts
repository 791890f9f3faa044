import { describe, expect, it } from '@jest/globals';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { routeEvent, RouteEventError, UnsupportedEventError, type RouteEventDeps } from '../../../functions/router/route-event.js';
import type { StartWorkflowRequest, StartWorkflowResult } from '../../../src/aws/workflow-starter.js';
import type { MappingItem } from '../../../src/contracts.js';
import { MappingResolver } from '../../../src/routing/mapping-resolver.js';
import { objectCreatedRecord, type ObjectCreatedSpec } from '../../support/s3-event.js';
import { emfLineMetrics, jsonLineLog } from '../../../src/observability/telemetry.js';

function mapping(prefix: string, extra: Partial<MappingItem> = {}): MappingItem {
  return { prefix, modelId: `model-${prefix.replace(/\W/g, '')}`, enabled: true, createdAt: '', updatedAt: '', ...extra };
}

/** A record whose key is written as it appears in the event (S3-encoded), with this test's fixed ETag and size. */
function record(encodedKey: string, extra: Omit<ObjectCreatedSpec, 'key' | 'encodedKey'> = {}): S3EventRecord {
  return objectCreatedRecord({ key: encodedKey, encodedKey, size: 1234, eTag: 'd41d8cd98f00b204e9800998ecf8427e', ...extra });
}

/** In-memory fakes: a store behind the real resolver, and a starter that remembers names like Step Functions. */
function harness(items: MappingItem[], starter?: (request: StartWorkflowRequest) => Promise<StartWorkflowResult>) {
  const rows = new Map(items.map((item) => [item.prefix, item]));
  const lines: string[] = [];
  const write = (line: string) => void lines.push(line);
  const started: StartWorkflowRequest[] = [];
  const names = new Set<string>();
  const deps: RouteEventDeps = {
    resolver: new MappingResolver(async (prefixes) => new Map(prefixes.flatMap((p) => (rows.has(p) ? [[p, rows.get(p)!] as const] : [])))),
    starter: {
      start:
        starter ??
        (async (request) => {
          if (names.has(request.name)) return { started: false, alreadyExists: true };
          names.add(request.name);
          started.push(request);
          return { started: true, alreadyExists: false, executionArn: `arn:aws:states:us-east-1:123456789012:execution:ingest:${request.name}` };
        }),
    },
    log: jsonLineLog(write),
    metrics: emfLineMetrics(write, 'router', () => 1_714_568_731_123),
  };
  const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { deps, started, logs };
}

describe('routeEvent', () => {
  it('builds the workflow input from the record and the mapping, with the key decoded', async () => {
    const h = harness([mapping('captures/my endpoint/', { modelId: 'm-1', arthurHost: 'https://arthur.example.com', tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:t', organizationId: 'org-uuid-1' })]);
    await routeEvent({ Records: [record('captures/my+endpoint/a%2Bb/f.jsonl', { versionId: 'v7', size: 99 })] }, h.deps);
    expect(h.started).toHaveLength(1);
    expect(h.started[0].input).toEqual({
      bucket: 'datacapture',
      key: 'captures/my endpoint/a+b/f.jsonl',
      versionId: 'v7',
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
      size: 99,
      modelId: 'm-1',
      mappingPrefix: 'captures/my endpoint/',
      arthurHost: 'https://arthur.example.com',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:t',
      organizationId: 'org-uuid-1',
    });
    expect(h.started[0].name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
  });

  it('leaves out versionId, arthurHost and tokenSecretArn when there are none', async () => {
    const h = harness([mapping('m/')]);
    await routeEvent({ Records: [record('m/f.jsonl')] }, h.deps);
    expect(Object.keys(h.started[0].input)).toEqual(['bucket', 'key', 'etag', 'size', 'modelId', 'mappingPrefix']);
  });

  it('passes the real key (double slashes kept) to the workflow while matching on the normalized key', async () => {
    const h = harness([mapping('captures/ep/')]);
    await routeEvent({ Records: [record('captures//ep/f.jsonl')] }, h.deps);
    expect(h.started[0].input).toMatchObject({ key: 'captures//ep/f.jsonl', mappingPrefix: 'captures/ep/' });
  });

  it('ignores an s3:TestEvent without reading mappings or starting anything', async () => {
    const h = harness([]);
    const summary = await routeEvent(
      { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2024-05-01T13:00:00.000Z', Bucket: 'datacapture', RequestId: 'R', HostId: 'H' },
      h.deps,
    );
    expect(summary).toEqual({ records: 0, started: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0, failed: 0 });
    expect(h.logs()).toEqual([expect.objectContaining({ message: 's3 test event ignored' })]);
  });

  it.each([
    ['a removal', record('m/f.jsonl', { eventName: 'ObjectRemoved:Delete' })],
    ['a restore', record('m/f.jsonl', { eventName: 'ObjectRestore:Completed' })],
    ['a key that is not .jsonl', record('m/f.json')],
    ['a key ending in .JSONL (the suffix filter is case-sensitive too)', record('m/f.JSONL')],
    ['a record from another source', record('m/f.jsonl', { eventSource: 'aws:sqs' })],
  ])('ignores %s', async (_case, r) => {
    const h = harness([mapping('m/')]);
    expect(await routeEvent({ Records: [r] }, h.deps)).toMatchObject({ records: 1, ignored: 1, started: 0 });
  });

  it('accepts every ObjectCreated variant, with or without the s3: prefix', async () => {
    const h = harness([mapping('m/')]);
    const names = ['ObjectCreated:Put', 'ObjectCreated:CompleteMultipartUpload', 'ObjectCreated:Copy', 's3:ObjectCreated:Post'];
    const summary = await routeEvent({ Records: names.map((eventName, i) => record(`m/${i}.jsonl`, { eventName })) }, h.deps);
    expect(summary).toMatchObject({ records: 4, started: 4 });
  });

  it.each([
    ['no mapping matches', [] as MappingItem[], 'no-mapping', { unrouted: 1 }],
    ['the longest match is disabled', [mapping('m/'), mapping('m/a/', { enabled: false })], 'mapping-disabled', { disabled: 1 }],
  ])('writes a log line and an EMF metric, and starts nothing, when %s', async (_case, items, reason, counts) => {
    const h = harness(items);
    const summary = await routeEvent({ Records: [record('m/a/f.jsonl')] }, h.deps);
    expect(summary).toMatchObject({ records: 1, started: 0, ...counts });
    expect(h.started).toHaveLength(0);
    const [line, metric] = h.logs();
    expect(line).toMatchObject({ level: 'WARN', reason, bucket: 'datacapture', key: 'm/a/f.jsonl' });
    expect(metric).toEqual({
      _aws: {
        Timestamp: 1_714_568_731_123,
        CloudWatchMetrics: [
          { Namespace: 'CaptureRouter', Dimensions: [['service', 'Function'], ['service', 'Reason']], Metrics: [{ Name: 'FilesUnrouted', Unit: 'Count' }] },
        ],
      },
      service: 'capture-router',
      Function: 'router',
      Reason: reason,
      FilesUnrouted: 1,
    });
  });

  it('counts a repeated record as already delivered', async () => {
    const h = harness([mapping('m/')]);
    const summary = await routeEvent({ Records: [record('m/f.jsonl'), record('m/f.jsonl')] }, h.deps);
    expect(summary).toMatchObject({ started: 1, alreadyDelivered: 1 });
  });

  it('routes a key with a malformed escape as received, and says so', async () => {
    const h = harness([mapping('m/')]);
    await routeEvent({ Records: [record('m/100%25+%ZZ.jsonl')] }, h.deps);
    expect(h.started[0].input.key).toBe('m/100% %ZZ.jsonl');
    expect(h.logs()[0]).toMatchObject({ level: 'WARN', encodedKey: 'm/100%25+%ZZ.jsonl', malformed: ['%'] });
  });

  it('tries every record before throwing, and the error carries the summary and every failure', async () => {
    let calls = 0;
    const h = harness([mapping('m/')], async (request) => {
      calls += 1;
      if (request.input.key.includes('bad')) throw new Error(`boom ${request.input.key}`);
      return { started: true, alreadyExists: false, executionArn: 'arn' };
    });
    const event: S3Event = { Records: [record('m/bad-1.jsonl'), record('m/ok.jsonl'), record('m/bad-2.jsonl'), record('m/ok-2.jsonl')] };
    const error = await routeEvent(event, { ...h.deps, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteEventError);
    expect(error).toMatchObject({
      name: 'RouteEventError',
      summary: { records: 4, started: 2, failed: 2 },
      cause: expect.objectContaining({ message: 'boom m/bad-1.jsonl' }),
    });
    expect((error as RouteEventError).errors).toHaveLength(2);
    expect(calls).toBe(4);
    expect(h.logs().filter((l) => l.level === 'ERROR' && l.message === 'capture file not routed: failure')).toHaveLength(2);
  });

  it('throws UnsupportedEventError for an event that is not an S3 notification', async () => {
    const h = harness([]);
    await expect(routeEvent({ detail: {} } as unknown as S3Event, h.deps)).rejects.toBeInstanceOf(UnsupportedEventError);
  });

  it('fails a record that has no key, after routing the others', async () => {
    const h = harness([mapping('m/')]);
    const broken = record('m/x.jsonl');
    (broken.s3.object as { key?: string }).key = undefined;
    await expect(routeEvent({ Records: [broken, record('m/ok.jsonl')] }, h.deps)).rejects.toMatchObject({
      summary: { started: 1, failed: 1 },
      cause: expect.objectContaining({ name: 'UnsupportedEventError' }),
    });
  });

  it('ends with one summary line', async () => {
    const h = harness([mapping('m/')]);
    await routeEvent({ Records: [record('m/a.jsonl'), record('other/b.jsonl'), record('m/c.txt')] }, h.deps);
    expect(h.logs().at(-1)).toEqual({
      level: 'INFO', message: 'event routed', records: 3, started: 1, alreadyDelivered: 0, unrouted: 1, disabled: 0, ignored: 1, failed: 0,
    });
  });
});
