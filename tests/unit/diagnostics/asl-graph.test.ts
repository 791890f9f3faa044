import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { layoutAsl, renderAslSvg } from '../../../src/diagnostics/asl-graph.js';
import { explain } from '../../../src/diagnostics/explain.js';

const definition = parseYaml(readFileSync('statemachines/ingest.asl.yml', 'utf8'));

describe('layoutAsl / renderAslSvg on statemachines/ingest.asl.yml', () => {
  it('places every state, the Map\'s inner UploadPart included, with Next, Choice, Catch and iteration edges', () => {
    const { nodes, edges } = layoutAsl(definition);
    expect(nodes.map((n) => n.name).sort()).toEqual([...Object.keys(definition.States), 'UploadPart'].sort());
    expect(nodes.find((n) => n.name === 'UploadPart')).toMatchObject({ parent: 'UploadParts' });
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: 'ValidateCapture', to: 'UploadParts', kind: 'next' },
        { from: 'CheckOutcome', to: 'RecordUploaded', kind: 'choice' },
        { from: 'ValidateCapture', to: 'RecordFailed', kind: 'catch' },
        { from: 'UploadParts', to: 'UploadPart', kind: 'iteration' },
      ]),
    );
  });

  it('marks the states of the path, the edges taken, the retried state and the state where it failed', () => {
    const names = ['ValidateCapture', 'UploadParts', 'UploadPart', 'RecordFailed', 'IngestFailed'];
    const svg = renderAslSvg(definition, {
      states: names.map((name) => ({ name, exited: true })),
      visited: names,
      failures: [
        { state: 'UploadPart', attempt: 1, error: 'ArthurUnavailableError', retried: true },
        { state: 'UploadPart', attempt: 2, error: 'ArthurAuthError', retried: false },
      ],
      end: { error: 'ArthurAuthError' },
    });
    expect(svg).toMatch(/<g class="state visited failed" data-state="UploadPart" data-type="Task" data-retries="1">/);
    expect(svg).toMatch(/<g class="state visited failed" data-state="IngestFailed"/);
    expect(svg).toMatch(/<g class="state visited" data-state="ValidateCapture"/);
    expect(svg).toMatch(/<g class="state" data-state="RecordUploaded"/);
    expect(svg).toMatch(/class="edge next taken" data-from="ValidateCapture" data-to="UploadParts"/);
    expect(svg).toContain('attempt 2: ArthurAuthError');
  });
});

describe('explain', () => {
  it.each([
    [{ status: 'UPLOADED', inferences: 3, partCount: 1 }, 'DELIVERED'],
    [{ status: 'PARTIAL', rejected: 2, quarantineKey: 'q.rejected.jsonl' }, 'PARTIAL'],
    [{ status: 'REJECTED', error: 'CaptureRejectedError', cause: '{"errorType":"CaptureRejectedError","errorMessage":"no inference"}' }, 'REJECTED'],
    [{ status: 'FAILED', error: 'ArthurAuthError', cause: '{"errorMessage":"HTTP 401"}' }, 'FAILED'],
  ])('gives %j the verdict %s', (record, verdict) => {
    const e = explain({ objectKey: 'b/k', modelId: 'm', executionName: 'n', ...record } as never, { status: 'SUCCEEDED' }, undefined, 'artifacts');
    expect(e.verdict).toBe(verdict);
    expect(e.reason).not.toContain('errorType');
  });

  it('says how many inferences of a delivered file came with an earlier attempt whose answer was lost', () => {
    const parts = [
      { partIndex: 0, httpStatus: 207, inferences: 4, success: 4, failure: 0, alreadyPresent: 0, total: 4 },
      { partIndex: 1, httpStatus: 207, inferences: 6, success: 0, failure: 0, alreadyPresent: 6, total: 6 },
    ];
    const e = explain({ objectKey: 'b/k', status: 'UPLOADED', modelId: 'm', executionName: 'n', inferences: 10, partCount: 2, parts } as never, { status: 'SUCCEEDED' }, undefined);
    expect(e).toMatchObject({ verdict: 'DELIVERED', reason: expect.stringContaining('6 of them reached Arthur with an earlier attempt') });
    expect(explain({ objectKey: 'b/k', status: 'UPLOADED', modelId: 'm', executionName: 'n', inferences: 4, partCount: 1, parts: [parts[0]] } as never, undefined, undefined).reason).not.toMatch(/earlier attempt/);
  });

  it('names the fix of an auth failure and says a file with neither execution nor record was not routed', () => {
    expect(explain({ objectKey: 'b/k', status: 'FAILED', modelId: 'm', executionName: 'n', error: 'ArthurAuthError' } as never, undefined, undefined).hint).toMatch(/token secret/);
    expect(explain(undefined, undefined, undefined)).toMatchObject({ verdict: 'NOT_ROUTED', hint: expect.stringContaining('mappings resolve') });
  });
});
