/**
 * A tiny Step Functions endpoint speaking the JSON 1.0 protocol for StartExecution, so tests drive the real
 * SFNClient (serialization, error parsing, ExecutionAlreadyExists as a typed exception) without an emulator.
 *
 * Protocol: `POST /`, `X-Amz-Target: AWSStepFunctions.<Action>`, `Content-Type: application/x-amz-json-1.0`,
 * JSON bodies, dates as epoch seconds; errors are HTTP 400 (or the status of an injected fault) with
 * `{"__type": "<ErrorName>", "message": "…"}`.
 *
 * Unlike the real service, a repeated name is always ExecutionAlreadyExists: Step Functions answers 200 for the
 * same name and input while the first execution still runs, and the stub has no running executions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isJson, readBody, sendAwsJson } from '../../local/aws-json-protocol.js';
import { closeServer, listen } from '../../local/net.js';

export interface StubExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The input as sent (a JSON string). */
  input: string;
  startDate: Date;
}

export interface StubRequest {
  target: string;
  body: Record<string, unknown>;
}

/** The next `count` requests fail this way, before any other handling. */
export interface StubFault {
  type: string;
  message?: string;
  /** Default 400. A 5xx or a throttling type makes the SDK retry, so set the client's maxAttempts accordingly. */
  status?: number;
  count?: number;
}

export interface SfnStubServer {
  /** `http://127.0.0.1:{port}`, for `new SFNClient({ endpoint })` or AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  /** Executions started, in order. */
  executions: StubExecution[];
  /** Every request received, in order (faulted and rejected ones included). */
  requests: StubRequest[];
  failNext(fault: StubFault): void;
  /** Forgets executions, requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

export interface SfnStubOptions {
  /** When given, StartExecution on any other ARN answers StateMachineDoesNotExist. */
  stateMachineArns?: string[];
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
// The characters Step Functions refuses in names: whitespace, brackets, wildcards, these specials, controls.
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;
const MAX_INPUT_BYTES = 256 * 1024;

class StubError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'StubError';
  }
}

export async function startSfnStubServer(options: SfnStubOptions = {}): Promise<SfnStubServer> {
  const executions: StubExecution[] = [];
  const requests: StubRequest[] = [];
  const faults: Array<Required<Omit<StubFault, 'message'>> & { message: string }> = [];

  const startExecution = (body: Record<string, unknown>) => {
    const stateMachineArn = body.stateMachineArn;
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw new StubError('InvalidArn', `Invalid Arn: '${String(stateMachineArn)}'`);
    }
    if (options.stateMachineArns && !options.stateMachineArns.includes(stateMachineArn)) {
      throw new StubError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    const name = body.name === undefined ? randomUUID() : body.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 80 || FORBIDDEN_NAME.test(name)) {
      throw new StubError('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const input = body.input === undefined ? '{}' : body.input;
    if (typeof input !== 'string' || Buffer.byteLength(input) > MAX_INPUT_BYTES || !isJson(input)) {
      throw new StubError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not a JSON document of at most 256 KiB');
    }
    if (executions.some((e) => e.stateMachineArn === stateMachineArn && e.name === name)) {
      throw new StubError('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
    }
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const execution: StubExecution = { executionArn, stateMachineArn, name, input, startDate: new Date() };
    executions.push(execution);
    return { executionArn, startDate: execution.startDate.getTime() / 1000 };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown> = {};
    try {
      if (req.method !== 'POST' || req.url !== '/') throw new StubError('UnknownOperationException', `${req.method} ${req.url}`, 404);
      try {
        body = raw.length ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        throw new StubError('SerializationException', 'request body is not JSON');
      }
      requests.push({ target, body });
      const fault = faults[0];
      if (fault) {
        fault.count -= 1;
        if (fault.count <= 0) faults.shift();
        throw new StubError(fault.type, fault.message, fault.status);
      }
      if (target !== 'AWSStepFunctions.StartExecution') {
        throw new StubError('UnknownOperationException', `the stub implements StartExecution only, not ${target || '(no X-Amz-Target)'}`);
      }
      sendAwsJson(res, 200, startExecution(body));
    } catch (error) {
      if (error instanceof StubError) sendAwsJson(res, error.status, { __type: error.type, message: error.message });
      else sendAwsJson(res, 500, { __type: 'InternalFailure', message: String(error) });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, 0);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    executions,
    requests,
    failNext(fault) {
      faults.push({ type: fault.type, message: fault.message ?? `injected ${fault.type}`, status: fault.status ?? 400, count: fault.count ?? 1 });
    },
    reset() {
      executions.length = 0;
      requests.length = 0;
      faults.length = 0;
    },
    close() {
      return closeServer(server);
    },
  };
}
