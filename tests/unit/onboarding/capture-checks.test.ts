import { describe, expect, it } from '@jest/globals';
import { type CaptureCheck, capturePath, type DataCaptureFacts, type EndpointFacts, runCaptureChecks } from '../../../src/onboarding/capture-checks.js';

const now = new Date('2026-12-02T05:00:00Z');
const good: DataCaptureFacts = {
  EnableCapture: true,
  InitialSamplingPercentage: 100,
  DestinationS3Uri: 's3://datacapture/models',
  CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
  CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
};
const facts = (capture: DataCaptureFacts | undefined, extra: Partial<EndpointFacts> = {}): EndpointFacts => ({
  endpoint: 'fraud',
  config: { value: { endpointConfigName: 'fraud-config', variant: 'AllTraffic', ...(capture ? { capture } : {}) } },
  captureBucket: 'datacapture',
  resolution: { value: { prefix: 'models/fraud/', modelId: 'm-1', enabled: true } },
  newest: { value: { key: 'models/fraud/AllTraffic/2026/12/02/04/x.jsonl', lastModified: new Date('2026-12-02T04:50:00Z') } },
  newestReport: { value: { valid: true, records: 3, errors: [] } },
  executions: { value: [{ name: 'e1', status: 'SUCCEEDED' }] },
  now,
  recentMs: 86_400_000,
  ...extra,
});
const byId = (checks: CaptureCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe('runCaptureChecks', () => {
  it('passes a well-configured endpoint and names its model', () => {
    const checks = runCaptureChecks(facts(good));
    expect(checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(byId(checks).mapping!.message).toBe('captures go to model m-1 (mapping models/fraud/)');
  });

  it.each<[CaptureCheck['id'], Partial<DataCaptureFacts>, string]>([
    ['sampling', { InitialSamplingPercentage: 20 }, 'set InitialSamplingPercentage to 100'],
    ['capture-options', { CaptureOptions: [{ CaptureMode: 'Input' }] }, 'set CaptureOptions to [{CaptureMode: Input}, {CaptureMode: Output}]'],
    ['content-type', { CaptureContentTypeHeader: undefined }, 'set CaptureContentTypeHeader'],
  ])('fails %s with its fix', (id, change, fix) => {
    const check = byId(runCaptureChecks(facts({ ...good, ...change })))[id]!;
    expect(check.status).toBe('fail');
    expect(check.fix).toContain(fix);
  });

  it('passes InputAndOutput as both sides', () => {
    expect(byId(runCaptureChecks(facts({ ...good, CaptureOptions: [{ CaptureMode: 'InputAndOutput' }] })))['capture-options']!.status).toBe('pass');
  });

  it('says BASE64 is still delivered, only larger and slower', () => {
    expect(byId(runCaptureChecks(facts({ ...good, CaptureContentTypeHeader: undefined })))['content-type']!.message).toContain('this router still decodes and delivers them');
  });

  it('stops after a disabled capture, and after an endpoint that cannot be described', () => {
    expect(runCaptureChecks(facts({ ...good, EnableCapture: false })).map((c) => [c.id, c.status])).toEqual([['endpoint', 'pass'], ['capture-enabled', 'fail']]);
    expect(runCaptureChecks({ ...facts(good), config: { error: 'ValidationException: Could not find endpoint' } }).map((c) => c.status)).toEqual(['fail']);
  });

  it('fails a destination outside the capture bucket, a missing or disabled mapping', () => {
    expect(byId(runCaptureChecks(facts({ ...good, DestinationS3Uri: 's3://elsewhere/models' }))).destination!.status).toBe('fail');
    const missing = byId(runCaptureChecks(facts(good, { resolution: { value: null } }))).mapping!;
    expect(missing).toMatchObject({ status: 'fail', fix: 'capture-router mappings put models/fraud/ MODEL_ID' });
    expect(byId(runCaptureChecks(facts(good, { resolution: { value: { prefix: 'models/', modelId: 'm', enabled: false } } }))).mapping!.status).toBe('fail');
  });

  it('fails stale or missing captures, an invalid newest file and failed executions', () => {
    expect(byId(runCaptureChecks(facts(good, { newest: { value: { key: 'k.jsonl', lastModified: new Date('2026-11-01T00:00:00Z') } } })))['recent-captures']!.message).toContain('31 days old');
    expect(byId(runCaptureChecks(facts(good, { newest: { value: null } })))['recent-captures']!.status).toBe('fail');
    const invalid = byId(runCaptureChecks(facts(good, { newestReport: { value: { valid: false, records: 2, errors: [{ line: 1, code: 'MISSING_OUTPUT', message: 'no endpointOutput' }] } } })))['newest-valid']!;
    expect(invalid.message).toContain('first at line 1: MISSING_OUTPUT');
    const failed = byId(runCaptureChecks(facts(good, { executions: { value: [{ name: 'e2', status: 'FAILED', error: 'ArthurAuthError' }, { name: 'e1', status: 'SUCCEEDED' }] } }))).executions!;
    expect(failed).toMatchObject({ status: 'fail', fix: 'capture-router executions show e2' });
  });

  it('reports KMS access as unknown without a capture to read, and as passed once one was read', () => {
    const kms = { ...good, KmsKeyId: 'arn:aws:kms:us-east-1:1:key/k' };
    expect(byId(runCaptureChecks(facts(kms, { newest: { value: null }, newestReport: undefined }))).kms!.status).toBe('unknown');
    expect(byId(runCaptureChecks(facts(kms))).kms!.status).toBe('pass');
    expect(byId(runCaptureChecks(facts(kms, { newestReport: { error: 'AccessDenied: KMS.AccessDeniedException' } }))).kms!.status).toBe('fail');
  });

  it.each([
    ['s3://datacapture/models', 'fraud', { bucket: 'datacapture', prefix: 'models/fraud/' }],
    ['s3://datacapture/models/', 'fraud', { bucket: 'datacapture', prefix: 'models/fraud/' }],
    ['s3://datacapture', 'fraud', { bucket: 'datacapture', prefix: 'fraud/' }],
    ['not-a-uri', 'fraud', undefined],
  ])('puts captures of %s for endpoint %s under %j', (uri, endpoint, where) => {
    expect(capturePath(uri, endpoint)).toEqual(where);
  });
});
