/**
 * The HTTP side of the JSON 1.0 protocol: `POST /`, `X-Amz-Target: <Service>.<Action>`, a JSON body in, a JSON
 * document out; an error is `{"__type": "<Name>", "message": …}`, which the SDK turns into the named exception.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readBody, sendAwsJson } from '../aws-json-protocol.js';

export type Body = Record<string, unknown>;

/** One API action: the request's JSON body in, the answer's out; throw a ServiceError to answer an error. */
export type Action = (body: Body) => unknown;

/** An error answered as HTTP 400 `{__type, message}`; the SDK maps `__type` to its exception class. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * A request listener that dispatches on `X-Amz-Target` to `actions`.
 * @example
 * createServer(jsonProtocolListener('AWSStepFunctions.', 'Step Functions', { ListStateMachines: () => ({ stateMachines: [] }) }));
 */
export function jsonProtocolListener(targetPrefix: string, serviceName: string, actions: Record<string, Action>): RequestListener {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new ServiceError('UnknownOperationException', `${req.method} ${req.url}: the ${serviceName} protocol is POST /`, 404);
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run) throw new ServiceError('UnknownOperationException', `the local ${serviceName} endpoint does not implement ${target || '(no X-Amz-Target)'}`);
      sendAwsJson(res, 200, run(parseBody(raw)));
    } catch (error) {
      if (error instanceof ServiceError) sendAwsJson(res, error.status, { __type: error.type, message: error.message });
      else sendAwsJson(res, 500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) });
    }
  };
  return (req, res) => void handle(req, res);
}

function parseBody(raw: string): Body {
  try {
    return raw.length ? ((JSON.parse(raw) as Body | null) ?? {}) : {};
  } catch {
    throw new ServiceError('SerializationException', 'request body is not JSON');
  }
}
