/** Builders of capture records for table-driven tests: a valid CSV record, changed by a patch function. */
export type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function csvRecord(eventId = '5d2f0c8e-1b7a-4c3e-9f1d-2a6b8c0e4f10'): Rec {
  return {
    captureData: {
      endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '132,25,113.2,96', encoding: 'CSV' },
      endpointOutput: { observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', data: '0.0107', encoding: 'CSV' },
    },
    eventMetadata: { eventId, inferenceTime: '2024-01-19T19:27:57Z' },
    eventVersion: '0',
  };
}

export function jsonRecord(input: unknown, output: unknown, eventId = 'e-json'): Rec {
  return {
    captureData: {
      endpointInput: { observedContentType: 'application/json', mode: 'INPUT', data: JSON.stringify(input), encoding: 'JSON' },
      endpointOutput: { observedContentType: 'application/json', mode: 'OUTPUT', data: JSON.stringify(output), encoding: 'JSON' },
    },
    eventMetadata: { eventId, inferenceTime: '2024-01-19T19:27:57.123Z' },
    eventVersion: '0',
  };
}

export function patched(base: Rec, patch: (r: Rec) => void): string {
  const copy = structuredClone(base);
  patch(copy);
  return JSON.stringify(copy);
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
