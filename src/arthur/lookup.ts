import http from 'node:http';
import https from 'node:https';
import type { LookupOutcome, LookupRequest } from './api.js';
import { lookupUrl } from './host-policy.js';

/** What one GET of the lookup answered; `status` 0 for a network failure or the deadline. */
interface Probe {
  status: number;
  detail: string;
}

export interface LookupTransport {
  agent(url: URL): http.Agent;
  headers: http.OutgoingHttpHeaders;
}

/**
 * Asks Arthur, one partner ID at a time, whether it holds each inference: `GET /api/v3/models/{id}/inferences/
 * query/{partner_inference_id}` (arthur-client 1.4.0 `get_inference`, which expects 200). 200 = held, 404 = not
 * held. Any other answer stops the lookup: its outcome says why, and the caller falls back. One deadline covers
 * every request.
 */
export async function lookupInferences(base: URL, request: LookupRequest, transport: LookupTransport): Promise<LookupOutcome> {
  const deadline = Date.now() + request.timeoutMs;
  const held = new Set<string>();
  const ids = [...new Set(request.partnerInferenceIds)];
  let next = 0;
  let stop: LookupOutcome | undefined;
  const worker = async (): Promise<void> => {
    while (!stop && next < ids.length) {
      const id = ids[next++]!;
      if (request.signal?.aborted) {
        stop = { status: 'unavailable', detail: 'the lookup was aborted (the Lambda deadline)' };
        return;
      }
      const probe = await get(lookupUrl(base, request.modelId, id), transport, deadline - Date.now());
      if (probe.status === 200) held.add(id);
      else if (probe.status !== 404) stop ??= verdict(probe);
    }
  };
  const lanes = Math.max(1, Math.min(request.concurrency ?? 8, ids.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return stop ?? { status: 'ok', held, checked: ids.length };
}

function verdict(probe: Probe): LookupOutcome {
  const said = probe.status === 0 ? probe.detail : `HTTP ${probe.status}`;
  if (probe.status === 401 || probe.status === 403) return { status: 'unauthorized', detail: `the lookup was refused (${said})` };
  if (probe.status === 402) return { status: 'refused', detail: `the Arthur plan or payment refused the lookup (${said})` };
  if (probe.status === 0 || probe.status === 429 || probe.status >= 500) return { status: 'unavailable', detail: `the lookup failed (${said})` };
  return { status: 'not-served', detail: `the host does not serve Arthur's v3 inference lookup (${said})` };
}

function get(url: URL, transport: LookupTransport, timeoutMs: number): Promise<Probe> {
  if (timeoutMs <= 0) return Promise.resolve({ status: 0, detail: 'the lookup ran out of time' });
  return new Promise<Probe>((resolve) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method: 'GET', headers: transport.headers, agent: transport.agent(url) });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 0, detail: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, detail: '' });
      });
      res.on('error', () => {
        clearTimeout(timer);
        resolve({ status: 0, detail: 'the answer was cut' });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ status: 0, detail: err.code ?? err.message });
    });
    req.end();
  });
}
