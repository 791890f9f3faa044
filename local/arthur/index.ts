/**
 * An Arthur-compatible receiver for the tests, the benchmark and the local stack.
 *
 * Arthur's endpoints (every request: the raw token as `Authorization`, else 401; `Arthur-Organization-ID` equal to
 * `organizationId` when one is configured, else 403; a model ID that is a UUID and, with `models`, a known one,
 * else 404):
 *   POST …/models/{id}/inferences/integrations/sagemaker_data_capture (upload.ts): one `inference_data` file field,
 *     else 400; over `maxBodyBytes` 413; 207 `{counts, failures: [{message, status, event_id,
 *     inference_index_in_event}]}` as arthur-client models it; a rejected record or an ID the model already holds is
 *     one failure each. Nothing is kept of a request that fails.
 *   GET …/models/{id}/inferences/query/{partner_inference_id} (lookup.ts): 200 when held, 404 otherwise.
 *   PATCH …/models/{id}/inferences (ground-truth.ts): a JSON list of ground-truth items, 207 `{counts, results}`,
 *     a 404 result for a label whose partner ID the model holds no inference for.
 * Test controls (controls.ts): GET /__received?model=ID, GET /__ground_truth?model=ID, GET /__stats, POST /__faults {status?, count?, delayMs?,
 *   retryAfter?, reset?, partialFailures?} or an array of them — the next `count` uploads, whatever their token.
 *   `setToken(token)` on the handle rotates the token it accepts (the old one then answers 401).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { modelIdOf } from './caller.js';
import { handleControl } from './controls.js';
import { handleGroundTruthUpdate, listGroundTruth } from './ground-truth.js';
import { close, drain, HttpProblem, listen, send } from './http.js';
import { handleLookup } from './lookup.js';
import { ReceiverState } from './state.js';
import type { ArthurReceiver, ArthurReceiverOptions } from './types.js';
import { handleUpload, type UploadContext } from './upload.js';

export type { ArthurReceiver, ArthurReceiverOptions, FaultSpec, ReceivedInference, ReceiverStats } from './types.js';
export type { SageMakerFailure } from './upload.js';

const UPLOAD_PATH = /^\/api\/v3\/models\/([^/]+)\/inferences\/integrations\/sagemaker_data_capture\/?$/;
const LOOKUP_PATH = /^\/api\/v3\/models\/([^/]+)\/inferences\/query\/([^/]+)\/?$/;
const GROUND_TRUTH_PATH = /^\/api\/v3\/models\/([^/]+)\/inferences\/?$/;

export async function startArthurReceiver(options: ArthurReceiverOptions): Promise<ArthurReceiver> {
  const state = new ReceiverState();
  const ctx: UploadContext = {
    state,
    options,
    models: options.models ? new Set([...options.models].map((m) => m.toLowerCase())) : undefined,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 * 1024,
    maxResults: options.maxResults ?? 10_000,
    storeInferences: options.storeInferences ?? true,
  };
  const server = createServer((req, res) => {
    route(req, res, ctx).catch((err: unknown) => answerError(req, res, err));
  });
  // Long uploads and injected delays must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  const { url, port } = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    port,
    received: (modelId) => state.received(modelId),
    groundTruth: (modelId) => state.groundTruth.listGroundTruth(modelId),
    setFaults: (faults) => state.setFaults(faults),
    // A rotated key: requests with any other token, the old one included, are answered 401 from now on.
    setToken: (token) => {
      ctx.options = { ...ctx.options, token };
    },
    stats: () => structuredClone(state.stats),
    reset: () => state.reset(),
    close: () => close(server),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: UploadContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://receiver.local');
  const upload = UPLOAD_PATH.exec(url.pathname);
  if (upload && req.method === 'POST') return handleUpload(req, res, modelIdOf(upload[1]!), ctx);
  const lookup = LOOKUP_PATH.exec(url.pathname);
  if (lookup && req.method === 'GET') return handleLookup(req, res, modelIdOf(lookup[1]!), lookup[2]!, ctx);
  const groundTruth = GROUND_TRUTH_PATH.exec(url.pathname);
  if (groundTruth && req.method === 'PATCH') return handleGroundTruthUpdate(req, res, modelIdOf(groundTruth[1]!), ctx);
  if (url.pathname === '/__ground_truth' && req.method === 'GET') return listGroundTruth(res, url, ctx);
  if (await handleControl(req, res, url, ctx.state)) return;
  await drain(req);
  throw new HttpProblem(404, `no route for ${req.method} ${url.pathname}`);
}

function answerError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (err instanceof HttpProblem) {
    // The rest of an oversized body is discarded, not left unread (which would reset the connection under the
    // client before it reads the answer).
    if (err.status === 413) req.resume();
    send(res, err.status, { message: err.message });
  } else {
    send(res, 500, { message: `receiver error: ${(err as Error)?.message ?? String(err)}` });
  }
}
