import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { layoutAsl, renderAslSvg } from '../../../src/operations/asl-graph.js';
import { explain } from '../../../src/operations/explain.js';

const definition = parseYaml(readFileSync('statemachines/ingest.asl.yml', 'utf8'));

describe('layoutAsl / renderAslSvg on statemachines/ingest.asl.yml', () => {
  it('places every state, the Map\'s inner UploadPart included, with Next, Choice, Catch and iteration edges', () => {
    const { nodes, edges } = layoutAsl(definition);
    expect(nodes.map((n) => n.name).sort()).toEqual([...Object.keys(definition.States), 'UploadPart'].sort());
    expect(nodes.find((n) => n.name === 'UploadPart')).toMatchObject({ parent: 'UploadParts' });
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: 'ValidateCapture', to: 'HasValidInferences', kind: 'next' },
        { from: 'HasValidInferences', to: 'UploadParts', kind: 'choice' },
        { from: 'ValidateCapture', to: 'RecordFailed', kind: 'catch' },
        { from: 'UploadParts', to: 'UploadPart', kind: 'iteration' },
      ]),
    );
  });

  it('marks the states of the path, the edges taken, the retried state and the state where it failed', () => {
    const names = ['ValidateCapture', 'HasValidInferences', 'UploadParts', 'UploadPart', 'RecordFailed', 'IngestFailed'];
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
    expect(svg).toMatch(/class="edge next taken" data-from="ValidateCapture" data-to="HasValidInferences"/);
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

  it('names the fix of an auth failure and says a file with neither execution nor record was not routed', () => {
    expect(explain({ objectKey: 'b/k', status: 'FAILED', modelId: 'm', executionName: 'n', error: 'ArthurAuthError' } as never, undefined, undefined).hint).toMatch(/token secret/);
    expect(explain(undefined, undefined, undefined)).toMatchObject({ verdict: 'NOT_ROUTED', hint: expect.stringContaining('mappings resolve') });
  });
});
