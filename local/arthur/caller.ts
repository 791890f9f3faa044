import type { IncomingMessage } from 'node:http';
import { drain, HttpProblem } from './http.js';
import type { ArthurReceiverOptions } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The header Arthur's client sends the organization in (arthur-client 1.4.0 `rest/client.py`, `ORG_ID_HEADER`). */
const ORGANIZATION_HEADER = 'arthur-organization-id';

/**
 * Checks who is calling, as Arthur does before anything else: the raw token as `Authorization` (401), the
 * organization header when the receiver is configured with one (403), and the model (404: not a UUID, or not
 * among `models`). The body is drained first, so the answer reaches a client that is still sending.
 */
export async function checkCaller(req: IncomingMessage, modelId: string, options: ArthurReceiverOptions, models?: Set<string>): Promise<void> {
  if (req.headers.authorization !== options.token) {
    await drain(req);
    throw new HttpProblem(401, req.headers.authorization ? 'invalid API key' : 'missing Authorization header');
  }
  if (options.organizationId !== undefined) {
    const sent = req.headers[ORGANIZATION_HEADER];
    if (sent !== options.organizationId) {
      await drain(req);
      throw new HttpProblem(403, sent ? 'the Arthur-Organization-ID is not an organization of this user' : 'missing Arthur-Organization-ID header (this account has several organizations)');
    }
  }
  if (!UUID.test(modelId) || (models && !models.has(modelId))) {
    await drain(req);
    throw new HttpProblem(404, `model ${modelId.slice(0, 80)} not found`);
  }
}

/** The model ID of a path, decoded and lower-cased (a UUID's case does not matter). */
export function modelIdOf(raw: string): string {
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}
