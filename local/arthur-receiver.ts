/**
 * An Arthur-compatible receiver for the tests, the benchmark and the local stack.
 *
 * Real endpoint:
 *   POST /api/v3/models/{modelId}/inferences/integrations/sagemaker_data_capture
 *     multipart/form-data with one file field `inference_data` (JSONL capture records);
 *     `Authorization: <token>` (the raw token, as Arthur takes it).
 *     401 wrong/missing token · 404 model ID not a UUID, or not among `models` when that is set ·
 *     400 not multipart, wrong field, truncated body, no records · 413 body over `maxBodyBytes` ·
 *     207 {counts: {success, failure, total}, results: [{partner_inference_id, message, status_code}]}.
 *     Every record goes through the capture core (CaptureChecker with explode): a rejected record is one
 *     failure result; a partner inference ID this model already holds is a failure too (Arthur's inferences
 *     are immutable), which is how a test sees a double upload. `results` lists failures only.
 *
 * Test controls beside it:
 *   GET  /__received?model=ID  → [{partnerInferenceId, modelId, inferenceTime, input, output}] (all models without ?model)
 *   GET  /__stats              → {uploads: {modelId: attempts}, accepted: {modelId: 2xx answers}, total}
 *   POST /__faults             → body {status?, count?, delayMs?, retryAfter?, reset?} or an array of them (a sequence).
 *        The next `count` (default 1) uploads, whatever their token or body:
 *          status 4xx/5xx  read the body, then answer that status (429 with Retry-After: retryAfter ?? 1);
 *          status 0 or reset: 'connection'  reset the TCP connection (RST) as soon as the request arrives;
 *          delayMs  wait that long first (alone: then answer normally — a slow Arthur, for timeouts);
 *          partialFailures: N  answer 207 with the first N new inferences as failures (not kept).
 *        `reset: true` clears pending faults, received inferences and stats (then installs the rest, if any).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureChecker, FingerprintSet, forEachLine } from '../src/capture/index.js';
import { boundaryOf, MultipartError, MultipartParser } from './multipart-parser.js';

export interface ReceivedInference {
  partnerInferenceId: string;
  modelId: string;
  inferenceTime: string;
  input: unknown;
  output: unknown;
}

export interface FaultSpec {
  /** HTTP status to answer with; 0 resets the connection instead. */
  status?: number;
  /** How many uploads the fault applies to. Default 1. */
  count?: number;
  delayMs?: number;
  /** Retry-After seconds sent with a 429. Default 1. */
  retryAfter?: number;
  /** 'connection': reset the TCP connection. true (in POST /__faults): clear faults, received and stats. */
  reset?: boolean | 'connection';
  /** Take the upload (207) but answer the first N new inferences as failures, keeping none of them (Arthur's partial failure). */
  partialFailures?: number;
}

export interface ReceiverStats {
  uploads: Record<string, number>;
  accepted: Record<string, number>;
  total: number;
}

export interface ArthurReceiverOptions {
  token: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, only these model IDs exist (others answer 404); otherwise any UUID is a model. */
  models?: Iterable<string>;
  /** Upload bodies larger than this answer 413. Default 1 GiB. */
  maxBodyBytes?: number;
  /** Keep each inference's input and output for /__received. Off for benchmarks (IDs are always kept). */
  storeInferences?: boolean;
  /** Most failure results listed in one answer (counts stay exact). Default 10,000. */
  maxResults?: number;
}

export interface ArthurReceiver {
  /** Base URL, e.g. http://127.0.0.1:4584 — what ARTHUR_HOST is set to. */
  url: string;
  port: number;
  received(modelId?: string): ReceivedInference[];
  setFaults(faults: FaultSpec | FaultSpec[]): void;
  stats(): ReceiverStats;
  reset(): void;
  close(): Promise<void>;
}

const UPLOAD_PATH = /^\/api\/v3\/models\/([^/]+)\/inferences\/integrations\/sagemaker_data_capture\/?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELD = 'inference_data';

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface PendingFault {
  status?: number;
  delayMs: number;
  retryAfter: number;
  resetConnection: boolean;
  partialFailures: number;
}

interface UploadOutcome {
  success: number;
  failure: number;
  results: Array<{ partner_inference_id: string | null; message: string; status_code: number }>;
}

export async function startArthurReceiver(options: ArthurReceiverOptions): Promise<ArthurReceiver> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024 * 1024;
  const maxResults = options.maxResults ?? 10_000;
  const storeInferences = options.storeInferences ?? true;
  const models = options.models ? new Set([...options.models].map((m) => m.toLowerCase())) : undefined;

  let faults: PendingFault[] = [];
  // Per model: every partner ID ever accepted (duplicate detection) and, when stored, the inferences. The IDs are
  // kept as 63-bit fingerprints, 12–24 bytes each, for the life of a long local backfill (~6 IDs a file in
  // bench:e2e): as strings in a Set they cost 80–150 bytes each (measured). Only two IDs sharing a fingerprint could
  // make a false "already exists", about 5·10⁻⁸ for a million IDs.
  let ids = new Map<string, FingerprintSet>();
  let stored = new Map<string, ReceivedInference[]>();
  let stats: ReceiverStats = { uploads: {}, accepted: {}, total: 0 };

  const reset = (): void => {
    faults = [];
    ids = new Map();
    stored = new Map();
    stats = { uploads: {}, accepted: {}, total: 0 };
  };

  const setFaults = (specs: FaultSpec | FaultSpec[]): void => {
    const list = Array.isArray(specs) ? specs : [specs];
    const bad = list.find((f) => f.status !== undefined && f.status !== 0 && !(f.status >= 100 && f.status <= 599));
    if (bad) throw new HttpProblem(400, `fault status ${bad.status} is not an HTTP status (or 0 for a connection reset)`);
    if (list.some((f) => f.reset === true)) reset();
    faults = [];
    for (const spec of list) {
      const resetConnection = spec.reset === 'connection' || spec.status === 0;
      if (spec.status === undefined && spec.delayMs === undefined && !resetConnection && !spec.partialFailures) continue;
      const count = spec.count ?? 1;
      for (let i = 0; i < count; i++) {
        faults.push({
          status: resetConnection ? undefined : spec.status,
          delayMs: spec.delayMs ?? 0,
          retryAfter: spec.retryAfter ?? 1,
          resetConnection,
          partialFailures: spec.partialFailures ?? 0,
        });
      }
    }
  };

  const received = (modelId?: string): ReceivedInference[] => {
    if (modelId !== undefined) return [...(stored.get(modelId.toLowerCase()) ?? [])];
    return [...stored.values()].flat();
  };

  async function handleUpload(req: IncomingMessage, res: ServerResponse, rawModelId: string): Promise<void> {
    let modelId: string;
    try {
      modelId = decodeURIComponent(rawModelId).toLowerCase();
    } catch {
      modelId = rawModelId.toLowerCase();
    }
    stats.uploads[modelId] = (stats.uploads[modelId] ?? 0) + 1;
    stats.total++;

    const fault = faults.shift();
    if (fault) {
      if (fault.delayMs > 0) await sleep(fault.delayMs);
      if (fault.resetConnection) {
        req.socket.resetAndDestroy();
        return;
      }
      if (fault.status !== undefined) {
        await drain(req);
        const headers: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter) } : {};
        send(res, fault.status, { message: `injected fault: HTTP ${fault.status}` }, headers);
        return;
      }
    }

    if (req.headers.authorization !== options.token) {
      await drain(req);
      throw new HttpProblem(401, req.headers.authorization ? 'invalid API key' : 'missing Authorization header');
    }
    if (!UUID.test(modelId) || (models && !models.has(modelId))) {
      await drain(req);
      throw new HttpProblem(404, `model ${modelId.slice(0, 80)} not found`);
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBodyBytes) {
      // Answered before the body is read, as a real ingress does; the client must cope with that.
      throw new HttpProblem(413, `request body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) {
      await drain(req);
      throw new HttpProblem(400, 'expected multipart/form-data with a boundary, holding the file as inference_data');
    }

    const outcome = await readUpload(req, boundary, modelId, fault?.partialFailures ?? 0);
    stats.accepted[modelId] = (stats.accepted[modelId] ?? 0) + 1;
    const { success, failure, results } = outcome;
    send(res, 207, { counts: { success, failure, total: success + failure }, results });
  }

  /** Streams the multipart body through the capture core, keeping what this model has not seen before. */
  async function readUpload(req: IncomingMessage, boundary: string, modelId: string, partialFailures = 0): Promise<UploadOutcome> {
    const parser = new MultipartParser(boundary);
    let bytes = 0;
    let sawFile = false;
    let unexpected: string | undefined;

    // Only the inference_data part's bytes reach the line reader; any other part is refused afterwards.
    async function* fileBytes(): AsyncGenerator<Buffer> {
      let inFile = false;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxBodyBytes) {
          throw new HttpProblem(413, `request body exceeds the ${maxBodyBytes}-byte limit`);
        }
        for (const event of parser.push(chunk)) {
          if (event.kind === 'part') {
            inFile = event.part.name === FIELD && !sawFile;
            if (inFile) sawFile = true;
            else unexpected ??= event.part.name ?? '(unnamed)';
          } else if (event.kind === 'data') {
            if (inFile) yield event.chunk;
          } else {
            inFile = false;
          }
        }
      }
      parser.end();
    }

    const known = ids.get(modelId);
    const fresh = new Set<string>();
    const keep: ReceivedInference[] | undefined = storeInferences ? [] : undefined;
    const checker = new CaptureChecker();
    const outcome: UploadOutcome = { success: 0, failure: 0, results: [] };
    const fail = (id: string | null, message: string): void => {
      outcome.failure++;
      if (outcome.results.length < maxResults) outcome.results.push({ partner_inference_id: id, message, status_code: 400 });
    };
    let records = 0;
    try {
      await forEachLine(fileBytes(), (text, lineNo) => {
        if (text.trim() === '') return;
        records++;
        const result = checker.check(text, lineNo, { explode: true });
        if (!result.ok) {
          fail(null, `line ${result.line}: ${result.code}: ${result.message}`);
          return;
        }
        for (const inference of result.exploded ?? []) {
          if (known && known.lineOf(inference.partnerInferenceId) > 0) {
            fail(inference.partnerInferenceId, 'an inference with this partner_inference_id already exists');
            continue;
          }
          if (partialFailures > 0) {
            partialFailures--;
            fail(inference.partnerInferenceId, 'injected fault: inference not ingested');
            continue;
          }
          fresh.add(inference.partnerInferenceId);
          outcome.success++;
          keep?.push({ modelId, ...inference });
        }
      });
    } catch (err) {
      if (err instanceof MultipartError) throw new HttpProblem(400, err.message);
      throw err;
    }
    if (unexpected !== undefined) {
      throw new HttpProblem(400, `unexpected form field "${unexpected}"; send the file as the single field ${FIELD}`);
    }
    if (!sawFile) throw new HttpProblem(400, `no ${FIELD} file field in the form`);
    if (records === 0) throw new HttpProblem(400, `${FIELD} holds no records`);
    // Committed only once the whole upload was read: a rejected request leaves no trace, like a failed transaction.
    const accepted = known ?? new FingerprintSet(64);
    // Line 1 for every ID: lineOf answers 0 for an absent one.
    for (const id of fresh) accepted.add(id, 1);
    if (!known) ids.set(modelId, accepted);
    if (keep) {
      const list = stored.get(modelId);
      if (list) for (const inference of keep) list.push(inference);
      else stored.set(modelId, keep);
    }
    return outcome;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver.local');
    const upload = UPLOAD_PATH.exec(url.pathname);
    if (upload && req.method === 'POST') return handleUpload(req, res, upload[1]!);
    if (url.pathname === '/__received' && req.method === 'GET') {
      const model = url.searchParams.get('model');
      return send(res, 200, received(model ?? undefined));
    }
    if (url.pathname === '/__stats' && req.method === 'GET') return send(res, 200, stats);
    if (url.pathname === '/__faults' && req.method === 'POST') {
      let spec: FaultSpec | FaultSpec[];
      try {
        spec = JSON.parse((await readSmall(req)) || '{}') as FaultSpec | FaultSpec[];
      } catch {
        throw new HttpProblem(400, 'the fault spec must be JSON');
      }
      setFaults(spec);
      return send(res, 200, { pending: faults.length });
    }
    await drain(req);
    throw new HttpProblem(404, `no route for ${req.method} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpProblem) {
        // The rest of an oversized body is discarded, not left unread (which would reset the connection
        // under the client before it reads the answer).
        if (err.status === 413) req.resume();
        send(res, err.status, { message: err.message });
      } else {
        send(res, 500, { message: `receiver error: ${(err as Error)?.message ?? String(err)}` });
      }
    });
  });
  // Long uploads and injected delays must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostPart}:${address.port}`,
    port: address.port,
    received,
    setFaults,
    stats: () => structuredClone(stats),
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads and discards a request body, so the answer reaches a client that is still sending. */
async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req) {
    // discard
  }
}

async function readSmall(req: IncomingMessage, max = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpProblem(413, 'control request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
