import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { HttpArthurApi, type LookupRequest, type UploadCaptureRequest } from '../../../src/arthur/index.js';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurPaymentRequiredError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  StorageUnavailableError,
  ConfigurationError,
} from '../../../src/errors.js';
import { boundaryOf, MultipartParser } from '../../../local/multipart-parser.js';
import { answerAfterBody, bodyOf, startScriptedServer, type ScriptedServer } from '../../support/scripted-server.js';
import { GENERIC_ONE_REFUSED, SAGEMAKER_ALL_TAKEN, SAGEMAKER_TWO_REFUSED } from './arthur-answers.js';

const MODEL = '5a3b7c1e-93f0-4c55-9a0e-2b1f8a7d6c40';
const TOKEN = 'tok_live_9f8e7d6c5b4a39281706';
const ORG = '7c2e9a10-4b3d-4f5e-8a6b-1c2d3e4f5a6b';
const JSONL = '{"captureData":{}}\n{"captureData":{}}\n';

const api = new HttpArthurApi();
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => api.close());

function request(host: string, overrides: Partial<UploadCaptureRequest> = {}): UploadCaptureRequest {
  return {
    host,
    modelId: MODEL,
    token: TOKEN,
    body: Readable.from([Buffer.from(JSONL)]),
    contentLength: Buffer.byteLength(JSONL),
    fileName: 'datacapture/ep/AllTraffic/2026/01/01/00/21-48-903-abc.jsonl',
    timeoutMs: 5_000,
    ...overrides,
  };
}

/** Every error and its causes, as text: where a leaked token would show. */
function everything(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: unknown; stack?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    parts.push(String(e.message), String(e.stack), JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

describe('the request Arthur receives', () => {
  it('is a multipart POST to the integration path, with the raw token and one inference_data file field', async () => {
    let seen: { headers: Record<string, unknown>; url?: string; parts: Array<{ name?: string; filename?: string; type?: string; data: string }> } | undefined;
    server = await startScriptedServer(async (req, res) => {
      const body = await bodyOf(req);
      const parts: NonNullable<typeof seen>['parts'] = [];
      const parser = new MultipartParser(boundaryOf(req.headers['content-type'])!);
      for (const event of parser.push(body)) {
        if (event.kind === 'part') parts.push({ name: event.part.name, filename: event.part.filename, type: event.part.headers['content-type'], data: '' });
        else if (event.kind === 'data') parts[parts.length - 1]!.data += event.chunk.toString();
      }
      parser.end();
      seen = { headers: req.headers, url: req.url, parts };
      res.writeHead(207, { 'content-type': 'application/json' }).end(JSON.stringify({ counts: { success: 2, failure: 0, total: 2 }, results: [] }));
    });

    const result = await api.uploadCapture(request(server.url));

    expect(seen!.url).toBe(`/api/v3/models/${MODEL}/inferences/integrations/sagemaker_data_capture`);
    expect(seen!.headers.authorization).toBe(TOKEN);
    expect(seen!.headers['transfer-encoding']).toBeUndefined();
    expect(Number(seen!.headers['content-length'])).toBe(server.requests[0]!.bodyBytes);
    expect(seen!.parts).toEqual([
      { name: 'inference_data', filename: '21-48-903-abc.jsonl', type: 'application/octet-stream', data: JSONL },
    ]);
    expect(result).toMatchObject({ status: 207, counts: { success: 2, failure: 0, total: 2 }, shape: 'generic', failures: [], bytesSent: JSONL.length });
    // No organization configured: no header.
    expect(seen!.headers['arthur-organization-id']).toBeUndefined();
  });

  it('carries Arthur-Organization-ID when an organization is configured', async () => {
    server = await startScriptedServer(answerAfterBody(207, JSON.stringify(SAGEMAKER_ALL_TAKEN)));
    await api.uploadCapture(request(server.url, { organizationId: ORG }));
    expect(server.requests[0]!.headers['arthur-organization-id']).toBe(ORG);
    expect(server.requests[0]!.headers.authorization).toBe(TOKEN);
  });

  it('refuses an organization ID that is not a UUID-like value before any connection (a header injection)', async () => {
    server = await startScriptedServer(answerAfterBody(207));
    await expect(api.uploadCapture(request(server.url, { organizationId: 'x\r\nX-Evil: 1' }))).rejects.toThrow(ConfigurationError);
    expect(server.requests).toHaveLength(0);
  });

  it('streams with chunked encoding when the length is unknown, and names the file .jsonl', async () => {
    let filename: string | undefined;
    server = await startScriptedServer(async (req, res) => {
      const body = await bodyOf(req);
      for (const event of new MultipartParser(boundaryOf(req.headers['content-type'])!).push(body)) {
        if (event.kind === 'part') filename = event.part.filename;
      }
      res.writeHead(207).end('{}');
    });
    await api.uploadCapture(request(server.url, { contentLength: undefined, fileName: 'parts/exec-1/part-0003' }));
    expect(server.requests[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(filename).toBe('part-0003.jsonl');
  });
});

describe('status → outcome', () => {
  it.each([
    ["207 in the SageMaker shape (SageMakerDataResponse)", 207, JSON.stringify(SAGEMAKER_TWO_REFUSED), { success: 4, failure: 2, total: 6 }, 'sagemaker', [
      { message: 'invalid value for feature age', status: 400, eventId: 'evt-b', indexInEvent: 1 },
      { message: 'an inference with this partner_inference_id already exists', status: 400, eventId: 'evt-c', indexInEvent: 0 },
    ]],
    ['207 in the generic shape (InferencesResponse)', 207, JSON.stringify(GENERIC_ONE_REFUSED), { success: 2, failure: 1, total: 3 }, 'generic', [{ message: 'ground truth attribute missing', status: 400, position: 1 }]],
    ['200 with counts, no total', 200, '{"counts":{"success":2,"failure":0}}', { success: 2, failure: 0, total: 2 }, 'counts-only', []],
    ['207 with an empty body', 207, '', undefined, 'unreadable', []],
    ['207 with a body that is not JSON', 207, '<html>ok</html>', undefined, 'unreadable', []],
    ['207 with counts of the wrong type', 207, '{"counts":{"success":"2"}}', undefined, 'unreadable', []],
  ])('%s: resolves with what could be read', async (_label, status, body, expectedCounts, shape, failures) => {
    server = await startScriptedServer(answerAfterBody(status, body));
    const result = await api.uploadCapture(request(server.url));
    expect(result.status).toBe(status);
    expect(result.counts).toEqual(expectedCounts);
    expect(result.shape).toBe(shape);
    expect(result.failures).toEqual(failures);
  });

  it.each([
    [400, ArthurRejectedError, 'ArthurRejectedError'],
    [401, ArthurAuthError, 'ArthurAuthError'],
    [402, ArthurPaymentRequiredError, 'ArthurPaymentRequiredError'],
    [403, ArthurAuthError, 'ArthurAuthError'],
    [404, ArthurModelNotFoundError, 'ArthurModelNotFoundError'],
    [409, ArthurRejectedError, 'ArthurRejectedError'],
    [413, ArthurRejectedError, 'ArthurRejectedError'],
    [422, ArthurRejectedError, 'ArthurRejectedError'],
    [429, ArthurThrottledError, 'ArthurThrottledError'],
    [500, ArthurUnavailableError, 'ArthurUnavailableError'],
    [502, ArthurUnavailableError, 'ArthurUnavailableError'],
    [503, ArthurUnavailableError, 'ArthurUnavailableError'],
    [504, ArthurUnavailableError, 'ArthurUnavailableError'],
    [301, ConfigurationError, 'ConfigurationError'],
  ])('HTTP %i → %p (name %s), with the status and the body in the message', async (status, type, name) => {
    server = await startScriptedServer(answerAfterBody(status, JSON.stringify({ detail: `reason-${status}` }), { location: 'https://elsewhere.example' }));
    const err = await api.uploadCapture(request(server.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).name).toBe(name);
    expect((err as Error).message).toContain(String(status));
    if (status !== 301) expect((err as Error).message).toContain(`reason-${status}`);
    if ('status' in (err as object) && status !== 301) expect((err as { status: number }).status).toBe(status);
  });

  it('says a 402 is the Arthur plan or payment refusing, and a 404 may be a host without the v3 API', async () => {
    server = await startScriptedServer(answerAfterBody(402, '{"detail":"plan limit"}'));
    expect(((await api.uploadCapture(request(server.url)).catch((e: unknown) => e)) as Error).message).toMatch(/Arthur plan or payment/);
    await server.close();
    server = await startScriptedServer(answerAfterBody(404, '{"detail":"Not Found"}'));
    expect(((await api.uploadCapture(request(server.url)).catch((e: unknown) => e)) as Error).message).toContain("no such model — or this host does not serve Arthur's v3 API");
  });

  it('reads Retry-After of a 429, in seconds or as an HTTP date', async () => {
    server = await startScriptedServer(answerAfterBody(429, '', { 'retry-after': '7' }));
    const err = (await api.uploadCapture(request(server.url)).catch((e: unknown) => e)) as ArthurThrottledError;
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.message).toContain('Retry-After 7 s');
  });

  it('truncates a long error body in the message', async () => {
    server = await startScriptedServer(answerAfterBody(400, 'x'.repeat(100_000)));
    const err = (await api.uploadCapture(request(server.url)).catch((e: unknown) => e)) as Error;
    expect(err.message.length).toBeLessThan(1_000);
  });

  it('keeps each failure short, however long Arthur\'s message', async () => {
    const failures = Array.from({ length: 50 }, (_, i) => ({ message: 'm'.repeat(2_000), status: 400, event_id: `e-${i}`, inference_index_in_event: 0 }));
    server = await startScriptedServer(answerAfterBody(207, JSON.stringify({ counts: { success: 0, failure: 50, total: 50 }, failures })));
    const result = await api.uploadCapture(request(server.url));
    expect(result.failuresListed).toBe(50);
    expect(JSON.stringify(result.failures).length).toBeLessThan(50 * 500);
  });

  it('finds the counts of an answer too large to hold, at its start or its end', async () => {
    const results = Array.from({ length: 200_000 }, (_, i) => ({ partner_inference_id: `id-${i}`, message: 'success', status_code: 200 }));
    const tailCounts = `{"results":${JSON.stringify(results)},"counts":{"success":200000,"failure":0,"total":200000}}`;
    const small = new HttpArthurApi({ maxResponseBytes: 1024 * 1024 });
    try {
      server = await startScriptedServer(answerAfterBody(207, tailCounts));
      expect(tailCounts.length).toBeGreaterThan(5 * 1024 * 1024);
      expect((await small.uploadCapture(request(server.url))).counts).toEqual({ success: 200000, failure: 0, total: 200000 });
    } finally {
      small.close();
    }
  });
});

describe('the token never appears in an error', () => {
  const echo = (status: number) =>
    startScriptedServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end(`you sent Authorization: ${req.headers.authorization}`));
    });

  it.each([[400], [401], [403], [404], [413], [429], [500], [503]])('HTTP %i echoing the header back', async (status) => {
    server = await echo(status);
    const err = await api.uploadCapture(request(server.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(everything(err)).not.toContain(TOKEN);
    expect((err as Error).message).toContain('[redacted]');
  });

  it('nor in a network error', async () => {
    const err = await api.uploadCapture(request('http://127.0.0.1:1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect(everything(err)).not.toContain(TOKEN);
  });
});

describe('failures on the way', () => {
  it('a server that never answers → ArthurUnavailableError at the deadline', async () => {
    server = await startScriptedServer((req) => void req.resume());
    const started = Date.now();
    const err = await api.uploadCapture(request(server.url, { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a server that starts answering but stalls → ArthurUnavailableError at the deadline', async () => {
    server = await startScriptedServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(207, { 'content-type': 'application/json' }).write('{"counts":'));
    });
    const err = await api.uploadCapture(request(server.url, { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/answer started/);
  });

  it('a connection reset → ArthurUnavailableError', async () => {
    server = await startScriptedServer((req) => void req.socket.resetAndDestroy());
    const err = await api.uploadCapture(request(server.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/ECONNRESET|socket hang up/);
  });

  it('a reset in the middle of a large body → ArthurUnavailableError', async () => {
    server = await startScriptedServer((req, _res, record) => {
      req.on('data', () => {
        if (record.bodyBytes > 1_000_000) req.socket.resetAndDestroy();
      });
    });
    const err = await api.uploadCapture(request(server.url, { body: generated(20 * 1024 * 1024), contentLength: 20 * 1024 * 1024 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
  });

  it('nothing listening → ArthurUnavailableError naming the cause', async () => {
    const err = await api.uploadCapture(request('http://127.0.0.1:1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('an answer before the body is sent (413 from an ingress) is reported as that answer, not as a broken pipe', async () => {
    server = await startScriptedServer((req, res) => {
      res.writeHead(413, { connection: 'close' }).end('{"detail":"Request Entity Too Large"}');
      req.resume();
    });
    const err = await api.uploadCapture(request(server.url, { body: generated(30 * 1024 * 1024), contentLength: 30 * 1024 * 1024 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurRejectedError);
    expect((err as ArthurRejectedError).status).toBe(413);
  });

  it('an aborted signal (the Lambda deadline) stops the upload with a retryable error', async () => {
    server = await startScriptedServer((req) => void req.resume());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await api.uploadCapture(request(server.url, { signal: controller.signal, timeoutMs: 10_000 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArthurUnavailableError);
    expect((err as Error).message).toMatch(/aborted/);
  });

  it('a body shorter than its announced length is abandoned, not sent truncated', async () => {
    server = await startScriptedServer((req) => void req.resume());
    const err = await api.uploadCapture(request(server.url, { contentLength: JSONL.length + 10 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as Error).message).toMatch(/ended after 38 of its announced 48 bytes/);
  });

  it('a body that fails while being read → StorageUnavailableError (retried), and the body is destroyed', async () => {
    server = await startScriptedServer((req) => void req.resume());
    const body = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 0x61));
        setImmediate(() => this.destroy(new Error('socket reset by S3')));
      },
    });
    const err = await api.uploadCapture(request(server.url, { body, contentLength: undefined })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as Error).message).toContain('socket reset by S3');
    expect(body.destroyed).toBe(true);
  });

  it('a model ID that is not a UUID is refused before any connection', async () => {
    server = await startScriptedServer(answerAfterBody(207));
    const body = Readable.from([Buffer.from(JSONL)]);
    await expect(api.uploadCapture(request(server.url, { modelId: '../admin', body }))).rejects.toThrow(ConfigurationError);
    expect(server.requests).toHaveLength(0);
    expect(body.destroyed).toBe(true);
  });
});

describe('streaming, not buffering', () => {
  const SIZE = 50 * 1024 * 1024;
  let streamingServer: ScriptedServer;
  let receivedWhenLastChunkMade = -1;

  beforeAll(async () => {
    streamingServer = await startScriptedServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(207).end('{"counts":{"success":1,"failure":0,"total":1}}'));
    });
  });
  afterAll(() => streamingServer.close());

  it('the server has most of a 50 MB body before the source has produced its last chunk', async () => {
    const chunk = 64 * 1024;
    let made = 0;
    const body = new Readable({
      read() {
        if (made >= SIZE) return void this.push(null);
        made += chunk;
        if (made >= SIZE) receivedWhenLastChunkMade = streamingServer.requests[0]?.bodyBytes ?? 0;
        this.push(Buffer.alloc(chunk, 0x7b));
      },
    });
    const rssBefore = process.memoryUsage().rss;
    const result = await api.uploadCapture(request(streamingServer.url, { body, contentLength: SIZE, timeoutMs: 60_000 }));
    expect(result.bytesSent).toBe(SIZE);
    // Only socket buffers may sit between the source and the server; a buffering client would have sent nothing yet.
    expect(receivedWhenLastChunkMade).toBeGreaterThan(SIZE - 16 * 1024 * 1024);
    // Loose on purpose (GC timing): a buffered 50 MB body would show at least 50 MB here.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * 1024 * 1024);
  });
});

/** A lazily produced body of `size` bytes of one capture-looking line repeated. */
function generated(size: number): Readable {
  let left = size;
  const line = Buffer.from(`${'{"captureData":{}}'.padEnd(1023, ' ')}\n`);
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, 64 * 1024);
      left -= n;
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += line.length) line.copy(out, i, 0, Math.min(line.length, n - i));
      this.push(out);
    },
  });
}

describe('the lookup of inferences by partner ID', () => {
  const lookup = (host: string, ids: string[], overrides: Partial<LookupRequest> = {}) =>
    api.lookupInferences({ host, modelId: MODEL, token: TOKEN, partnerInferenceIds: ids, timeoutMs: 5_000, ...overrides });

  it('asks GET …/inferences/query/{partner_inference_id} for each ID: 200 is held, 404 is not', async () => {
    server = await startScriptedServer((req, res) => {
      req.resume();
      const held = req.url!.endsWith('/inferences/query/evt-1') || req.url!.endsWith('/inferences/query/evt%202_0');
      res.writeHead(held ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
    const outcome = await lookup(server.url, ['evt-1', 'evt 2_0', 'evt-3', 'evt-1'], { organizationId: ORG });
    expect(outcome).toEqual({ status: 'ok', held: new Set(['evt-1', 'evt 2_0']), checked: 3 });
    expect(server.requests.map((r) => r.url).sort()).toEqual([
      `/api/v3/models/${MODEL}/inferences/query/evt%202_0`,
      `/api/v3/models/${MODEL}/inferences/query/evt-1`,
      `/api/v3/models/${MODEL}/inferences/query/evt-3`,
    ]);
    expect(server.requests.every((r) => r.method === 'GET' && r.headers.authorization === TOKEN && r.headers['arthur-organization-id'] === ORG)).toBe(true);
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [402, 'refused'],
    [503, 'unavailable'],
    [429, 'unavailable'],
    [301, 'not-served'],
    [405, 'not-served'],
  ])('HTTP %i → %s (the caller falls back), without the token in the detail', async (status, verdict) => {
    server = await startScriptedServer(answerAfterBody(status, `token ${TOKEN}`));
    const outcome = await lookup(server.url, ['a', 'b']);
    expect(outcome.status).toBe(verdict);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('nothing listening → unavailable', async () => {
    expect((await lookup('http://127.0.0.1:1', ['a'])).status).toBe('unavailable');
  });

  it('a lookup slower than its deadline → unavailable', async () => {
    server = await startScriptedServer((req) => void req.resume());
    expect(await lookup(server.url, ['a'], { timeoutMs: 200 })).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/200 ms/) });
  });
});
