/**
 * A bare HTTP server whose answer each test scripts, for driving the Arthur client through real sockets:
 * every status, a slow answer, a reset connection, an echo of the request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedServer {
  url: string;
  /** Requests received so far, with their headers and how many body bytes arrived. */
  requests: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; bodyBytes: number }>;
  close(): Promise<void>;
}

export type Script = (req: IncomingMessage, res: ServerResponse, record: { bodyBytes: number }) => void | Promise<void>;

export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  const server = createServer((req, res) => {
    const record = { method: req.method, url: req.url, headers: req.headers, bodyBytes: 0 };
    requests.push(record);
    req.on('data', (chunk: Buffer) => (record.bodyBytes += chunk.length));
    Promise.resolve(script(req, res, record)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Consumes the whole request body, then answers (the way a real server answers a complete request). */
export function answerAfterBody(status: number, body = '', headers: Record<string, string> = {}): Script {
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    });
  };
}

/** Collects the request body (small bodies only: the multipart tests). */
export async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
