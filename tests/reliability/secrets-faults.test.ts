/**
 * Secrets Manager faults through the whole local stack (S3 put → router → Step Functions → UploadPart → the
 * receiver): UploadPart reads its token as the deployed function does — the real token provider over a real
 * SecretsManagerClient (standard retry mode, 3 attempts), here pointed at the local Secrets Manager, whose faults
 * answer with AWS's error types and statuses. Only the stack's public surface: a put in the bucket, the ingestion
 * record, the execution's history over the Step Functions API, the endpoints' counters and fault controls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { localSecretsManagerClient, localSfnClient } from '../../local/clients.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import type { SecretsFaultSpec } from '../../local/secrets-manager/index.js';
import type { IngestionItem } from '../../src/contracts.js';
import { attempts, captureKey, modelId, record, startReliabilityStack, type ReliabilityStack } from './support.js';

let r: ReliabilityStack;
let secrets: SecretsManagerClient;
let sfn: SFNClient;
let scenarioNo = 0;
const ROTATED = 'reliability-secrets-rotated-token-5b2e';

beforeAll(async () => {
  r = await startReliabilityStack();
  secrets = localSecretsManagerClient(r.stack.endpoints.secretsmanager);
  sfn = localSfnClient(r.stack.endpoints.sfn);
});

afterAll(async () => {
  if (r) {
    expect(await r.findSecret(r.stack.arthurToken)).toBeUndefined();
    expect(await r.findSecret(ROTATED)).toBeUndefined();
  }
  secrets?.destroy();
  sfn?.destroy();
  await r?.close();
});

interface FileOutcome {
  item: IngestionItem | undefined;
  /** The errors of the execution's TaskFailed events, in order: what the workflow's Retry saw. */
  taskFailures: string[];
  /** GetSecretValue calls the local Secrets Manager received during the scenario, and how many a fault answered. */
  reads: { calls: number; faults: number };
  /** Upload requests the receiver saw for the scenario's model (refused ones included). */
  uploads: number;
  /** From the put to the end of everything it started (the SDK's backoff included; the workflow's is zeroed). */
  ms: number;
}

/** A token secret of the scenario's own (a fresh entry in UploadPart's token cache), holding the stack's token. */
async function ownSecret(n: number): Promise<string> {
  const created = await secrets.send(new CreateSecretCommand({ Name: `capture-router/reliability-secrets-${n}`, SecretString: r.stack.arthurToken }));
  return created.ARN!;
}

/** Puts `files` capture files under a mapping of their own, with the faults armed, and runs everything to its end. */
async function runFiles(options: { files?: number; faults?: SecretsFaultSpec[]; tokenSecretArn?: string; between?: () => Promise<void> } = {}): Promise<FileOutcome[]> {
  const n = ++scenarioNo;
  const model = modelId(0x900 + n);
  const prefix = `secrets/scenario-${n}/`;
  await r.stack.putMapping(prefix, model, options.tokenSecretArn ? { tokenSecretArn: options.tokenSecretArn } : {});
  const outcomes: FileOutcome[] = [];
  for (let f = 0; f < (options.files ?? 1); f++) {
    if (f > 0) await options.between?.();
    const gen = new CaptureGenerator({ seed: 9000 + n * 10 + f, mix: ['csv', 'json1'] });
    const key = captureKey(prefix, n * 10 + f);
    const before = r.stack.secretsManager.stats().GetSecretValue ?? { calls: 0, faults: 0 };
    const uploadsBefore = attempts(r.stack, model);
    r.stack.secretsManager.setFaults(options.faults ?? []);
    const started = performance.now();
    await r.put(key, `${Array.from({ length: 4 }, () => gen.line().text).join('\n')}\n`);
    await r.stack.waitForIdle();
    const ms = Math.round(performance.now() - started);
    r.stack.secretsManager.setFaults([]);
    const after = r.stack.secretsManager.stats().GetSecretValue ?? { calls: 0, faults: 0 };
    const item = (await r.ingestions()).get(`${r.stack.captureBucket}/${key}`);
    outcomes.push({
      item,
      taskFailures: item ? (await history(item.executionName)).flatMap((e) => (e.type === 'TaskFailed' ? [e.taskFailedEventDetails?.error ?? '?'] : [])) : [],
      reads: { calls: after.calls - before.calls, faults: after.faults - before.faults },
      uploads: attempts(r.stack, model) - uploadsBefore,
      ms,
    });
  }
  return outcomes;
}

async function history(executionName: string): Promise<HistoryEvent[]> {
  const executionArn = `${r.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

describe('UploadPart reads its token from the local Secrets Manager', () => {
  it('reads the token the stack stored at start, once for three files at once (the token cache)', async () => {
    const n = ++scenarioNo;
    const model = modelId(0x900 + n);
    await r.stack.putMapping(`secrets/burst-${n}/`, model);
    const before = r.stack.secretsManager.stats().GetSecretValue?.calls ?? 0;
    await Promise.all([0, 1, 2].map((f) => r.put(captureKey(`secrets/burst-${n}/`, f), `${new CaptureGenerator({ seed: 8000 + f }).line().text}\n`)));
    await r.stack.waitForIdle();
    const items = [...(await r.ingestions()).values()].filter((i) => i.modelId === model);
    expect(items.map((i) => i.status)).toEqual(['UPLOADED', 'UPLOADED', 'UPLOADED']);
    expect((r.stack.secretsManager.stats().GetSecretValue?.calls ?? 0) - before).toBe(1);
    expect(r.stack.secretsManager.names()).toContain(r.stack.env.ARTHUR_TOKEN_SECRET_ARN!.split(':secret:')[1]);
  });

  it('throttled twice: the SDK retries it itself (3 calls); the workflow sees no failure', async () => {
    const [out] = await runFiles({ tokenSecretArn: await ownSecret(scenarioNo + 1), faults: [{ error: 'ThrottlingException', count: 2 }] });
    record('secrets throttled twice', { status: out!.item?.status, reads: out!.reads, taskFailures: out!.taskFailures, uploads: out!.uploads, ms: out!.ms });
    expect(out).toMatchObject({ item: { status: 'UPLOADED' }, taskFailures: [], reads: { calls: 3, faults: 2 }, uploads: 1 });
  }, 30_000);

  it("throttled 4 times, outlasting the SDK's 3 attempts: SecretsUnavailableError, the workflow's Retry, UPLOADED", async () => {
    const [out] = await runFiles({ tokenSecretArn: await ownSecret(scenarioNo + 1), faults: [{ error: 'ThrottlingException', count: 4 }] });
    record('secrets throttled 4 times', { status: out!.item?.status, reads: out!.reads, taskFailures: out!.taskFailures, uploads: out!.uploads, ms: out!.ms });
    // First UploadPart attempt: 3 throttled calls, then the error; the retry: 1 throttled, 1 answered. Nothing was sent
    // on the failed attempt.
    expect(out).toMatchObject({ item: { status: 'UPLOADED' }, taskFailures: ['SecretsUnavailableError'], reads: { calls: 5, faults: 4 }, uploads: 1 });
  }, 30_000);

  it('ServiceUnavailable (503) 3 times: the same path for a 5xx', async () => {
    const [out] = await runFiles({ tokenSecretArn: await ownSecret(scenarioNo + 1), faults: [{ error: 'ServiceUnavailable', count: 3 }] });
    record('secrets 503 three times', { status: out!.item?.status, reads: out!.reads, taskFailures: out!.taskFailures, uploads: out!.uploads, ms: out!.ms });
    expect(out).toMatchObject({ item: { status: 'UPLOADED' }, taskFailures: ['SecretsUnavailableError'], reads: { calls: 4, faults: 3 }, uploads: 1 });
  }, 30_000);

  it("unavailable past the Retry's budget: FAILED SecretsUnavailableError after 1 + 5 attempts of 3 calls, nothing sent", async () => {
    const [out] = await runFiles({ tokenSecretArn: await ownSecret(scenarioNo + 1), faults: [{ error: 'ServiceUnavailable', count: 100 }] });
    record('secrets unavailable past the budget', { status: out!.item?.status, error: out!.item?.error, reads: out!.reads, taskFailures: out!.taskFailures.length, uploads: out!.uploads, ms: out!.ms });
    expect(out).toMatchObject({ item: { status: 'FAILED', error: 'SecretsUnavailableError' }, reads: { calls: 18, faults: 18 }, uploads: 0 });
    expect(out!.taskFailures).toEqual(Array(6).fill('SecretsUnavailableError'));
  }, 30_000);

  it('a mapping naming a secret that does not exist: FAILED ConfigurationError at once (ResourceNotFoundException, 400: not retried)', async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:capture-router/never-created-AbCdEf';
    const [out] = await runFiles({ tokenSecretArn: missing });
    expect(out).toMatchObject({ item: { status: 'FAILED', error: 'ConfigurationError' }, reads: { calls: 1, faults: 0 }, uploads: 0 });
    expect(out!.item?.cause).toContain('ResourceNotFoundException');
  });

  it('a rotated token (PutSecretValue) that Arthur now requires: the cached one gets a 401, UploadPart reads the secret again and succeeds once', async () => {
    const secretArn = r.stack.env.ARTHUR_TOKEN_SECRET_ARN!;
    const rotate = async () => {
      await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: ROTATED }));
      r.stack.receiver!.setToken(ROTATED);
    };
    // The first file warms the cache with the stack's token; then the key is rotated, in the secret and at Arthur.
    const [first, second] = await runFiles({ files: 2, between: rotate });
    record('secrets rotated', { first: first!.item?.status, second: second!.item?.status, reads: second!.reads, uploads: second!.uploads, taskFailures: second!.taskFailures, ms: second!.ms });
    expect(first).toMatchObject({ item: { status: 'UPLOADED' }, uploads: 1 });
    // One invocation: the 401 on the cached token, one GetSecretValue, the upload with the new token.
    expect(second).toMatchObject({ item: { status: 'UPLOADED' }, taskFailures: [], reads: { calls: 1, faults: 0 }, uploads: 2 });
  });
});
