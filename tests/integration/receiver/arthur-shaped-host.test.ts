/**
 * The issue-11 contract end to end: the local stack pointed at another Arthur-shaped host (as
 * `capture-router local --arthur-host URL --arthur-token-env VAR --arthur-org-id ID` does), which requires the
 * raw token and the organization header and answers in Arthur's SageMakerDataResponse shape.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startArthurReceiver, type ArthurReceiver } from '../../../local/arthur/index.js';
import { CaptureGenerator } from '../../../local/capture-generator.js';
import { CaptureChecker } from '../../../src/capture/index.js';
import { captureKey, modelId, startReliabilityStack, type ReliabilityStack } from '../../reliability/support.js';
import { outcomesOf } from '../../support/part-manifest.js';

const TOKEN = 'arthur-shaped-host-token-31';
const ORG = '5b7d9f1a-3c5e-4a7b-9d1f-3a5c7e9b1d3f';
const MODEL = modelId(0x1101);

let arthur: ArthurReceiver;
let r: ReliabilityStack;

beforeAll(async () => {
  arthur = await startArthurReceiver({ token: TOKEN, organizationId: ORG });
  r = await startReliabilityStack({ arthurHost: arthur.url, arthurToken: TOKEN, arthurOrganizationId: ORG });
  await r.stack.putMapping('org/', MODEL);
});
afterAll(async () => {
  await r?.close();
  await arthur?.close();
});

function file(seed: number): { text: string; ids: string[] } {
  const generator = new CaptureGenerator({ seed, inferenceIdRate: 0.5 });
  const checker = new CaptureChecker();
  let text = '';
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const line = generator.line().text;
    text += `${line}\n`;
    const result = checker.check(line, i + 1);
    if (result.ok) ids.push(...result.partnerInferenceIds);
  }
  return { text, ids };
}

async function deliver(key: string, text: string) {
  await r.put(key, text);
  await r.stack.waitForIdle();
  return (await r.ingestions()).get(`${r.stack.captureBucket}/${key}`);
}

describe('against an Arthur-shaped host that requires its organization', () => {
  it('a clean file ends UPLOADED', async () => {
    const { text, ids } = file(1);
    const item = await deliver(captureKey('org/', 1), text);
    expect(item?.status).toBe('UPLOADED');
    expect(arthur.received(MODEL).length).toBe(ids.length);
  });

  it('a file with one refused inference ends PARTIAL, and its record names that partner ID', async () => {
    const { text, ids } = file(2);
    arthur.setFaults({ partialFailures: 1 });
    const item = await deliver(captureKey('org/', 2), text);
    const held = new Set(arthur.received(MODEL).map((i) => i.partnerInferenceId));
    const refused = ids.filter((id) => !held.has(id));
    expect(refused).toHaveLength(1);
    expect(item?.status).toBe('PARTIAL');
    const parts = await outcomesOf(r.s3, item);
    expect(parts.map((p) => p.refused.ids)).toEqual([refused]);
    expect(parts[0]).toMatchObject({ refused: { count: 1 }, countsCheck: 'ok' });
    expect(parts[0]!.refused.messages).toEqual(['injected fault: inference not ingested']);
  });
});
