import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkCaller } from './caller.js';
import { HttpProblem, send } from './http.js';
import type { UploadContext } from './upload.js';

/**
 * GET /api/v3/models/{id}/inferences/query/{partner_inference_id}: 200 with the inference when this model holds
 * it, 404 otherwise (arthur-client 1.4.0 `get_inference` expects 200 and a `QueryResult`). The body holds the
 * partner ID, the time and, when inferences are stored, what was received; Arthur's own result has more fields.
 */
export async function handleLookup(req: IncomingMessage, res: ServerResponse, modelId: string, rawId: string, ctx: UploadContext): Promise<void> {
  await checkCaller(req, modelId, ctx.options, ctx.models);
  ctx.state.count('lookups', modelId);
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    throw new HttpProblem(400, 'the partner inference ID is not URL-encoded');
  }
  if (!ctx.state.holds(modelId, id)) throw new HttpProblem(404, `no inference with partner_inference_id ${id.slice(0, 200)}`);
  const stored = ctx.state.find(modelId, id);
  send(res, 200, {
    partner_inference_id: id,
    ...(stored ? { inference_timestamp: stored.inferenceTime, inference_data: { input: stored.input, output: stored.output } } : {}),
  });
}
