import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { text as readAll } from 'node:stream/consumers';
import { CaptureChecker, CaptureNormalizer, checkCaptureFile, type QuarantineEntry } from '../../../src/capture/index.js';
import { b64, csvRecord, jsonRecord, patched } from './builders.js';

const check = (line: string) => new CaptureChecker().check(line, 1);

async function normalize(content: string): Promise<{ out: string; rejected: QuarantineEntry[]; normalizer: CaptureNormalizer }> {
  const normalizer = new CaptureNormalizer();
  const rejectedText = readAll(normalizer.rejected);
  const out = readAll(Readable.from([Buffer.from(content)]).pipe(normalizer));
  const rejected = (await rejectedText).split('\n').filter(Boolean).map((l) => JSON.parse(l) as QuarantineEntry);
  return { out: await out, rejected, normalizer };
}

describe('normalization of what Arthur cannot take as it is', () => {
  it('decodes a BASE64 CSV side and labels it CSV, keeping the content type', () => {
    const line = patched(csvRecord(), (r) => Object.assign(r.captureData.endpointInput, { data: b64('1,2,3\n4,5,6\n'), encoding: 'BASE64' }));
    const result = check(line.replace('"data":"0.0107"', '"data":"0.1\\n0.2"'));
    expect(result).toMatchObject({ ok: true, normalized: true, inferences: 2 });
    const side = JSON.parse((result as { text: string }).text).captureData.endpointInput;
    expect(side).toEqual({ observedContentType: 'text/csv', mode: 'INPUT', data: '1,2,3\n4,5,6\n', encoding: 'CSV' });
  });

  it('decodes a BASE64 JSON side and labels it JSON', () => {
    const base = jsonRecord({ instances: [{ features: [1, 2] }] }, { predictions: [{ score: 0.4 }] });
    const line = patched(base, (r) => Object.assign(r.captureData.endpointOutput, { data: b64('{"predictions": [{"score": 0.4}]}'), encoding: 'BASE64' }));
    const result = check(line);
    expect(result).toMatchObject({ ok: true, normalized: true, inferences: 1 });
    expect(JSON.parse((result as { text: string }).text).captureData.endpointOutput).toMatchObject({ data: '{"predictions": [{"score": 0.4}]}', encoding: 'JSON', observedContentType: 'application/json' });
  });

  it('decodes BASE64 in a declared charset and relabels it UTF-8', () => {
    const latin1 = Buffer.from('caf\u00e9', 'latin1').toString('base64');
    const line = patched(csvRecord(), (r) => Object.assign(r.captureData.endpointInput, { observedContentType: 'text/csv; charset=ISO-8859-1', data: latin1, encoding: 'BASE64' }));
    const side = JSON.parse((check(line) as { text: string }).text).captureData.endpointInput;
    expect(side).toMatchObject({ data: 'caf\u00e9', encoding: 'CSV', observedContentType: 'text/csv; charset=utf-8' });
  });

  it('converts JSON Lines sides to {"instances": [...]} and {"predictions": [...]}', () => {
    const line = JSON.stringify({
      captureData: {
        endpointInput: { observedContentType: 'application/jsonlines', mode: 'INPUT', data: '{"features":[1,2]}\n{"features":[3,4]}', encoding: 'JSON' },
        endpointOutput: { observedContentType: 'application/jsonlines', mode: 'OUTPUT', data: '{"predicted_label":1,"score":0.9}\n{"predicted_label":0,"score":0.2}\n', encoding: 'JSON' },
      },
      eventMetadata: { eventId: 'jl', inferenceTime: '2023-01-19T05:31:46Z' },
      eventVersion: '0',
    });
    const result = check(line);
    expect(result).toMatchObject({ ok: true, normalized: true, inferences: 2, partnerInferenceIds: ['jl_0', 'jl_1'] });
    const { endpointInput, endpointOutput } = JSON.parse((result as { text: string }).text).captureData;
    expect(endpointInput).toEqual({ observedContentType: 'application/json', mode: 'INPUT', data: '{"instances":[{"features":[1,2]},{"features":[3,4]}]}', encoding: 'JSON' });
    expect(JSON.parse(endpointOutput.data)).toEqual({ predictions: [{ predicted_label: 1, score: 0.9 }, { predicted_label: 0, score: 0.2 }] });
  });

  it('converts BASE64 JSON Lines: decoded, then converted', () => {
    const line = patched(jsonRecord({ instances: [{ a: 1 }] }, {}), (r) =>
      Object.assign(r.captureData.endpointOutput, { observedContentType: 'application/jsonlines', data: b64('{"s":1}\n'), encoding: 'BASE64' }),
    );
    const out = JSON.parse((check(line) as { text: string }).text).captureData.endpointOutput;
    expect(out).toMatchObject({ observedContentType: 'application/json', data: '{"predictions":[{"s":1}]}', encoding: 'JSON' });
  });

  it('rejects JSON Lines whose rows are not objects', () => {
    const line = patched(jsonRecord({ instances: [{ a: 1 }] }, {}), (r) => Object.assign(r.captureData.endpointOutput, { observedContentType: 'application/jsonlines', data: '[1]\n' }));
    expect(check(line)).toMatchObject({ ok: false, code: 'BAD_JSON_SHAPE' });
  });

  it('passes a clean record through byte for byte, spacing and key order included', async () => {
    const line = `{"eventVersion":"0",  "captureData":${JSON.stringify(csvRecord().captureData)},"eventMetadata":{"eventId":"x","inferenceTime":"2024-01-19T19:27:57Z"}}`;
    const { out } = await normalize(`${line}\n`);
    expect(out).toBe(`${line}\n`);
  });

  it('routes invalid records to the second stream with line, code, message and the record as it came', async () => {
    const good = JSON.stringify(csvRecord('g1'));
    const bad = patched(csvRecord('b1'), (r) => (r.eventMetadata.inferenceTime = 'not a time'));
    const { out, rejected, normalizer } = await normalize(`${good}\n\n${bad}\n${good}\n`);
    expect(out).toBe(`${good}\n`);
    expect(rejected).toEqual([
      { line: 3, code: 'BAD_INFERENCE_TIME', message: expect.any(String), record: bad },
      { line: 4, code: 'DUPLICATE_PARTNER_ID', message: expect.stringContaining('line 1'), record: good },
    ]);
    expect(normalizer.report()).toMatchObject({ records: 3, inferences: 1, rejected: 2, valid: false });
  });
});

describe('normalized output validates clean and keeps the partner IDs', () => {
  const lines = [
    patched(csvRecord('n1'), (r) => Object.assign(r.captureData.endpointInput, { data: b64('1,2'), encoding: 'BASE64' })),
    JSON.stringify(jsonRecord({ instances: [{ features: [1] }] }, { predictions: [{ probabilities: [1, 0] }] }, 'n2')),
    patched(jsonRecord({ instances: [{ a: 1 }, { a: 2 }] }, {}, 'n3'), (r) =>
      Object.assign(r.captureData.endpointOutput, { observedContentType: 'application/jsonlines', data: '{"s":1}\n{"s":2}' }),
    ),
  ];
  it('for a file mixing BASE64, JSON and JSON Lines records', async () => {
    const input = `${lines.join('\n')}\n`;
    const before = await checkCaptureFile(Readable.from([input]), { collectPartnerIds: true });
    const { out } = await normalize(input);
    const after = await checkCaptureFile(Readable.from([out]), { collectPartnerIds: true });
    expect(before).toMatchObject({ valid: true, normalized: true, inferences: 4 });
    expect(after).toMatchObject({ valid: true, normalized: false, inferences: 4, partnerInferenceIds: before.partnerInferenceIds });
  });
});
