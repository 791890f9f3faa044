import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpProblem, readSmall, send } from './http.js';
import type { ReceiverState } from './state.js';
import type { FaultSpec } from './types.js';

/**
 * The test controls beside Arthur's endpoints (DESIGN.md, "Contracts other code relies on"): GET /__received,
 * GET /__stats, POST /__faults. Answers false when the request is not one of them.
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, state: ReceiverState): Promise<boolean> {
  if (url.pathname === '/__received' && req.method === 'GET') {
    send(res, 200, state.received(url.searchParams.get('model') ?? undefined));
    return true;
  }
  if (url.pathname === '/__stats' && req.method === 'GET') {
    send(res, 200, state.stats);
    return true;
  }
  if (url.pathname === '/__faults' && req.method === 'POST') {
    state.setFaults(await readFaults(req));
    send(res, 200, { pending: state.faults.length });
    return true;
  }
  return false;
}

async function readFaults(req: IncomingMessage): Promise<FaultSpec | FaultSpec[]> {
  try {
    return JSON.parse((await readSmall(req)) || '{}') as FaultSpec | FaultSpec[];
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    throw new HttpProblem(400, 'the fault spec must be JSON');
  }
}
