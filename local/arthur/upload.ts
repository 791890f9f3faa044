import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureChecker, forEachLine } from '../../src/capture/index.js';
import { boundaryOf, MultipartError, MultipartParser } from '../multipart-parser.js';
import { checkCaller } from './caller.js';
import { drain, HttpProblem, send } from './http.js';
import type { PendingFault, ReceiverState } from './state.js';
import type { ArthurReceiverOptions, ReceivedInference } from './types.js';

const FIELD = 'inference_data';

/**
 * One failure of the SageMaker endpoint's 207, as arthur-client 1.4.0 models it (`SageMakerDataResponse`,
 * `arthur/client/rest/inferences/models.py`): the record's eventId and the inference's index in it; no partner ID.
 */
export interface SageMakerFailure {
  message: string;
  status: number;
  event_id: string | null;
  inference_index_in_event: number | null;
}

export interface UploadContext {
  state: ReceiverState;
  options: ArthurReceiverOptions;
  models?: Set<string>;
  maxBodyBytes: number;
  maxResults: number;
  storeInferences: boolean;
}

interface Outcome {
  success: number;
  failure: number;
  failures: SageMakerFailure[];
}

/** POST …/inferences/integrations/sagemaker_data_capture: faults first, then the caller, then the form. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, modelId: string, ctx: UploadContext): Promise<void> {
  ctx.state.count('uploads', modelId);
  const fault = ctx.state.faults.shift();
  if (fault && (await applyFault(fault, req, res))) return;
  await checkCaller(req, modelId, ctx.options, ctx.models);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > ctx.maxBodyBytes) {
    // Answered before the body is read, as a real ingress does; the client must cope with that.
    throw new HttpProblem(413, `request body of ${declared} bytes exceeds the ${ctx.maxBodyBytes}-byte limit`);
  }
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) {
    await drain(req);
    throw new HttpProblem(400, 'expected multipart/form-data with a boundary, holding the file as inference_data');
  }
  const { success, failure, failures } = await readUpload(req, boundary, modelId, ctx, fault?.partialFailures ?? 0);
  ctx.state.count('accepted', modelId);
  send(res, 207, { counts: { success, failure, total: success + failure }, failures });
}

/** Applies an injected fault; true when it answered (or cut) the request itself. */
export async function applyFault(fault: PendingFault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.resetConnection) {
    req.socket.resetAndDestroy();
    return true;
  }
  if (fault.status === undefined) return false;
  await drain(req);
  const headers: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter) } : {};
  send(res, fault.status, { message: `injected fault: HTTP ${fault.status}` }, headers);
  return true;
}

/** Only the inference_data part's bytes reach the line reader; any other part is refused afterwards. */
class FormReader {
  sawFile = false;
  unexpected?: string;
  private bytes = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly parser: MultipartParser,
    private readonly maxBodyBytes: number,
  ) {}

  async *fileBytes(): AsyncGenerator<Buffer> {
    let inFile = false;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      this.bytes += chunk.length;
      if (this.bytes > this.maxBodyBytes) throw new HttpProblem(413, `request body exceeds the ${this.maxBodyBytes}-byte limit`);
      for (const event of this.parser.push(chunk)) {
        if (event.kind === 'part') {
          inFile = event.part.name === FIELD && !this.sawFile;
          if (inFile) this.sawFile = true;
          else this.unexpected ??= event.part.name ?? '(unnamed)';
        } else if (event.kind === 'data') {
          if (inFile) yield event.chunk;
        } else {
          inFile = false;
        }
      }
    }
    this.parser.end();
  }
}

/** Streams the multipart body through the capture core, keeping what this model has not seen before. */
async function readUpload(req: IncomingMessage, boundary: string, modelId: string, ctx: UploadContext, partialFailures: number): Promise<Outcome> {
  const form = new FormReader(req, new MultipartParser(boundary), ctx.maxBodyBytes);
  const fresh = new Set<string>();
  const keep: ReceivedInference[] | undefined = ctx.storeInferences ? [] : undefined;
  const checker = new CaptureChecker();
  const outcome: Outcome = { success: 0, failure: 0, failures: [] };
  const fail = (message: string, eventId: string | null, index: number | null): void => {
    outcome.failure++;
    if (outcome.failures.length < ctx.maxResults) outcome.failures.push({ message, status: 400, event_id: eventId, inference_index_in_event: index });
  };
  let records = 0;
  try {
    await forEachLine(form.fileBytes(), (text, lineNo) => {
      if (text.trim() === '') return;
      records++;
      const result = checker.check(text, lineNo, { explode: true });
      const eventId = eventIdOf(text);
      if (!result.ok) {
        fail(`line ${result.line}: ${result.code}: ${result.message}`, eventId, null);
        return;
      }
      for (const [index, inference] of (result.exploded ?? []).entries()) {
        if (ctx.state.holds(modelId, inference.partnerInferenceId) || fresh.has(inference.partnerInferenceId)) {
          fail('an inference with this partner_inference_id already exists', eventId, index);
        } else if (partialFailures > 0) {
          partialFailures--;
          fail('injected fault: inference not ingested', eventId, index);
        } else {
          fresh.add(inference.partnerInferenceId);
          outcome.success++;
          keep?.push({ modelId, ...inference });
        }
      }
    });
  } catch (err) {
    if (err instanceof MultipartError) throw new HttpProblem(400, err.message);
    throw err;
  }
  if (form.unexpected !== undefined) throw new HttpProblem(400, `unexpected form field "${form.unexpected}"; send the file as the single field ${FIELD}`);
  if (!form.sawFile) throw new HttpProblem(400, `no ${FIELD} file field in the form`);
  if (records === 0) throw new HttpProblem(400, `${FIELD} holds no records`);
  ctx.state.commit(modelId, fresh, keep);
  return outcome;
}

/** The record's `eventMetadata.eventId`, which Arthur's failures name; null when the line does not say. */
function eventIdOf(text: string): string | null {
  try {
    const id = (JSON.parse(text) as { eventMetadata?: { eventId?: unknown } })?.eventMetadata?.eventId;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}
