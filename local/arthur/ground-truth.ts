/**
 * PATCH /api/v3/models/{id}/inferences (Arthur's ground-truth update) and GET /__ground_truth in the receiver:
 * the same injected faults and caller checks as uploads, then local/arthur-ground-truth.ts's answer, joined to the
 * partner IDs this receiver accepted as inferences (a label for any other ID is a 404 result for that item).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleGroundTruthList, handleGroundTruthPatch } from '../arthur-ground-truth.js';
import { checkCaller } from './caller.js';
import { HttpProblem, send } from './http.js';
import { applyFault, type UploadContext } from './upload.js';

export async function handleGroundTruthUpdate(req: IncomingMessage, res: ServerResponse, modelId: string, ctx: UploadContext): Promise<void> {
  const fault = ctx.state.faults.shift();
  if (fault && (await applyFault(fault, req, res))) return;
  await checkCaller(req, modelId, ctx.options, ctx.models);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ctx.maxBodyBytes) throw new HttpProblem(413, `request body exceeds the ${ctx.maxBodyBytes}-byte limit`);
    chunks.push(chunk);
  }
  const answer = handleGroundTruthPatch({
    modelId,
    body: Buffer.concat(chunks),
    knownPartnerIds: (id) => ctx.state.holds(modelId, id),
    store: ctx.state.groundTruth,
  });
  send(res, answer.status, answer.body);
}

/** GET /__ground_truth?model=ID → `[{partnerInferenceId, groundTruthTimestamp, groundTruthData}]`. */
export function listGroundTruth(res: ServerResponse, url: URL, ctx: UploadContext): void {
  const answer = handleGroundTruthList(ctx.state.groundTruth, url.searchParams);
  send(res, answer.status, answer.body);
}
