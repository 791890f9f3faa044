import { describe, expect, it } from '@jest/globals';
import { contentHash, executionName, replayExecutionName } from '../../../src/routing/execution-name.js';

const source = { bucket: 'datacapture', key: 'captures/churn-endpoint/AllTraffic/2024/05/01/13/05-31-123-4f1c2d3e.jsonl', etag: '"9b2cf535f27731c974343645a3985328"' };

describe('replayExecutionName', () => {
  it('keeps the router’s readable part (shortened) and hash, suffixed with the replay id', () => {
    const name = replayExecutionName(source, '20261125T101500Z');
    // The readable part gives way (37 characters left) so that hash and suffix always fit.
    expect(name).toBe(`churn-endpoint-AllTraffic-05-31-123-4-${contentHash(source)}-r20261125T101500Z`);
    expect(name).toHaveLength(80);
    expect(name).not.toBe(executionName(source));
  });

  it.each([
    ['a long endpoint name', { ...source, key: `captures/${'e'.repeat(200)}/AllTraffic/2024/05/01/13/${'f'.repeat(120)}.jsonl` }],
    ['a key outside SageMaker’s layout', { ...source, key: `${'x/'.repeat(100)}y.jsonl` }],
    ['a key with no readable part', { ...source, key: '…/….jsonl' }],
  ])('stays within 80 characters of [0-9A-Za-z_-] for %s, hash and suffix intact', (_case, s) => {
    const name = replayExecutionName(s, '20261125T101500Z');
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
    expect(name.endsWith(`${contentHash(s)}-r20261125T101500Z`)).toBe(true);
  });

  it('gives two replays of one file two names, and one replay the same name every time', () => {
    expect(replayExecutionName(source, '20261125T101500Z')).toBe(replayExecutionName(source, '20261125T101500Z'));
    expect(replayExecutionName(source, '20261125T101500Z')).not.toBe(replayExecutionName(source, '20261126T090000Z'));
  });

  it('gives two long replay ids that share their first 53 characters two names, each within 80 characters', () => {
    const common = 'backfill_2026_11_25_full_history_of_every_endpoint_x_';
    const [a, b] = [`${common}first`, `${common}second`].map((id) => replayExecutionName(source, id));
    expect(a).not.toBe(b);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
      expect(name).toContain(contentHash(source));
    }
    expect(replayExecutionName(source, `${common}first`)).toBe(a);
  });

  it('keeps a replay id of 53 name characters as it is', () => {
    const id = 'x'.repeat(53);
    expect(replayExecutionName(source, id).endsWith(`-r${id}`)).toBe(true);
  });
});
