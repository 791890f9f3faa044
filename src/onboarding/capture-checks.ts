/**
 * `capture-router doctor`'s checks, pure: given what was read about one SageMaker endpoint (its endpoint config's
 * DataCaptureConfig, the mapping its captures resolve to, the newest capture and its validation, the last
 * executions), one verdict per check with the fix. What each check wants is Arthur's SageMaker Data Capture guide
 * (Input and Output, a content-type header so payloads are not BASE64) and SageMaker's DataCaptureConfig
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html).
 */

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface CaptureCheck {
  id: 'endpoint' | 'capture-enabled' | 'sampling' | 'capture-options' | 'content-type' | 'kms' | 'destination' | 'mapping' | 'recent-captures' | 'newest-valid' | 'executions';
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface DataCaptureFacts {
  EnableCapture?: boolean;
  InitialSamplingPercentage?: number;
  DestinationS3Uri?: string;
  KmsKeyId?: string;
  CaptureOptions?: Array<{ CaptureMode?: string }>;
  CaptureContentTypeHeader?: { CsvContentTypes?: string[]; JsonContentTypes?: string[] };
}

/** A value read, or why it could not be. */
export type Read<T> = { value: T } | { error: string };

export interface EndpointFacts {
  endpoint: string;
  /** DescribeEndpoint → DescribeEndpointConfig; an error when either failed. */
  config: Read<{ endpointConfigName: string; capture?: DataCaptureFacts; variant: string }>;
  captureBucket?: string;
  /** The admin API's /resolve of a key under the endpoint's capture path (undefined: not asked). */
  resolution?: Read<{ prefix: string; modelId: string; enabled: boolean } | null>;
  /** The newest object under {dest}/{endpoint}/ (null: none). */
  newest?: Read<{ key: string; lastModified: Date } | null>;
  /** checkCaptureFile of the newest object. */
  newestReport?: Read<{ valid: boolean; records: number; errors: Array<{ line: number; code: string; message: string }> }>;
  /** The model's last executions, newest first (undefined: the workflow was not named). */
  executions?: Read<Array<{ name: string; status: string; outcome?: string; error?: string }>>;
  now: Date;
  /** How old the newest capture may be. */
  recentMs: number;
}

/** Where SageMaker writes an endpoint's captures: {dest}/{endpoint}/{variant}/yyyy/mm/dd/hh/…jsonl. */
export function capturePath(destinationS3Uri: string, endpoint: string): { bucket: string; prefix: string } | undefined {
  const m = /^(?:s3|https):\/\/([^/]+)\/?(.*)$/.exec(destinationS3Uri);
  if (!m) return undefined;
  const path = m[2]!.replace(/\/+$/, '');
  return { bucket: m[1]!, prefix: `${path ? `${path}/` : ''}${endpoint}/` };
}

/**
 * @example
 * runCaptureChecks({ endpoint: 'fraud', config: { value: { endpointConfigName: 'c', variant: 'AllTraffic', capture: { InitialSamplingPercentage: 20, … } } }, … })
 *   .find((c) => c.id === 'sampling') // → { status: 'fail', message: 'InitialSamplingPercentage is 20 …', fix: 'set it to 100 …' }
 */
export function runCaptureChecks(facts: EndpointFacts): CaptureCheck[] {
  if ('error' in facts.config) return [{ id: 'endpoint', status: 'fail', message: facts.config.error, fix: 'check the endpoint name and region (aws sagemaker list-endpoints)' }];
  const { endpointConfigName, capture, variant } = facts.config.value;
  const checks: CaptureCheck[] = [{ id: 'endpoint', status: 'pass', message: `endpoint ${facts.endpoint} uses endpoint config ${endpointConfigName}` }];
  const newConfig = `create an endpoint config with the corrected DataCaptureConfig and run aws sagemaker update-endpoint --endpoint-name ${facts.endpoint} --endpoint-config-name NEW_CONFIG (an endpoint config cannot be changed in place)`;
  if (!capture || capture.EnableCapture === false) {
    checks.push({ id: 'capture-enabled', status: 'fail', message: capture ? 'DataCaptureConfig.EnableCapture is false: nothing is captured' : `endpoint config ${endpointConfigName} has no DataCaptureConfig: nothing is captured`, fix: `set EnableCapture true, InitialSamplingPercentage 100, CaptureOptions Input and Output; ${newConfig}` });
    return checks;
  }
  checks.push({ id: 'capture-enabled', status: 'pass', message: 'data capture is enabled' });
  const pct = capture.InitialSamplingPercentage;
  checks.push(
    pct === 100
      ? { id: 'sampling', status: 'pass', message: 'InitialSamplingPercentage is 100: every request is captured' }
      : { id: 'sampling', status: 'fail', message: `InitialSamplingPercentage is ${pct ?? 'unset'}: Arthur sees only ${pct ?? 0} % of the requests`, fix: `set InitialSamplingPercentage to 100; ${newConfig}` },
  );
  const modes = new Set((capture.CaptureOptions ?? []).map((o) => o.CaptureMode));
  const input = modes.has('Input') || modes.has('InputAndOutput');
  const output = modes.has('Output') || modes.has('InputAndOutput');
  checks.push(
    input && output
      ? { id: 'capture-options', status: 'pass', message: 'CaptureOptions capture Input and Output' }
      : { id: 'capture-options', status: 'fail', message: `CaptureOptions capture ${input ? 'Input' : output ? 'Output' : 'nothing'} only: Arthur needs both sides of each inference, and the router rejects such records (${input ? 'MISSING_OUTPUT' : 'MISSING_INPUT'})`, fix: `set CaptureOptions to [{CaptureMode: Input}, {CaptureMode: Output}]; ${newConfig}` },
  );
  const header = capture.CaptureContentTypeHeader;
  const types = [...(header?.CsvContentTypes ?? []), ...(header?.JsonContentTypes ?? [])];
  checks.push(
    types.length > 0
      ? { id: 'content-type', status: 'pass', message: `CaptureContentTypeHeader names ${types.join(', ')}: those payloads are captured as CSV/JSON text` }
      : { id: 'content-type', status: 'fail', message: 'no CaptureContentTypeHeader: SageMaker writes every payload BASE64-encoded; this router still decodes and delivers them, but files are about a third larger and slower to validate', fix: `set CaptureContentTypeHeader {CsvContentTypes: ["text/csv"], JsonContentTypes: ["application/json"]} to the types the endpoint serves; ${newConfig}` },
  );
  checks.push(kmsCheck(capture.KmsKeyId, facts));
  checks.push(...destinationChecks(capture.DestinationS3Uri, variant, facts));
  return checks;
}

function kmsCheck(kmsKeyId: string | undefined, facts: EndpointFacts): CaptureCheck {
  if (!kmsKeyId) return { id: 'kms', status: 'pass', message: "no KmsKeyId: captures use the bucket's default encryption" };
  const report = facts.newestReport;
  if (report && 'value' in report) return { id: 'kms', status: 'pass', message: `captures are encrypted with ${kmsKeyId}; the newest one could be read and decrypted with your credentials (ValidateCapture's role needs kms:Decrypt on it too)` };
  if (report && 'error' in report && /KMS|AccessDenied/i.test(report.error)) return { id: 'kms', status: 'fail', message: `reading the newest capture failed: ${report.error}`, fix: `grant kms:Decrypt on ${kmsKeyId} to the readers of the capture bucket (you, and the stack's ValidateCapture and UploadPart roles)` };
  return { id: 'kms', status: 'unknown', message: `captures are encrypted with ${kmsKeyId}; access is not checkable without a capture to read`, fix: `make sure the stack's ValidateCapture and UploadPart roles have kms:Decrypt on ${kmsKeyId}` };
}

function destinationChecks(uri: string | undefined, variant: string, facts: EndpointFacts): CaptureCheck[] {
  const where = uri ? capturePath(uri, facts.endpoint) : undefined;
  if (!where) return [{ id: 'destination', status: 'fail', message: `DestinationS3Uri ${uri ?? '(unset)'} is not an S3 URI`, fix: 'set DestinationS3Uri to s3://CAPTURE_BUCKET/PREFIX' }];
  const checks: CaptureCheck[] = [];
  if (facts.captureBucket && where.bucket !== facts.captureBucket) {
    checks.push({ id: 'destination', status: 'fail', message: `captures go to bucket ${where.bucket}, not the capture bucket ${facts.captureBucket}: the router never sees them`, fix: `set DestinationS3Uri to s3://${facts.captureBucket}/…, or deploy capture-router with captureBucket=${where.bucket}` });
  } else {
    checks.push({ id: 'destination', status: facts.captureBucket ? 'pass' : 'unknown', message: `captures are written under s3://${where.bucket}/${where.prefix}${variant}/yyyy/mm/dd/hh/`, ...(facts.captureBucket ? {} : { fix: 'pass --capture-bucket (or set CAPTURE_BUCKET) to check it is the watched bucket' }) });
  }
  checks.push(mappingCheck(where.prefix, facts));
  checks.push(...arrivalChecks(where, facts));
  return checks;
}

function mappingCheck(prefix: string, facts: EndpointFacts): CaptureCheck {
  const r = facts.resolution;
  if (!r) return { id: 'mapping', status: 'unknown', message: 'the admin API was not asked', fix: 'pass --endpoint URL of the admin API (or set CAPTURE_ROUTER_API_URL)' };
  if ('error' in r) return { id: 'mapping', status: 'unknown', message: `cannot ask the admin API: ${r.error}` };
  if (!r.value) return { id: 'mapping', status: 'fail', message: `no mapping covers ${prefix}: the router counts these captures as unrouted`, fix: `capture-router mappings put ${prefix} MODEL_ID` };
  if (!r.value.enabled) return { id: 'mapping', status: 'fail', message: `mapping ${r.value.prefix} → model ${r.value.modelId} is disabled`, fix: `capture-router mappings put ${r.value.prefix} ${r.value.modelId} (without --disabled)` };
  return { id: 'mapping', status: 'pass', message: `captures go to model ${r.value.modelId} (mapping ${r.value.prefix})` };
}

function arrivalChecks(where: { bucket: string; prefix: string }, facts: EndpointFacts): CaptureCheck[] {
  const n = facts.newest;
  const checks: CaptureCheck[] = [];
  if (!n) return checks;
  if ('error' in n) return [{ id: 'recent-captures', status: 'unknown', message: `cannot list s3://${where.bucket}/${where.prefix}: ${n.error}`, fix: `grant yourself s3:ListBucket on ${where.bucket}` }];
  if (!n.value) return [{ id: 'recent-captures', status: 'fail', message: `no capture under s3://${where.bucket}/${where.prefix} yet`, fix: 'invoke the endpoint (captures appear within minutes), and check the checks above' }];
  const age = facts.now.getTime() - n.value.lastModified.getTime();
  checks.push(
    age <= facts.recentMs
      ? { id: 'recent-captures', status: 'pass', message: `newest capture ${ago(age)} ago: ${n.value.key}` }
      : { id: 'recent-captures', status: 'fail', message: `newest capture is ${ago(age)} old (${n.value.lastModified.toISOString()}): ${n.value.key}`, fix: 'is the endpoint receiving traffic? (--recent sets how old is too old)' },
  );
  const report = facts.newestReport;
  if (report && 'error' in report) checks.push({ id: 'newest-valid', status: 'unknown', message: `cannot read ${n.value.key}: ${report.error}` });
  else if (report) {
    const first = report.value.errors[0];
    checks.push(
      report.value.valid
        ? { id: 'newest-valid', status: 'pass', message: `newest capture is valid by Arthur's rules (${report.value.records} records)` }
        : { id: 'newest-valid', status: 'fail', message: `newest capture has ${report.value.errors.length} invalid record(s)${first ? `, first at line ${first.line}: ${first.code} ${first.message}` : ''}`, fix: `capture-router validate on a copy of s3://${where.bucket}/${n.value.key} shows every record's reason` },
    );
  }
  checks.push(executionsCheck(facts));
  return checks;
}

function executionsCheck(facts: EndpointFacts): CaptureCheck {
  const e = facts.executions;
  if (!e) return { id: 'executions', status: 'unknown', message: 'the workflow was not named', fix: 'pass --state-machine-arn and --ingestions-table (or set CAPTURE_ROUTER_STATE_MACHINE_ARN, CAPTURE_ROUTER_INGESTIONS_TABLE)' };
  if ('error' in e) return { id: 'executions', status: 'unknown', message: `cannot list executions: ${e.error}` };
  if (e.value.length === 0) return { id: 'executions', status: 'fail', message: "no execution for this model yet: the router has started nothing for the endpoint's captures", fix: 'check the mapping above and the router function\'s logs; capture-router replay PREFIX starts the files already there' };
  const failed = e.value.filter((x) => x.status === 'FAILED' || x.status === 'TIMED_OUT' || x.status === 'ABORTED');
  const tally = new Map<string, number>();
  for (const x of e.value) tally.set(x.status, (tally.get(x.status) ?? 0) + 1);
  const counts = [...tally].map(([s, c]) => `${c} ${s}`).join(', ');
  if (failed.length === 0) return { id: 'executions', status: 'pass', message: `last ${e.value.length} execution(s): ${counts}` };
  const latest = failed[0]!;
  return { id: 'executions', status: 'fail', message: `last ${e.value.length} execution(s): ${counts}; newest failure ${latest.name}${latest.error ? ` (${latest.error})` : ''}`, fix: `capture-router executions show ${latest.name}` };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
