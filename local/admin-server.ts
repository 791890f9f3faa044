/**
 * Serves the admin handler over plain node:http, translating each request into the API Gateway HTTP API
 * (payload 2.0) event the deployed function receives, and its result back. The local stack serves the admin API
 * with it, and the tests drive the handler through real HTTP. No IAM authorization: it listens on loopback.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { createAdminHandler, type AdminDeps } from '../functions/admin/app.js';
import type { AdminEvent, AdminResult } from '../functions/admin/middleware.js';
import { closeServer, listen, LOOPBACK } from './net.js';

export interface AdminServerOptions {
  deps: AdminDeps;
  /** API Gateway's own payload quota: larger requests never reach the function. Default 10 MB. */
  maxRequestBytes?: number;
}

const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

/**
 * An http.Server (not yet listening) that answers like the deployed admin API.
 * @example
 * const server = createAdminServer({ deps });
 * server.listen(4583, '127.0.0.1');
 */
export function createAdminServer(options: AdminServerOptions): Server {
  const handler = createAdminHandler(options.deps);
  const maxBytes = options.maxRequestBytes ?? API_GATEWAY_MAX_BYTES;
  return createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 500, field: '', rule: 'internal', message: 'internal error' } }));
      options.deps.log('error', 'admin server failure', { detail: error instanceof Error ? error.message : String(error) });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, maxBytes);
    if (body === undefined) {
      res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
      return;
    }
    const event = toEvent(req, body);
    const result = (await handler(event, lambdaContext(event.requestContext.requestId))) as AdminResult;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
    if (result.cookies?.length) headers['Set-Cookie'] = result.cookies;
    headers['apigw-requestid'] = event.requestContext.requestId;
    const payload = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    headers['Content-Length'] = String(payload.length);
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(payload);
  }
}

/** The admin API served on loopback: its URL, and close(). */
export async function startAdminServer(options: AdminServerOptions & { port?: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createAdminServer(options);
  const port = await listen(server, options.port ?? 0, LOOPBACK);
  return { url: `http://${LOOPBACK}:${port}`, close: () => closeServer(server) };
}

/** The HTTP API payload 2.0 event for a request, as API Gateway builds it. */
export function toEvent(req: IncomingMessage, body: Buffer): AdminEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  const contentType = headers['content-type'] ?? '';
  // API Gateway passes text bodies as they are and base64-encodes the rest.
  const textual = /^(text\/|application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml))/i.test(contentType);
  const now = new Date();
  const requestId = randomUUID();
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lambdaContext(requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'capture-router-local-admin',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:capture-router-local-admin',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/capture-router-local-admin',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
