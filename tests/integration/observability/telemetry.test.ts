import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { routeEvent } from '../../../functions/router/route-event.js';
import { validateCapture } from '../../../functions/validate/validate-capture.js';
import type { ArthurReceiver } from '../../../local/arthur/index.js';
import type { MappingItem, UploadPartEvent } from '../../../src/contracts.js';
import { createTelemetry } from '../../../src/observability/powertools.js';
import { METRIC_NAMES, withFields } from '../../../src/observability/telemetry.js';
import { captureOutput, type CapturedOutput } from '../../support/capture-output.js';
import { applyEnv, RIG_BUCKET, RIG_KEY, RIG_MODEL, RIG_SECRET_ARN, startUploadRig, type UploadRig } from '../../support/upload-rig.js';
import { putManifest } from '../../support/part-manifest.js';

/**
 * What an operator reads in CloudWatch: Powertools JSON log lines with the same correlation fields in every
 * function, EMF metrics under the names the alarms and the dashboard use, and never the Arthur token.
 */

const BUCKET = RIG_BUCKET;
const MODEL = RIG_MODEL;
const ARN = RIG_SECRET_ARN;
const TOKEN = 'obs-token-7f6e5d4c3b2a19';
const KEY = RIG_KEY;

let rig: UploadRig;
let arthur: ArthurReceiver;
let inferences = 0;
let captureText = '';
let output: CapturedOutput | undefined;
let manifest: UploadPartEvent['manifest'];
const savedEnv = { ...process.env };

beforeAll(async () => {
  rig = await startUploadRig({ token: TOKEN, seed: 7, records: 6 });
  ({ arthur, inferences, captureText } = rig);
  manifest = await putManifest(rig.s3.client(), BUCKET, 'captures/telemetry-test', [{ bucket: BUCKET, key: KEY, index: 0, records: 6, inferences, bytes: captureText.length }]);
});
afterAll(() => rig.close());
afterEach(() => {
  output?.restore();
  output = undefined;
  process.env = { ...savedEnv };
  arthur.reset();
  jest.resetModules();
});

function configureUpload(): void {
  applyEnv(rig.env());
}

const context = {
  functionName: 'capture-router-dev-upload',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:capture-router-dev-upload',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const uploadEvent = (): UploadPartEvent => ({
  index: 0,
  manifest,
  request: { bucket: BUCKET, key: KEY, etag: 'aaaabbbbccccddddeeeeffff00001111', size: captureText.length, modelId: MODEL, mappingPrefix: 'ep/' },
});

const metricNames = (o: CapturedOutput) => o.emf().flatMap((d) => d._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)));
const metric = (o: CapturedOutput, name: string) => o.emf().filter((d) => d[name] !== undefined);

describe('upload handler telemetry', () => {
  it('emits UploadAttempts, ArthurLatency and InferencesSent per model as EMF, and logs the correlation fields without the token', async () => {
    configureUpload();
    const { handler } = await import('../../../functions/upload/handler.js');
    output = captureOutput();
    await handler(uploadEvent(), context);

    expect(metricNames(output).sort()).toEqual(['ArthurLatency', 'InferencesFailed', 'InferencesSent', 'UploadAttempts']);
    const sent = metric(output, 'InferencesSent')[0]!;
    expect(sent).toMatchObject({ service: 'capture-router', Function: 'upload', ModelId: MODEL, InferencesSent: inferences });
    expect(sent._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'CaptureRouter', Dimensions: [['service', 'Function'], ['service', 'ModelId']] });
    expect(metric(output, 'ArthurLatency')[0]!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'ArthurLatency', Unit: 'Milliseconds' }]);

    const log = output.json().find((l) => l.message === 'arthur took the part')!;
    expect(log).toMatchObject({ level: 'INFO', bucket: BUCKET, key: KEY, modelId: MODEL, function: 'upload', function_request_id: 'req-1' });
    expect(log.executionName).toMatch(/^ep-AllTraffic-00-01-123-abcd-[0-9a-f]{24}$/);
    expect(output.text()).not.toContain(TOKEN);
  });

  // A 401 is answered twice: the deployed handler reads the secret again after the first (a rotated token) and
  // tries once more before it gives up.
  it.each([
    [503, 'ArthurUnavailableError', true, 1],
    [401, 'ArthurAuthError', false, 2],
  ])('counts a %i as UploadFailures{ErrorName=%s} (ArthurServerErrors: %s) and never logs the token', async (status, errorName, serverError, count) => {
    configureUpload();
    const { handler } = await import('../../../functions/upload/handler.js');
    arthur.setFaults({ status, count });
    output = captureOutput();
    await expect(handler(uploadEvent(), context)).rejects.toMatchObject({ name: errorName });

    expect(metric(output, 'UploadFailures')).toEqual([expect.objectContaining({ ErrorName: errorName, ModelId: MODEL, UploadFailures: 1 })]);
    expect(metric(output, 'UploadFailures')[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toContainEqual(['service', 'ModelId', 'ErrorName']);
    expect(metric(output, 'ArthurServerErrors')).toHaveLength(serverError ? 1 : 0);
    expect(metric(output, 'UploadAttempts')).toHaveLength(1);
    expect(output.json().find((l) => l.message === 'upload failed')).toMatchObject({ level: 'ERROR', errorName, status, key: KEY, modelId: MODEL });
    expect(output.text()).not.toContain(TOKEN);
  });
});

describe('Powertools telemetry', () => {
  it('redacts secret-named fields at any depth, even when code logs a whole request by mistake', () => {
    const telemetry = createTelemetry('upload');
    output = captureOutput();
    withFields(telemetry.log, { bucket: BUCKET })('info', 'oops', { token: TOKEN, request: { headers: { authorization: `Bearer ${TOKEN}` } }, tokenSecretArn: ARN });
    expect(output.text()).not.toContain(TOKEN);
    expect(output.json()[0]).toMatchObject({ bucket: BUCKET, token: '[REDACTED]', request: { headers: { authorization: '[REDACTED]' } }, tokenSecretArn: ARN });
  });

  it('router: FilesRouted per model and FilesUnrouted per reason, with the file in the log line', async () => {
    const telemetry = createTelemetry('router');
    const mapping: MappingItem = { prefix: 'ep/', modelId: MODEL, enabled: true, createdAt: '', updatedAt: '' };
    const resolver = { resolve: async (key: string) => ({ normalizedKey: key, candidates: [], fetched: 0, ...(key.startsWith('ep/') ? { match: { prefix: 'ep/', mapping } } : {}) }) };
    const starter = { start: async ({ name }: { name: string }) => ({ started: true, executionArn: `arn:aws:states:us-east-1:1:execution:x:${name}` }) };
    const record = (key: string) => ({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key, eTag: 'e', size: 1 } } });
    output = captureOutput();
    await routeEvent({ Records: [record(KEY), record('other/f.jsonl')] } as never, { resolver, starter: starter as never, log: telemetry.log, metrics: telemetry.metrics });

    expect(metric(output, 'FilesRouted')).toEqual([expect.objectContaining({ Function: 'router', ModelId: MODEL, FilesRouted: 1 })]);
    expect(metric(output, 'FilesUnrouted')).toEqual([expect.objectContaining({ Function: 'router', Reason: 'no-mapping', FilesUnrouted: 1 })]);
    expect(output.json().find((l) => l.message === 'execution started')).toMatchObject({ bucket: BUCKET, key: KEY, modelId: MODEL, executionName: expect.any(String) });
    expect(output.json().find((l) => l.message === 'capture file not routed')).toMatchObject({ level: 'WARN', key: 'other/f.jsonl', reason: 'no-mapping' });
  });

  it('validate: InferencesValidated and InferencesRejected per model', async () => {
    const telemetry = createTelemetry('validate');
    const bad = readFileSync('tests/fixtures/captures/mixed-bad-records.jsonl', 'utf8');
    output = captureOutput();
    const result = await validateCapture(
      { bucket: BUCKET, key: 'ep/mixed.jsonl', etag: 'e', size: bad.length, modelId: MODEL, mappingPrefix: 'ep/' },
      {
        openObject: async () => ({ body: Readable.from([bad]) }),
        putArtifact: async () => {},
        artifactsBucket: 'artifacts',
        limits: { maxBytes: 1 << 20, maxRecords: 1000 },
        log: telemetry.log,
        metrics: telemetry.metrics,
      },
    ).catch((e: unknown) => e);
    const rejected = (result as { rejected?: number }).rejected;
    expect(metric(output, 'InferencesRejected')).toEqual([expect.objectContaining({ Function: 'validate', ModelId: MODEL })]);
    if (rejected !== undefined) expect(metric(output, 'InferencesRejected')[0]!.InferencesRejected).toBe(rejected);
    expect(metric(output, 'InferencesValidated')).toHaveLength(1);
  });

  it('emits only names from METRIC_NAMES (the alarms and dashboard read those)', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });
});
