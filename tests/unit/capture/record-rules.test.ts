import { describe, expect, it } from '@jest/globals';
import { CaptureChecker, ERROR_CODES, isIsoInstant, parseContentType, type ErrorCode } from '../../../src/capture/index.js';
import { b64, csvRecord, jsonRecord, patched, type Rec } from './builders.js';

const check = (line: string) => new CaptureChecker().check(line, 1);

describe('a record that breaks one rule gets that rule\'s code', () => {
  const cases: Array<[string, string, ErrorCode]> = [
    ['a line that is not JSON', '{"captureData": {', 'MALFORMED_JSON'],
    ['a JSON array instead of a record', '[1, 2]', 'UNSUPPORTED_RECORD'],
    ['a ground-truth record (the mapping expects captures)', JSON.stringify({ groundTruthData: { data: '1', encoding: 'CSV' }, eventMetadata: { eventId: 'x', inferenceTime: '2024-01-19T19:27:57Z' } }), 'WRONG_RECORD_KIND'],
    ['a Model Monitor merged record (both kinds)', patched(csvRecord(), (r) => { r.groundTruthData = { data: '1', encoding: 'CSV' }; }), 'UNSUPPORTED_RECORD'],
    ['a batch transform record', JSON.stringify({ captureData: { batchTransformOutput: { data: '{}', encoding: 'JSON' } }, eventMetadata: { eventId: 'x' } }), 'UNSUPPORTED_RECORD'],
    ['a record without captureData', JSON.stringify({ eventMetadata: { eventId: 'x' } }), 'UNSUPPORTED_RECORD'],
    ['no endpointInput', patched(csvRecord(), (r) => delete r.captureData.endpointInput), 'MISSING_INPUT'],
    ['endpointInput without data', patched(csvRecord(), (r) => delete r.captureData.endpointInput.data), 'MISSING_INPUT'],
    ['endpointInput with empty data', patched(csvRecord(), (r) => (r.captureData.endpointInput.data = '  ')), 'MISSING_INPUT'],
    ['endpointInput data that is a number', patched(csvRecord(), (r) => (r.captureData.endpointInput.data = 5)), 'MISSING_INPUT'],
    ['no endpointOutput', patched(csvRecord(), (r) => delete r.captureData.endpointOutput), 'MISSING_OUTPUT'],
    ['endpointOutput that is null', patched(csvRecord(), (r) => (r.captureData.endpointOutput = null)), 'MISSING_OUTPUT'],
    ['no eventMetadata', patched(csvRecord(), (r) => delete r.eventMetadata), 'MISSING_EVENT_ID'],
    ['no eventId', patched(csvRecord(), (r) => delete r.eventMetadata.eventId), 'MISSING_EVENT_ID'],
    ['an empty eventId', patched(csvRecord(), (r) => (r.eventMetadata.eventId = '')), 'MISSING_EVENT_ID'],
    ['a numeric eventId', patched(csvRecord(), (r) => (r.eventMetadata.eventId = 7)), 'MISSING_EVENT_ID'],
    ['no inferenceTime', patched(csvRecord(), (r) => delete r.eventMetadata.inferenceTime), 'BAD_INFERENCE_TIME'],
    ['an unfilled time template', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '{%s}')), 'BAD_INFERENCE_TIME'],
    ['a time without zone', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2024-01-19T19:27:57')), 'BAD_INFERENCE_TIME'],
    ['a date without time', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2024-01-19')), 'BAD_INFERENCE_TIME'],
    ['February 30th', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2023-02-30T00:00:00Z')), 'BAD_INFERENCE_TIME'],
    ['February 29th of a common year', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2023-02-29T10:00:00Z')), 'BAD_INFERENCE_TIME'],
    ['a letter in the seconds', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2023-02-03T10:00:0aZ')), 'BAD_INFERENCE_TIME'],
    ['an offset of 25 hours', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2023-02-03T10:00:00+25:00')), 'BAD_INFERENCE_TIME'],
    ['hour 24', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2023-02-03T24:00:00Z')), 'BAD_INFERENCE_TIME'],
    ['epoch seconds', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = 1700000000)), 'BAD_INFERENCE_TIME'],
    ['an encoding SageMaker never writes', patched(csvRecord(), (r) => (r.captureData.endpointInput.encoding = 'UTF8')), 'UNSUPPORTED_ENCODING'],
    ['a missing encoding', patched(csvRecord(), (r) => delete r.captureData.endpointOutput.encoding), 'UNSUPPORTED_ENCODING'],
    ['BASE64 of an image', patched(csvRecord(), (r) => Object.assign(r.captureData.endpointInput, { observedContentType: 'image/jpeg', data: b64('jpeg'), encoding: 'BASE64' })), 'UNSUPPORTED_ENCODING'],
    ['BASE64 with no content type', patched(csvRecord(), (r) => Object.assign(r.captureData.endpointOutput, { observedContentType: null, data: b64('0.5'), encoding: 'BASE64' })), 'UNSUPPORTED_ENCODING'],
    ['BASE64 that is not base64', patched(csvRecord(), (r) => Object.assign(r.captureData.endpointInput, { data: '***not base64***', encoding: 'BASE64' })), 'UNSUPPORTED_ENCODING'],
    ['BASE64 of bytes that are not UTF-8', patched(csvRecord(), (r) => Object.assign(r.captureData.endpointInput, { data: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'), encoding: 'BASE64' })), 'UNSUPPORTED_ENCODING'],
    ['an XML side', patched(csvRecord(), (r) => (r.captureData.endpointInput.observedContentType = 'application/xml')), 'UNSUPPORTED_CONTENT_TYPE'],
    ['a content type that is a number', patched(csvRecord(), (r) => (r.captureData.endpointOutput.observedContentType = 3)), 'UNSUPPORTED_CONTENT_TYPE'],
    ['CSV with an unclosed quote', patched(csvRecord(), (r) => (r.captureData.endpointInput.data = '1,"open,2')), 'UNSUPPORTED_CONTENT_TYPE'],
    ['JSON data that does not parse', patched(jsonRecord({ instances: [{ a: 1 }] }, { predictions: [{ s: 1 }] }), (r) => (r.captureData.endpointInput.data = '{"instances": [')), 'BAD_JSON_SHAPE'],
    ['a flat list of scalars', JSON.stringify(jsonRecord({ instances: [1.0, 2.0, 5.0] }, { predictions: [3.5] })), 'BAD_JSON_SHAPE'],
    ['a bare array', JSON.stringify(jsonRecord([{ a: 1 }], { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['neither instances nor predictions', JSON.stringify(jsonRecord({ messages: [{ role: 'user' }] }, { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['both instances and predictions', JSON.stringify(jsonRecord({ instances: [{ a: 1 }], predictions: [{ a: 1 }] }, { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['instances that is an object', JSON.stringify(jsonRecord({ instances: { a: 1 } }, { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['an empty instances array', JSON.stringify(jsonRecord({ instances: [] }, { predictions: [] })), 'BAD_JSON_SHAPE'],
    ['features that is not a list', JSON.stringify(jsonRecord({ instances: [{ features: 3 }] }, { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['an empty inference object', JSON.stringify(jsonRecord({ instances: [{}] }, { predictions: [{ s: 1 }] })), 'BAD_JSON_SHAPE'],
    ['a feature named features beside others', JSON.stringify(jsonRecord({ instances: [{ age: 3, features: [1] }] }, { predictions: [{ s: 1 }] })), 'RESERVED_FEATURE_NAME'],
    ['an output named predictions', JSON.stringify(jsonRecord({ instances: [{ age: 3 }] }, { predictions: [{ predictions: 1 }] })), 'RESERVED_FEATURE_NAME'],
    ['a feature named instances', JSON.stringify(jsonRecord({ instances: [{ instances: 3 }] }, { predictions: [{ s: 1 }] })), 'RESERVED_FEATURE_NAME'],
    ['features and probabilities in one object', JSON.stringify(jsonRecord({ instances: [{ features: [1], probabilities: [2] }] }, { predictions: [{ s: 1 }] })), 'RESERVED_FEATURE_NAME'],
    ['two CSV rows in, one out', patched(csvRecord(), (r) => (r.captureData.endpointInput.data = '1,2\n3,4\n')), 'COUNT_MISMATCH'],
    ['two JSON instances in, one CSV row out', patched(jsonRecord({ instances: [{ a: 1 }, { a: 2 }] }, {}), (r) => Object.assign(r.captureData.endpointOutput, { observedContentType: 'text/csv', data: '0.5', encoding: 'CSV' })), 'COUNT_MISMATCH'],
  ];

  it.each(cases.map(([name, line, code]) => [name, code, line]))('%s → %s', (_name, code, line) => {
    const result = check(line);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.line).toBe(1);
      expect(result.message.length).toBeGreaterThan(10);
    }
  });

  it('covers every error code but the file-level ones', () => {
    const covered = new Set(cases.map((c) => c[2]));
    expect(ERROR_CODES.filter((c) => !covered.has(c))).toEqual(['EMPTY_FILE', 'DUPLICATE_PARTNER_ID']);
  });
});

describe('when several rules are broken, the first in DESIGN order wins', () => {
  const cases: Array<[string, (r: Rec) => void, ErrorCode]> = [
    ['missing input beats missing output', (r) => { delete r.captureData.endpointInput; delete r.captureData.endpointOutput.data; }, 'MISSING_INPUT'],
    ['missing output beats missing event id', (r) => { delete r.captureData.endpointOutput; delete r.eventMetadata.eventId; }, 'MISSING_OUTPUT'],
    ['missing event id beats a bad time', (r) => { delete r.eventMetadata.eventId; r.eventMetadata.inferenceTime = 'yesterday'; }, 'MISSING_EVENT_ID'],
    ['a bad time beats a bad encoding', (r) => { r.eventMetadata.inferenceTime = 'yesterday'; r.captureData.endpointInput.encoding = 'X'; }, 'BAD_INFERENCE_TIME'],
    ['an output encoding beats an input content type', (r) => { r.captureData.endpointInput.observedContentType = 'application/xml'; r.captureData.endpointOutput.encoding = 'X'; }, 'UNSUPPORTED_ENCODING'],
    ['an output content type beats an input JSON shape', (r) => {
      Object.assign(r.captureData.endpointInput, { observedContentType: 'application/json', data: '[1]', encoding: 'JSON' });
      r.captureData.endpointOutput.observedContentType = 'image/png';
    }, 'UNSUPPORTED_CONTENT_TYPE'],
    ['an output shape beats an input reserved name', (r) => {
      Object.assign(r.captureData.endpointInput, { observedContentType: 'application/json', data: '{"instances":[{"features":1,"x":2}]}', encoding: 'JSON' });
      Object.assign(r.captureData.endpointOutput, { observedContentType: 'application/json', data: '{"predictions":[5]}', encoding: 'JSON' });
    }, 'BAD_JSON_SHAPE'],
    ['a reserved name beats a count mismatch', (r) => {
      Object.assign(r.captureData.endpointInput, { observedContentType: 'application/json', data: '{"instances":[{"predictions":1},{"a":2}]}', encoding: 'JSON' });
    }, 'RESERVED_FEATURE_NAME'],
  ];
  it.each(cases)('%s', (_name, patch, code) => {
    const result = check(patched(csvRecord(), patch));
    expect(result.ok ? 'ok' : result.code).toBe(code);
  });
});

describe('valid records', () => {
  it.each([
    ['CSV with a charset parameter', patched(csvRecord(), () => undefined), 1],
    ['CSV rows with quoted commas and a quoted newline', patched(csvRecord(), (r) => {
      r.captureData.endpointInput.data = '1,"Smith, John","line one\nline two"\n2,"x",y\n';
      r.captureData.endpointOutput.data = '0.1\n0.2';
    }), 2],
    ['CSV with an empty field and a trailing newline', patched(csvRecord(), (r) => (r.captureData.endpointInput.data = '107,,0\n')), 1],
    ['CSV with CRLF rows', patched(csvRecord(), (r) => { r.captureData.endpointInput.data = '1,2\r\n3,4\r\n'; r.captureData.endpointOutput.data = '0.1\r\n0.2'; }), 2],
    ['CSV in and JSON out (encodings differ per side)', patched(csvRecord(), (r) => Object.assign(r.captureData.endpointOutput, { observedContentType: 'application/json', data: '{"predictions": [{"score": 0.01, "predicted_label": 0}]}', encoding: 'JSON' })), 1],
    ['JSON option 1 (features / probabilities)', JSON.stringify(jsonRecord({ instances: [{ features: [1, 2] }, { features: [3, 4] }] }, { predictions: [{ probabilities: [0.1, 0.9] }, { probabilities: [0.8, 0.2] }] })), 2],
    ['JSON option 2 (feature-name keys)', JSON.stringify(jsonRecord({ instances: [{ age: 30, workclass: 'Private' }] }, { predictions: [{ score: 0.98, predicted_label: 1 }] })), 1],
    ['predictions on the input side and instances on the output side', JSON.stringify(jsonRecord({ predictions: [{ a: 1 }] }, { instances: [{ b: 2 }] })), 1],
    ['unknown fields and another key order', JSON.stringify({ eventVersion: '0', eventMetadata: { inferenceTime: '2024-01-19T19:27:57+01:00', eventId: 'k', customAttributes: ['a=b'] }, captureData: csvRecord().captureData, extra: true }), 1],
    ['February 29th of a leap year, with an offset and fractions', patched(csvRecord(), (r) => (r.eventMetadata.inferenceTime = '2024-02-29T23:59:59.123456-05:30')), 1],
    ['a null content type on one side (the encoding decides)', patched(csvRecord(), (r) => (r.captureData.endpointOutput.observedContentType = null)), 1],
    ['an application/json payload with extra top-level keys', JSON.stringify(jsonRecord({ instances: [{ a: 1 }], configuration: { k: 1 } }, { predictions: [{ s: 1 }] })), 1],
  ])('%s is accepted', (_name, line, inferences) => {
    const result = check(line);
    expect(result).toMatchObject({ ok: true, inferences, normalized: false, text: line });
  });
});

describe('partner inference IDs', () => {
  it('uses the eventId for a single inference', () => {
    expect(check(JSON.stringify(csvRecord('ev-1')))).toMatchObject({ partnerInferenceIds: ['ev-1'] });
  });

  it('prefers the call\'s inferenceId over the eventId', () => {
    expect(check(patched(csvRecord('ev-1'), (r) => (r.eventMetadata.inferenceId = 'req-9')))).toMatchObject({ partnerInferenceIds: ['req-9'] });
  });

  it('gives each row of a batch its own partner id, suffixed _0, _1', () => {
    const line = patched(csvRecord('ev-2'), (r) => {
      r.captureData.endpointInput.data = '1,2\n3,4\n5,6\n';
      r.captureData.endpointOutput.data = '0.1\n0.2\n0.3\n';
    });
    expect(check(line)).toMatchObject({ inferences: 3, partnerInferenceIds: ['ev-2_0', 'ev-2_1', 'ev-2_2'] });
  });

  it('rejects a later record that repeats an accepted ID, naming the first line', () => {
    const checker = new CaptureChecker();
    expect(checker.check(JSON.stringify(csvRecord('same')), 1).ok).toBe(true);
    const second = checker.check(JSON.stringify(csvRecord('same')), 4);
    expect(second).toMatchObject({ ok: false, code: 'DUPLICATE_PARTNER_ID', line: 4 });
    expect(!second.ok && second.message).toContain('line 1');
  });

  it('catches a collision between a suffixed batch ID and another record\'s inferenceId', () => {
    const checker = new CaptureChecker();
    const batch = patched(csvRecord('x'), (r) => { r.captureData.endpointInput.data = 'a\nb'; r.captureData.endpointOutput.data = '1\n2'; });
    expect(checker.check(batch, 1).ok).toBe(true);
    expect(checker.check(patched(csvRecord('y'), (r) => (r.eventMetadata.inferenceId = 'x_1')), 2)).toMatchObject({ ok: false, code: 'DUPLICATE_PARTNER_ID' });
  });

  it('does not count the IDs of a rejected record as used', () => {
    const checker = new CaptureChecker();
    expect(checker.check(patched(csvRecord('z'), (r) => (r.eventMetadata.inferenceTime = 'bad')), 1).ok).toBe(false);
    expect(checker.check(JSON.stringify(csvRecord('z')), 2).ok).toBe(true);
  });
});

describe('what the checker remembers between records never changes a verdict', () => {
  it('reads each side by its own content type when records alternate between types (the last two are remembered)', () => {
    const seen: Array<[string, string | undefined, string | undefined]> = [
      ['text/csv', 'csv', undefined],
      ['text/csv; charset=utf-8', 'csv', 'utf-8'],
      ['application/json', 'json', undefined],
      ['application/xml', undefined, undefined],
      ['text/csv', 'csv', undefined],
      ['application/jsonlines', 'jsonl', undefined],
      ['image/png', undefined, undefined],
      ['text/csv; charset=utf-8', 'csv', 'utf-8'],
      ['text/csv; charset=ISO-8859-1', 'csv', 'iso-8859-1'],
      ['text/csv; charset=utf-8', 'csv', 'utf-8'],
    ];
    expect(seen.map(([type]) => [type, parseContentType(type).kind, parseContentType(type).charset])).toEqual(seen);
    expect(seen.map(([type]) => [type, parseContentType(type).kind, parseContentType(type).charset])).toEqual(seen);
  });

  it('accepts an inference time repeated from the record before, and still rejects a bad one after it', () => {
    const checker = new CaptureChecker();
    const at = (time: string, id: string) => patched(csvRecord(id), (r) => (r.eventMetadata.inferenceTime = time));
    expect(checker.check(at('2024-01-19T19:27:57Z', 'a'), 1).ok).toBe(true);
    expect(checker.check(at('2024-01-19T19:27:57Z', 'b'), 2).ok).toBe(true);
    expect(checker.check(at('2024-02-30T19:27:57Z', 'c'), 3)).toMatchObject({ ok: false, code: 'BAD_INFERENCE_TIME' });
    expect(checker.check(at('2024-01-19T19:27:57Z', 'd'), 4).ok).toBe(true);
    expect(isIsoInstant('2024-02-30T19:27:57Z')).toBe(false);
  });
});
